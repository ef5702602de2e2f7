"""mozilla-django-oidc's two views, answering 404 while single sign-on is not configured."""
from functools import wraps

from django.conf import settings
from django.http import Http404
from django.urls import path
from mozilla_django_oidc import views


def _when_enabled(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.KEXIANG_SSO_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)
    return wrapped


urlpatterns = [
    path("callback/", _when_enabled(views.OIDCAuthenticationCallbackView.as_view()), name="oidc_authentication_callback"),
    path("authenticate/", _when_enabled(views.OIDCAuthenticationRequestView.as_view()), name="oidc_authentication_init"),
]
