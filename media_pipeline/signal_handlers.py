"""Connected in MediaPipelineConfig.ready()."""
import fcntl
import logging

from django.contrib.auth import get_user_model
from django.db import transaction

from . import tus
from .models import MediaAsset
from .services import media_asset_create

logger = logging.getLogger(__name__)


def is_media_upload(upload):
    return upload.metadata.get("kind") == "lesson_video" or upload.filetype.startswith(("video/", "audio/"))


def transcode_completed_upload(sender, upload, **kwargs):
    """A finished, checksum-verified video or audio upload becomes a media asset and is queued."""
    if not is_media_upload(upload) or MediaAsset.objects.filter(upload_id=upload.id).exists():
        return
    owner = get_user_model().objects.filter(pk=upload.owner_id).first()
    if owner is None:
        return
    with transaction.atomic():
        media_asset_create(owner=owner, source_path=tus.upload_path(upload), upload_id=upload.id,
                           title=upload.metadata.get("title") or upload.filename)


_local_worker_lock = None  # held for the life of the process once taken (see local_worker_ready)


def local_worker_ready(sender=None, **kwargs):
    """On the embedded default (the filesystem broker), a worker that starts picks up at once what a killed
    local worker left: that transport forgets a message once it is taken, so the job would wait for the
    sweeper's KEXIANG_TRANSCODE_STUCK_AFTER. The first local worker alive takes a lock file next to the
    queue; holding it, it knows no other local worker can be transcoding and requeues every unfinished job.
    A second local worker beside a live one only requeues jobs silent for two heartbeats."""
    global _local_worker_lock
    from django.conf import settings

    from .services import HEARTBEAT_THREAD_EVERY
    from .tasks import sweep_stuck_transcodes

    if settings.CELERY_BROKER_URL != "filesystem://":
        return
    folder = settings.CELERY_BROKER_DIR
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / "local-worker.lock", "a")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        silence = 2 * HEARTBEAT_THREAD_EVERY.total_seconds()
    else:
        _local_worker_lock, silence = handle, 0
    requeued = sweep_stuck_transcodes(silent_seconds=silence)
    if requeued:
        logger.warning("local worker start: requeued transcodes %s left by a worker that stopped", requeued)


def connect():
    from celery.signals import worker_ready

    tus.upload_completed.connect(transcode_completed_upload, dispatch_uid="media_pipeline.transcode_completed_upload")
    worker_ready.connect(local_worker_ready, dispatch_uid="media_pipeline.local_worker_ready")
