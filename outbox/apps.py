from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Notifications beyond the site: each person's choice per kind (at once, a daily digest, or not at all), and a
    delivery row per notification and channel that is sent, retried and swept until it is out (senders.py: e-mail
    first; SMS or WeChat later behind the same interface)."""

    name = "outbox"
    verbose_name = _("Notifications by e-mail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signal_handlers

        signal_handlers.connect()
