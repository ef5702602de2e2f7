from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from research.models import Notification


class Mode(models.TextChoices):
    OFF = "off", _("No e-mail")
    INSTANT = "instant", _("At once")
    DIGEST = "digest", _("In a daily digest")


class DeliveryPreference(models.Model):
    """How one person wants one kind of notification outside the site. No row: the kind's default (DEFAULTS)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delivery_preferences")
    kind = models.CharField(max_length=20, choices=Notification.Kind.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]


class Delivery(models.Model):
    """One notification on its way to one person by one channel. Kept until sent, so a mail server that is down
    loses nothing: the sweeper queues it again."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent (turned off, or no address)")
        FAILED = "failed", _("Refused by the mail server (a wrong address)")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, default="email")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="one_delivery_per_channel")]
        indexes = [models.Index(fields=["state", "mode"])]
