from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtectedMediaConfig(AppConfig):
    """Every stored file, served only to whoever may see what it belongs to: Django decides, and either
    streams the bytes itself (the embedded default) or has nginx send them (X-Accel-Redirect)."""

    name = "protected_media"
    verbose_name = _("Protected files")

    def ready(self):
        from . import checks  # noqa: F401  registers the system checks
