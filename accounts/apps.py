from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Schools and people")


class KexiangUsersAppConfig(WagtailUsersAppConfig):
    """Replaces "wagtail.users" in INSTALLED_APPS so the admin edits our user fields."""

    user_viewset = "accounts.viewsets.UserViewSet"
