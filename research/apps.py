from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "research"
    verbose_name = _("Teaching research")

    def ready(self):
        from . import signal_handlers

        signal_handlers.connect()
