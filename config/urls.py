from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

import accounts.sso_urls
import protected_media.views
from resources import admin_reach

from . import health


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("django-admin/", admin.site.urls),
    # Wagtail's reports and bulk actions, kept to the reader's reach over resources (resources/admin_reach.py)
    path("admin/reports/", include(admin_reach.urlpatterns)),
    path("admin/bulk/", include(admin_reach.bulk_urlpatterns)),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's document URLs, served by protected_media first (same name, so Wagtail's links point here)
    path("documents/<int:document_id>/<str:document_filename>", protected_media.views.document,
         name="wagtaildocs_serve"),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("oidc/", include("accounts.sso_urls")),
    path("cas/", include(accounts.sso_urls.cas_urlpatterns)),
    path("people/", include("roster.urls")),
    path("notifications/", include("outbox.urls")),
    path("resources/", include("resources.urls")),
    path("lessons/", include("lessons.urls")),
    path("research/", include("research.urls")),
    path("live/", include("live.urls")),
    path("", include("search.urls")),
    path("api/v1/", include("resources.api_urls")),
    path("", include("media_pipeline.urls")),
    path("uploads/", include("media_pipeline.upload_urls")),
]

# Stored files, each to whoever may see what it belongs to (protected_media.access), never a plain folder.
urlpatterns += [path(settings.MEDIA_URL.lstrip("/") + "<path:name>", protected_media.views.media, name="media")]
urlpatterns += [path("", include(wagtail_urls))]
