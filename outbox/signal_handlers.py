from django.db import transaction
from django.db.models.signals import post_save

from research.models import Notification


def notification_saved(sender, instance, created, raw=False, **kwargs):
    # At once rather than at the next sweep (a minute): bulk-made notifications wait for the sweep.
    if created and not raw:
        from .tasks import deliver_notifications  # noqa: PLC0415

        transaction.on_commit(deliver_notifications.delay, robust=True)


def connect():
    post_save.connect(notification_saved, sender=Notification, dispatch_uid="outbox.notification_saved")
