"""Thin tasks: ids in, fetch again, call the service (demo/lessons.py, demo/services.py)."""
import logging

from celery import shared_task
from ffmpeg import Error as FFmpegError

from resources.models import Resource

from . import lessons, services

log = logging.getLogger(__name__)

FINISH_EVERY = 10  # seconds between looks at a demo lesson's transcode
FINISH_TRIES = 180  # half an hour


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), dont_autoretry_for=(FileNotFoundError,),
             retry_backoff=10, max_retries=3, soft_time_limit=600, time_limit=660)
def demo_lesson_build_task(self, resource_id, key):
    """Make the lesson's video and queue its transcode, then look at it until it plays (routed to "media").
    A video FFmpeg cannot make (or no FFmpeg) drops the draft: the home page stops waiting for it, and the next
    `load_demo_data` queues it again."""
    resource = Resource.objects.filter(pk=resource_id).select_related("media_asset", "uploaded_by").first()
    lesson = lessons.demo_lesson_by_key(key)
    if resource is None or lesson is None:
        return "gone"
    log.info("示例课程 demo lesson %s: making its video", key)
    try:
        asset = lessons.demo_lesson_make(resource=resource, lesson=lesson)
    except (FFmpegError, FileNotFoundError) as exc:
        detail = (getattr(exc, "stderr", b"") or b"").decode(errors="replace").strip()[-500:] or str(exc)
        log.error("示例课程 demo lesson %s: FFmpeg could not make its video, left out: %s", key, detail)
        lessons.demo_lesson_drop(resource=resource)
        return "failed"
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
        log.error("示例课程 demo lesson %s: its transcode failed, left out: %s", key, resource.media_asset.error_detail)
        lessons.demo_lesson_drop(resource=resource)
        return "failed"
    published = lessons.demo_lesson_publish(resource=resource)
    lesson = lessons.demo_lesson_by_key(key)
    reviewed = lessons.demo_lesson_review(resource=resource) if lesson and lesson.review else True
    if published and reviewed:
        log.info("示例课程 demo lesson %s: ready at /lessons/%s/", key, resource.pk)
        return "ready"
    if self.request.is_eager:  # (tests: the transcode ran already, in the same thread; waiting would not help)
        return "waiting"
    if self.request.retries >= FINISH_TRIES:
        log.error("示例课程 demo lesson %s: still not playable after %d s, left out", key, FINISH_EVERY * FINISH_TRIES)
        lessons.demo_lesson_drop(resource=resource)
        return "failed"
    raise self.retry(countdown=FINISH_EVERY)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def demo_resources_rest_task(path, start):
    """The demo records after the first `start`: the library fills up while the site already serves."""
    counts = services.demo_resources_rest(path=path, start=start)
    log.info("示例数据 demo resources: +%s in the background", counts.created)
    return counts.created
