"""Thin tasks: ids in, fetch again, call the service (demo/lessons.py)."""
import logging

from celery import shared_task

from resources.models import Resource

from . import lessons, services

log = logging.getLogger(__name__)

FINISH_EVERY = 10  # seconds between looks at a demo lesson's transcode
FINISH_TRIES = 180  # half an hour


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=10, max_retries=3)
def demo_lesson_build_task(self, resource_id, key):
    """Make the lesson's video and queue its transcode, then look at it until it plays (routed to "media")."""
    resource = Resource.objects.filter(pk=resource_id).select_related("media_asset", "uploaded_by").first()
    lesson = lessons.demo_lesson_by_key(key)
    if resource is None or lesson is None:
        return "gone"
    log.info("示例课程 demo lesson %s: making its video", key)
    asset = lessons.demo_lesson_make(resource=resource, lesson=lesson)
    log.info("示例课程 demo lesson %s: video %s queued for its transcode", key, asset.uid)
    demo_lesson_finish_task.apply_async((resource_id, key), countdown=FINISH_EVERY)
    return "queued"


@shared_task(bind=True, acks_late=True, max_retries=FINISH_TRIES)
def demo_lesson_finish_task(self, resource_id, key):
    """Publish the lesson once it plays; the demo group's review once every rung is done."""
    resource = Resource.objects.filter(pk=resource_id).select_related("media_asset", "uploaded_by").first()
    if resource is None or resource.media_asset is None:
        return "gone"
    if resource.media_asset.state == resource.media_asset.State.FAILED:
        log.warning("示例课程 demo lesson %s: its transcode failed: %s", key, resource.media_asset.error_detail)
        return "failed"
    published = lessons.demo_lesson_publish(resource=resource)
    lesson = lessons.demo_lesson_by_key(key)
    reviewed = lessons.demo_lesson_review(resource=resource) if lesson and lesson.review else True
    if not (published and reviewed):
        raise self.retry(countdown=FINISH_EVERY)
    log.info("示例课程 demo lesson %s: ready at /lessons/%s/", key, resource.pk)
    return "ready"


@shared_task(acks_late=True)
def demo_resources_rest_task(path, start):
    """The demo records after the first `start`: the library fills up while the site already serves."""
    counts = services.demo_resources_rest(path=path, start=start)
    log.info("示例数据 demo resources: +%s in the background", counts.created)
    return counts.created
