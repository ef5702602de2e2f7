"""Thin Celery tasks: ids in, fetch again, call the service."""
import datetime
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from .exceptions import MediaError
from .models import MediaAsset
from .services import TranscodeJob, media_asset_requeue, media_assets_stuck
from .tus import uploads_expire

log = logging.getLogger(__name__)

# Errors that may go away on their own: a full disk being cleaned, a network volume blinking,
# FFmpeg killed by a signal (a deploy, the OOM killer): TranscodeInterrupted is an OSError.
TRANSIENT = (OSError,)


MEDIA_TASK = dict(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,  # a killed worker's message goes back to the queue
    autoretry_for=TRANSIENT,
    dont_autoretry_for=(MediaError, FileNotFoundError),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=3 * 3600,
    time_limit=3 * 3600 + 300,
)  # routed to the "media" queue by CELERY_TASK_ROUTES


@shared_task(**MEDIA_TASK)
def transcode_task(self, asset_id):
    asset = MediaAsset.objects.filter(pk=asset_id).first()
    if asset is None:
        return "gone"
    job = TranscodeJob(asset)
    if not job.claim():
        return job.asset.state

    def dispatch(count):
        for index in range(count):
            encode_chunk_task.delay(asset_id, index)

    return _guarded(job, lambda: job.run(dispatch_chunks=dispatch))


@shared_task(**MEDIA_TASK)
def encode_chunk_task(self, asset_id, index):
    """One chunk of a long recording's higher rungs; several run in parallel on the media queue."""
    asset = MediaAsset.objects.filter(pk=asset_id, state=MediaAsset.State.PROCESSING).first()
    if asset is None:
        return "skipped"
    job = TranscodeJob(asset)

    def work():
        if job.chunk(index):
            join_chunks_task.delay(asset_id)

    return _guarded(job, work)


@shared_task(**MEDIA_TASK)
def join_chunks_task(self, asset_id):
    asset = MediaAsset.objects.filter(pk=asset_id, state=MediaAsset.State.PROCESSING).first()
    if asset is None:
        return "skipped"
    job = TranscodeJob(asset)
    return _guarded(job, job.join)


def _guarded(job, work):
    """Run `work`; user errors fail the job for good, transient ones propagate to Celery's retry."""
    asset = job.asset
    try:
        with job.heartbeat():
            work()
    except FileNotFoundError as exc:
        job.fail(MediaError(f"source missing: {exc}"))
    except MediaError as exc:
        log.warning("transcode of asset %s failed: %s", asset.pk, exc.detail)
        job.fail(exc)
    except SoftTimeLimitExceeded:
        job.fail(MediaError("time limit exceeded"))
    asset.refresh_from_db(fields=["state"])
    return asset.state


@shared_task
def sweep_stuck_transcodes(silent_seconds=None):
    """Requeue jobs whose worker died (no heartbeat for `silent_seconds`, by default
    KEXIANG_TRANSCODE_STUCK_AFTER): the ladder is rebuilt from the start. 0 requeues every unfinished job:
    the local worker does so when it starts and no other local worker is alive (signal_handlers)."""
    silence = None if silent_seconds is None else datetime.timedelta(seconds=silent_seconds)
    return [asset.pk for asset in media_assets_stuck(silence=silence) if media_asset_requeue(asset=asset, silence=silence)]


@shared_task
def expire_abandoned_uploads():
    """Delete unfinished uploads nobody has touched for KEXIANG_UPLOAD_EXPIRE_HOURS (they resume until then),
    which also frees what they reserved of their owner's upload limit (media_pipeline/quotas.py)."""
    return uploads_expire(older_than=datetime.timedelta(hours=settings.KEXIANG_UPLOAD_EXPIRE_HOURS))
