"""Writes for media assets: creating them and running their transcode as a job that is safe to run twice."""
import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from . import pipeline
from .exceptions import MediaError
from .models import MediaAsset

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = datetime.timedelta(seconds=5)


def stuck_after():
    """No heartbeat for this long means the worker died (KEXIANG_TRANSCODE_STUCK_AFTER, seconds)."""
    return datetime.timedelta(seconds=getattr(settings, "KEXIANG_TRANSCODE_STUCK_AFTER", 600))


def media_asset_create(*, owner, source_path, title="", upload_id=None) -> MediaAsset:
    """Record an uploaded file and queue its transcode once the transaction commits."""
    from .tasks import transcode_task

    asset = MediaAsset(owner=owner, source_path=str(source_path), title=title, upload_id=upload_id)
    asset.full_clean()
    asset.save()
    transaction.on_commit(lambda: transcode_task.delay(asset.pk))
    return asset


class TranscodeJob:
    """One attempt at an asset's ladder: start, report progress, finish or fail. Idempotent."""

    def __init__(self, asset: MediaAsset):
        self.asset = asset
        self._last_beat = None

    def should_run(self, now=None):
        """False when the work is done, failed for good, or alive in another worker."""
        asset, now = self.asset, now or timezone.now()
        if asset.state in (MediaAsset.State.READY, MediaAsset.State.FAILED):
            return False
        if asset.state == MediaAsset.State.PROCESSING and asset.heartbeat_at and now - asset.heartbeat_at < stuck_after():
            return False
        return True

    def start(self):
        now = timezone.now()
        asset = self.asset
        asset.state, asset.progress, asset.started_at, asset.heartbeat_at = MediaAsset.State.PROCESSING, 0.0, now, now
        asset.attempts += 1
        asset.save(update_fields=["state", "progress", "started_at", "heartbeat_at", "attempts"])

    def report(self, fraction):
        now = timezone.now()
        if self._last_beat and now - self._last_beat < HEARTBEAT_EVERY and fraction < 1.0:
            return
        self._last_beat = now
        MediaAsset.objects.filter(pk=self.asset.pk).update(progress=round(fraction, 4), heartbeat_at=now)

    def run(self):
        outdir = Path(settings.MEDIA_ROOT) / self.asset.output_name
        result = pipeline.transcode(self.asset.source_path, outdir, on_progress=self.report, on_playable=self.playable)
        self.finish(result)
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
        asset.state, asset.finished_at = MediaAsset.State.FAILED, timezone.now()
        # Stored as the English message id and translated when shown, in the reader's language.
        with translation.override(None):
            asset.error_message = str(error.user_message)
        asset.error_detail = error.detail[:2000]
        asset.save(update_fields=["state", "finished_at", "error_message", "error_detail"])


def _variants(result):
    return [
        {"name": v.name, "bandwidth": v.bandwidth, "average_bandwidth": v.average_bandwidth,
         "width": v.width, "height": v.height, "frame_rate": v.frame_rate}
        for v in result.variants
    ]


def media_assets_stuck(now=None):
    """Assets that a dead worker left in PROCESSING: no heartbeat for stuck_after()."""
    now = now or timezone.now()
    return MediaAsset.objects.filter(state=MediaAsset.State.PROCESSING, heartbeat_at__lt=now - stuck_after())
