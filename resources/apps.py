from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Resource library")

    def ready(self):
        from . import checks  # noqa: F401  registers the system checks
        from . import signal_handlers

        signal_handlers.connect()
