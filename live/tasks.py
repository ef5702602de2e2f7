"""Thin tasks: ids in, fetch again, call the service."""
from celery import shared_task

from . import replay, services


@shared_task(acks_late=True)
def live_end_task(live_id):
    """Queued by publish_done to run after the grace period."""
    services.live_end(live_id=live_id)


@shared_task(acks_late=True, soft_time_limit=3600, time_limit=3700)
def live_replay_task(live_id):
    replay.live_replay_make(live_id=live_id)


@shared_task
def sweep_dropped_live_lessons():
    """Lessons whose end task was lost (a worker restarted during the grace period)."""
    return len(services.live_end_overdue())
