"""Thin tasks: ids in, the service does the work."""
from celery import shared_task
from django.db import transaction

from . import services
from .senders import TRANSIENT

MAX_RETRIES = 5


@shared_task(name="outbox.tasks.deliver_notifications", acks_late=True, time_limit=120)
def deliver_notifications():
    """Plan the deliveries of new notifications and queue those to send at once; queue again what waited."""
    due = services.deliveries_plan() + services.deliveries_due()
    for delivery_id in dict.fromkeys(due):
        transaction.on_commit(lambda pk=delivery_id: delivery_send_task.delay(pk))
    return len(due)


@shared_task(name="outbox.tasks.delivery_send_task", bind=True, acks_late=True, time_limit=60, max_retries=MAX_RETRIES)
def delivery_send_task(self, delivery_id):
    try:
        return services.delivery_send(delivery_id=delivery_id)
    except TRANSIENT as error:  # recorded on the delivery; retried with backoff, then the sweeper's turn
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            return False
        raise self.retry(exc=error, countdown=min(600, 30 * 2 ** self.request.retries)) from error


@shared_task(name="outbox.tasks.send_digests", acks_late=True, time_limit=600)
def send_digests():
    return services.digests_send()
