"""Writes for media assets: creating them and running their transcode as a job that is safe to run twice."""
import contextlib
import datetime
import logging
import os
import shutil
import threading
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from core import media_storage

from . import ffmpeg, pipeline, publishing, tus
from .exceptions import MediaError, TranscodeError
from .models import MediaAsset

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = datetime.timedelta(seconds=5)  # progress writes at most this often
HEARTBEAT_THREAD_EVERY = datetime.timedelta(seconds=30)  # and a beat this often whatever the step
MAX_ATTEMPTS = 3


def stuck_after():
    """No heartbeat for this long means the worker died (KEXIANG_TRANSCODE_STUCK_AFTER, seconds)."""
    return datetime.timedelta(seconds=getattr(settings, "KEXIANG_TRANSCODE_STUCK_AFTER", 600))


def media_asset_create(*, owner, source_path, title="", upload_id=None, size_bytes=None, refused=None) -> MediaAsset:
    """Record an original and queue its transcode once the transaction commits. `source_path`: an absolute path on
    the workers' disk, or a name in the media storage (publishing.local_source). `refused`: the MediaError a probe
    of the file found already: the asset is recorded as failed with its sentence, and nothing is queued."""
    from .tasks import transcode_task  # noqa: PLC0415  (the tasks call these services: a cycle at the top)

    if size_bytes is None and os.path.isabs(source_path):
        with contextlib.suppress(OSError):
            size_bytes = os.path.getsize(source_path)
    asset = MediaAsset(owner=owner, source_path=str(source_path), title=title, upload_id=upload_id,
                       size_bytes=size_bytes)
    if refused is not None:
        asset.state = MediaAsset.State.FAILED
        with translation.override(None):  # the English message id, translated when shown (as TranscodeJob does)
            asset.error_message = str(refused.user_message)
        asset.error_detail = str(refused)[:2000]
        asset.finished_at = timezone.now()
    asset.full_clean()
    asset.save()
    if refused is None:
        transaction.on_commit(lambda: transcode_task.delay(asset.pk))
    return asset


class TranscodeJob:
    """One attempt at an asset's ladder: start, report progress, finish or fail. Idempotent."""

    def __init__(self, asset: MediaAsset):
        self.asset = asset
        self._last_beat = None

    def claim(self, now=None):
        """Take the job, unless it is done, failed for good, or alive in another worker.

        One conditional UPDATE decides, so two copies of the task cannot both start.
        """
        now = now or timezone.now()
        alive = Q(state=MediaAsset.State.PROCESSING, heartbeat_at__gte=now - stuck_after())
        claimed = (
            MediaAsset.objects.filter(pk=self.asset.pk, state__in=[MediaAsset.State.QUEUED, MediaAsset.State.PROCESSING])
            .exclude(alive)
            .update(state=MediaAsset.State.PROCESSING, progress=0.0, started_at=now, heartbeat_at=now,
                    attempts=F("attempts") + 1, join_queued=False)
        )
        self.asset.refresh_from_db()
        return bool(claimed)

    @contextlib.contextmanager
    def heartbeat(self):
        """Keep the job marked alive while work runs, even in steps that report no progress."""
        stop = threading.Event()

        def beat():
            try:
                while not stop.wait(HEARTBEAT_THREAD_EVERY.total_seconds()):
                    MediaAsset.objects.filter(pk=self.asset.pk).update(heartbeat_at=timezone.now())
            finally:
                connection.close()

        thread = threading.Thread(target=beat, daemon=True, name=f"heartbeat-{self.asset.pk}")
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)

    def report(self, fraction):
        now = timezone.now()
        if self._last_beat and now - self._last_beat < HEARTBEAT_EVERY and fraction < 1.0:
            return
        self._last_beat = now
        MediaAsset.objects.filter(pk=self.asset.pk).update(progress=round(fraction, 4), heartbeat_at=now)

    def plan(self, source):
        return pipeline.LadderPlan.make(ffmpeg.probe(source))

    def run(self, *, dispatch_chunks=None):
        """Publish the first rungs, then add the rest here, or hand the chunks of a long recording to
        `dispatch_chunks(count)` (Celery tasks) and return None: `join` finishes the job."""
        with publishing.workspace(self.asset) as work:
            result = pipeline.transcode(work.source, work.outdir, on_progress=self.report, on_playable=self.playable,
                                        dispatch_chunks=dispatch_chunks, publish=work.publish)
        if result is not None:
            self.finish(result)
        return result

    def chunk(self, index):
        """Encode one chunk; True when it was the last one missing (the caller then queues the join)."""
        with publishing.workspace(self.asset) as work:
            plan = self.plan(work.source)
            folder = pipeline.encode_chunk(work.source, work.outdir, plan, index)
            if work.remote:  # for whichever worker joins them
                publishing.chunk_store(self.asset, folder, index)
                done = publishing.chunks_stored(self.asset)
            else:
                done = pipeline.chunks_done(work.outdir, plan)
        share = pipeline.CHUNKS_END - pipeline.FIRST_PASS_SHARE
        self.report(pipeline.FIRST_PASS_SHARE + share * done / len(plan.chunks))
        if done < len(plan.chunks):
            return False
        # Exactly one of the chunk tasks wins the right to queue the join.
        return bool(MediaAsset.objects.filter(pk=self.asset.pk, join_queued=False).update(join_queued=True))

    def join(self):
        with publishing.workspace(self.asset) as work:
            plan = self.plan(work.source)
            result = pipeline.TranscodeResult(outdir=work.outdir, info=plan.info)
            result.variants = [_variant_of(self.asset, rung) or pipeline.measure_variant(work.outdir / rung.name, rung,
                                                                                         plan.info)
                               for rung in plan.first]
            if work.remote:
                publishing.chunks_fetch(self.asset, pipeline.staging_dirs(work.outdir)["chunks"])
            pipeline.add_rest(work.source, work.outdir, plan, result)
            work.publish()
        self.finish(result)
        publishing.work_forget(self.asset)  # after the finish: a join killed in between finds its chunks again
        return result

    def playable(self, result):
        """The lowest rungs are published: the lesson can be watched and published while the rest encode."""
        self.asset.variants = _variants(result)
        self.asset.save(update_fields=["variants"])

    def finish(self, result):
        asset, info = self.asset, result.info
        asset.state, asset.progress, asset.finished_at = MediaAsset.State.READY, 1.0, timezone.now()
        asset.duration, asset.width, asset.height = info.duration, info.width or None, info.height or None
        asset.has_video, asset.has_audio = info.has_video, info.has_audio
        asset.variants = _variants(result)
        asset.error_message = asset.error_detail = ""
        asset.save(update_fields=["state", "progress", "finished_at", "duration", "width", "height", "has_video",
                                  "has_audio", "variants", "error_message", "error_detail"])

    def fail(self, error: MediaError):
        asset = self.asset
        if media_storage.is_local():
            outdir = Path(settings.MEDIA_ROOT) / asset.output_name
            for folder in pipeline.staging_dirs(outdir).values():
                shutil.rmtree(folder, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):  # the store may be why it failed; media_orphans finds them later
                publishing.work_forget(asset)
        asset.state, asset.finished_at = MediaAsset.State.FAILED, timezone.now()
        # Stored as the English message id and translated when shown, in the reader's language.
        with translation.override(None):
            asset.error_message = str(error.user_message)
        asset.error_detail = error.detail[:2000]
        asset.save(update_fields=["state", "finished_at", "error_message", "error_detail"])


def _variants(result):
    return [
        {"name": v.name, "bandwidth": v.bandwidth, "average_bandwidth": v.average_bandwidth,
         "width": v.width, "height": v.height, "frame_rate": v.frame_rate, "codecs": v.codecs,
         "playlist": v.playlist}
        for v in result.variants
    ]


def _variant_of(asset, rung):
    """A published rung as the asset recorded it (the join may run where the ladder's files are not)."""
    for data in asset.variants or []:
        if data.get("name") == rung.name and data.get("codecs") and data.get("playlist"):
            return pipeline.Variant(**{key: data[key] for key in (
                "name", "playlist", "bandwidth", "average_bandwidth", "codecs", "width", "height", "frame_rate")})
    return None


def media_assets_stuck(now=None, silence=None):
    """Assets that a dead worker left in PROCESSING (no heartbeat for `silence`, stuck_after() by default),
    and queued ones whose message was lost (queued longer than that and never started)."""
    now = now or timezone.now()
    cutoff = now - (stuck_after() if silence is None else silence)
    return MediaAsset.objects.filter(
        Q(state=MediaAsset.State.PROCESSING, heartbeat_at__lte=cutoff)
        | Q(state=MediaAsset.State.QUEUED, heartbeat_at__lte=cutoff)
        | Q(state=MediaAsset.State.QUEUED, heartbeat_at__isnull=True, created_at__lte=cutoff)
    )


def media_asset_requeue(*, asset: MediaAsset, silence=None) -> bool:
    """Queue a stuck asset's transcode again (media_assets_stuck, with the same `silence`): the ladder is rebuilt
    from the start. After MAX_ATTEMPTS it fails for good instead. True when it was queued again."""
    from .tasks import transcode_task  # noqa: PLC0415  (media_pipeline.tasks imports this module)

    silence = stuck_after() if silence is None else silence
    if asset.attempts >= MAX_ATTEMPTS:
        TranscodeJob(asset).fail(TranscodeError(f"gave up after {asset.attempts} attempts"))
        return False
    # Hand it back as QUEUED (only if still stale): the worker that picks it up need not share
    # this process's idea of "stale" to claim it.
    cutoff = timezone.now() - silence
    handed_back = MediaAsset.objects.filter(pk=asset.pk).filter(
        Q(state=MediaAsset.State.QUEUED) | Q(state=MediaAsset.State.PROCESSING, heartbeat_at__lte=cutoff)
    ).update(state=MediaAsset.State.QUEUED)
    if handed_back:
        transcode_task.delay(asset.pk)
    return bool(handed_back)


PROBE_AT_UPLOAD_SECONDS = 10


def _probe_refusal(path) -> MediaError | None:
    """The MediaError ffprobe finds in a file on this machine, or None: readable, not here, no ffprobe on this
    machine, or ffprobe slower than PROBE_AT_UPLOAD_SECONDS (it runs inside a web request): the transcode decides."""
    try:
        ffmpeg.probe(path, timeout=PROBE_AT_UPLOAD_SECONDS)
    except MediaError as error:
        log.info("upload %s refused at once: %s", path, error)
        return error
    except Exception as error:  # noqa: BLE001 - anything else is the transcode's to find out
        log.info("upload %s not probed at once (%r): the transcode will", path, error)
        return None
    return None


def is_media_upload(upload: tus.UploadInfo) -> bool:
    return upload.metadata.get("kind") == "lesson_video" or upload.filetype.startswith(("video/", "audio/"))


def media_asset_create_from_upload(*, upload: tus.UploadInfo) -> MediaAsset | None:
    """A finished, checksum-verified video or audio upload becomes a media asset, queued for its transcode.

    Called when the upload's last byte arrives (tus.upload_completed), and again by whoever finds the upload
    without its asset (the process died between the two). Returns the new asset; None when there is nothing
    to make: not a video or audio file, its asset made already, or its owner gone.
    """
    if not is_media_upload(upload) or MediaAsset.objects.filter(upload_id=upload.id).exists():
        return None
    owner = get_user_model().objects.filter(pk=upload.owner_id).first()
    if owner is None:
        return None
    source = tus.upload_path(upload)
    # A file that cannot become a lesson (no picture and no sound, not a media file) is said at once, while the
    # teacher is still on the form, not after Save and a trip through the queue.
    refused = _probe_refusal(source)
    remote = not media_storage.is_local() and refused is None  # (a refused file is not copied anywhere)
    if remote:
        # The upload folder is this web machine's own: the original goes into the media storage, where any
        # worker finds it. StorageUnavailable (an OSError) when the store is down: the upload stays complete
        # here, and whoever asks for its asset later (the page polling, the resource's Save) tries again. Its
        # bytes here go only once the asset that names the copy is committed; a copy made before a failure is
        # found again.
        name = publishing.original_name(str(upload.id), upload.filename)
        if source.exists():
            publishing.original_store(source, str(upload.id), upload.filename)
        elif not media_storage.media_storage().exists(name):
            raise FileNotFoundError(f"upload {upload.id}: its file is neither here nor in the media storage")
        source = name
    with transaction.atomic():
        asset = media_asset_create(owner=owner, source_path=source, upload_id=upload.id, size_bytes=upload.length,
                                   title=upload.metadata.get("title") or upload.filename, refused=refused)
        if remote:
            transaction.on_commit(lambda: tus.upload_data_release(upload), robust=True)
        return asset
