"""Thin Celery tasks: ids in, fetch again, call the service (resources/previews.py)."""
import random

from celery import shared_task

from .models import Resource
from .previews import TRANSIENT, resource_preview_make, resource_preview_requeue, resource_previews_stuck

MAX_RETRIES = 3


def _backoff(retries):
    """30 s, 60 s, 120 s … (at most 10 min), with jitter so retried previews do not arrive together."""
    return min(600, 30 * 2 ** retries) + random.randint(0, 15)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,  # a killed worker's message goes back to the queue
    max_retries=MAX_RETRIES,
    # LibreOffice (180 s) + pdfinfo + pdftoppm (120 s) and storage; well under the claim's 15 minutes.
    soft_time_limit=420,
    time_limit=480,
)  # the default queue: a preview takes seconds, and the media queue's workers sit on hour-long transcodes
def resource_preview_task(self, resource_id):
    """Make a pending resource's page previews. The file's own problems (password, damage) fail it at once;
    OSError and a tool's timeout are retried with backoff, and fail it after MAX_RETRIES."""
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        return "gone"
    try:
        resource = resource_preview_make(resource=resource, last_attempt=self.request.retries >= self.max_retries)
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    return resource.preview_state


@shared_task
def sweep_stuck_previews():
    """Queue again previews left pending by a lost message or a dead worker."""
    return [resource.pk for resource in resource_previews_stuck() if resource_preview_requeue(resource=resource)]
