"""Connected in MediaPipelineConfig.ready()."""
import fcntl
import logging
import os
from pathlib import Path

from celery.signals import worker_init, worker_process_init
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete

from core import media_storage

from . import pipeline, publishing, tus
from .models import MediaAsset
from .services import HEARTBEAT_THREAD_EVERY, media_asset_create_from_upload
from .tasks import sweep_stuck_transcodes

logger = logging.getLogger(__name__)


def transcode_completed_upload(sender, upload, **kwargs):
    media_asset_create_from_upload(upload=upload)


_local_worker_lock = None  # this process's shared hold on the local workers' lock file, for its life


def _local_lock_file():
    folder = settings.CELERY_BROKER_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return open(folder / "local-worker.lock", "a")


def local_worker_start(sender=None, **kwargs):
    """On the embedded default (the filesystem broker), a worker that starts picks up at once what a killed
    local worker left: that transport forgets a message once it is taken, so the job would wait for the
    sweeper's KEXIANG_TRANSCODE_STUCK_AFTER.

    Every local worker process, and each of its pool's children, holds a shared lock on a file next to the
    queue for as long as it lives. A starting worker (before its pool starts: worker_init) that can take that
    lock exclusively knows no other local worker process is alive (not even an orphaned child still
    transcoding), so every unfinished job is orphaned: it requeues them all. Otherwise it requeues only jobs
    silent for two heartbeats."""
    global _local_worker_lock

    if settings.CELERY_BROKER_URL != "filesystem://":
        return
    handle = _local_lock_file()
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        silence = 0
    except BlockingIOError:
        silence = 2 * HEARTBEAT_THREAD_EVERY.total_seconds()
    try:
        requeued = sweep_stuck_transcodes(silent_seconds=silence)
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        _local_worker_lock = handle
    if requeued:
        logger.warning("local worker start: requeued transcodes %s left by a worker that stopped", requeued)


def local_worker_child_init(sender=None, **kwargs):
    """A pool child of a local worker holds the shared lock too (see local_worker_start)."""
    global _local_worker_lock

    if settings.CELERY_BROKER_URL != "filesystem://":
        return
    handle = _local_lock_file()
    fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
    _local_worker_lock = handle


def media_asset_deleted(sender, instance, **kwargs):
    # Its files go once the deletion is committed (not if it is rolled back).
    output_name, uid, source_path = instance.output_name, instance.uid, instance.source_path
    transaction.on_commit(
        lambda: media_asset_files_delete(output_name=output_name, uid=uid, source_path=source_path), robust=True)


def media_asset_files_delete(*, output_name, uid, source_path):
    """A deleted asset's ladder, its work folders and its original when that is in the media storage (an
    absolute path is a file of the upload folder or one an operator named: left alone). What the storage fails
    to delete stays, logged: `manage.py media_orphans` finds it later."""
    storage = media_storage.media_storage()
    folders = [output_name, f"{publishing.WORK}/{uid}"]
    if media_storage.local_root(storage) is not None:  # the ladder is built beside its folder on disk
        folders += [folder.as_posix() for folder in pipeline.staging_dirs(Path(output_name)).values()]
    for folder in folders:
        try:
            media_storage.delete_prefix(storage, folder)
        except OSError as error:
            logger.warning("could not delete %s/ of a deleted video (media_orphans will list it): %s", folder, error)
    if source_path and not os.path.isabs(source_path) and not MediaAsset.objects.filter(source_path=source_path).exists():
        try:
            media_storage.delete_file(storage, source_path)
        except OSError as error:
            logger.warning("could not delete %s of a deleted video (media_orphans will list it): %s", source_path,
                           error)


def scratch_sweep_at_start(sender=None, **kwargs):
    """A worker that starts removes the scratch folders killed tasks left on this machine (older than any task
    may run: a live task's folder is younger)."""
    removed = publishing.scratch_sweep()
    if removed:
        logger.warning("worker start: removed %d scratch folders left by killed tasks", removed)


def connect():
    post_delete.connect(media_asset_deleted, sender=MediaAsset, dispatch_uid="media_pipeline.media_asset_deleted")
    tus.upload_completed.connect(transcode_completed_upload, dispatch_uid="media_pipeline.transcode_completed_upload")
    worker_init.connect(local_worker_start, dispatch_uid="media_pipeline.local_worker_start")
    worker_init.connect(scratch_sweep_at_start, dispatch_uid="media_pipeline.scratch_sweep_at_start")
    worker_process_init.connect(local_worker_child_init, dispatch_uid="media_pipeline.local_worker_child_init")
