"""Thin Celery tasks of teaching research (STYLE.md): call the service, safe to run twice."""
from celery import shared_task

from .services.activities import activity_reminders_send


@shared_task(name="research.tasks.send_activity_reminders", acks_late=True, time_limit=120)
def send_activity_reminders():
    """Notify members of activities starting soon; each occurrence is claimed once (see the service)."""
    return activity_reminders_send()
