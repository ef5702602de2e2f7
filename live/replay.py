"""The replay of a live lesson: nginx's recording of what arrived (one file per connection, so a phone that
dropped and came back left two) handed to the ordinary VOD pipeline once the broadcast is over, which makes
every rung, the posters, the storyboard and the slide stills (PeerTube's live hands off the same way).

The recordings are on the disk of the machine running nginx-rtmp (KEXIANG_LIVE_ROOT/recordings); the worker
that takes live_replay_task must see that folder (the same machine, or a shared mount). It copies them into the
media storage as the replay's original, so the transcode runs on any worker and nginx's folder may be cleaned.
"""
import logging
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction

from media_pipeline import ffmpeg as media_ffmpeg
from media_pipeline import publishing
from media_pipeline.services import media_asset_create
from research.models import GroupMembership

from .models import LiveLesson

log = logging.getLogger(__name__)

# A connection that sent nothing but the FLV header and metadata (a phone that gave up at once) leaves a file of
# a few hundred bytes, which FFmpeg cannot join: not a recording.
RECORDING_MIN_BYTES = 4096
RECORDING_CLOCK_SLACK = 30  # seconds: nginx names a recording when it opens it, the app notes the start a moment later


def recordings(live) -> list[Path]:
    """nginx's recordings of the lesson's stream (`lesson-<id>-<unix time>.flv`), oldest first, from the lesson's
    start on (a try before it is left out), empty ones left out."""
    folder = Path(settings.KEXIANG_LIVE_ROOT) / "recordings"
    since = live.started_at.timestamp() - RECORDING_CLOCK_SLACK if live.started_at else 0
    found = [path for path in folder.glob(f"lesson-{live.pk}-*.flv")
             if path.stem.rsplit("-", 1)[-1].isdigit() and int(path.stem.rsplit("-", 1)[-1]) >= since
             and path.stat().st_size > RECORDING_MIN_BYTES]
    return sorted(found, key=lambda path: int(path.stem.rsplit("-", 1)[-1]))


def _original_store(live, parts) -> str:
    """The recordings as one original in the media storage (joined without re-encoding in a scratch folder of the
    worker's own: nginx owns the recordings folder). Returns its name there."""
    key = f"live-{live.pk}-replay"
    if len(parts) == 1:
        return publishing.original_store(parts[0], key, parts[0].name)
    with tempfile.TemporaryDirectory(prefix="kexiang-replay-") as scratch:
        listing = Path(scratch) / "recordings.txt"
        listing.write_text("".join(f"file '{path}'\n" for path in parts))
        joined = Path(scratch) / f"lesson-{live.pk}-replay.mkv"
        media_ffmpeg.concat_command(listing, joined).run(cmd="ffmpeg", capture_stdout=True, capture_stderr=True)
        return publishing.original_store(joined, key, joined.name)


def _owner(live):
    if live.presenter_id or live.created_by_id:
        return live.presenter or live.created_by
    leader = GroupMembership.objects.filter(group=live.group, role=GroupMembership.Role.LEADER).first()
    return leader.user if leader else None


def live_replay_make(*, live_id):
    """Queue the replay of an ended lesson (its recordings joined into one file, then the VOD pipeline).
    Safe to run twice: a lesson that has its replay keeps it."""
    live = LiveLesson.objects.filter(pk=live_id, state=LiveLesson.State.ENDED, replay__isnull=True).first()
    if live is None:
        return None
    parts = recordings(live)
    owner = _owner(live)
    if not parts or owner is None:
        live.problem = LiveLesson.Problem.NO_RECORDING
        live.save(update_fields=["problem"])
        log.warning("live: lesson %s ended with no recording (%s) or no owner", live.pk, parts)
        return None
    try:
        source = _original_store(live, parts)
    except (OSError, subprocess.SubprocessError, media_ffmpeg.ffmpeg.Error) as exc:
        log.exception("live: keeping the recordings of lesson %s as its replay failed", live.pk)
        live.problem, live.problem_detail = LiveLesson.Problem.REPLAY_FAILED, str(getattr(exc, "stderr", "") or exc)[-1000:]
        live.save(update_fields=["problem", "problem_detail"])
        return None
    with transaction.atomic():
        asset = media_asset_create(owner=owner, source_path=source, title=f"{live.title}（直播回放）")
        live.replay = asset
        live.save(update_fields=["replay"])
    log.info("live: lesson %s's replay is asset %s (%d recording(s))", live.pk, asset.pk, len(parts))
    return asset
