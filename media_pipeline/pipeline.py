"""The whole pipeline for one source file, without the database: probe, ladder, master playlist, pictures.

Output is built in a sibling `.partial` folder and renamed into place only when complete, so a
worker killed mid-transcode never leaves a half ladder where viewers could find it.
"""
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from . import ffmpeg, pictures
from .ladder import SEGMENT_SECONDS, rungs_for
from .playlists import MASTER_PLAYLIST, MEDIA_PLAYLIST, media_segments, write_master

log = logging.getLogger(__name__)


@dataclass
class Variant:
    name: str
    playlist: str  # relative to the output folder
    bandwidth: int  # peak segment bitrate, bit/s
    average_bandwidth: int
    codecs: list
    width: int = 0
    height: int = 0
    frame_rate: float = 0.0


@dataclass
class TranscodeResult:
    outdir: Path
    info: ffmpeg.MediaInfo
    variants: list = field(default_factory=list)

    @property
    def master(self):
        return self.outdir / MASTER_PLAYLIST


def measure_variant(folder, rung, info):
    segments = media_segments(folder / MEDIA_PLAYLIST)
    if not segments:
        raise ffmpeg.TranscodeError(f"{folder}: no segments written")
    encoded = sum(seconds for _p, seconds in segments)
    if encoded < info.duration * 0.9 - 1:
        # FFmpeg stopped early without an error: the file is cut off partway (a broken copy).
        raise ffmpeg.TranscodeError(f"{folder.name}: {encoded:.1f} s encoded of {info.duration:.1f} s")
    sizes = [path.stat().st_size for path, _s in segments]
    rates = [size * 8 / max(seconds, 0.5) for size, (_p, seconds) in zip(sizes, segments)]
    codecs, width, height = ffmpeg.codecs_of(folder / MEDIA_PLAYLIST)
    return Variant(
        name=rung.name,
        playlist=f"{rung.name}/{MEDIA_PLAYLIST}",
        bandwidth=int(max(rates)),
        average_bandwidth=int(sum(sizes) * 8 / encoded),
        codecs=codecs,
        width=width,
        height=height,
        frame_rate=round(float(ffmpeg.rung_fps(info, rung)), 3) if rung.lines else 0.0,
    )


@dataclass
class LadderPlan:
    """What to encode for one source: the first (published early) rungs, the rest, and its chunks."""

    info: ffmpeg.MediaInfo
    first: list
    rest: list
    chunks: list  # [(start, length)] of the rest's video; empty when the recording is short

    @classmethod
    def make(cls, info, early_publish=True):
        rungs = rungs_for(short_side=info.short_side, has_video=info.has_video, has_audio=info.has_audio)
        video = [r for r in rungs if r.lines]
        first = [r for r in rungs if r.lines is None] + video[:1]
        rest = video[1:] if early_publish else []
        if not rest:
            first = rungs
        return cls(info=info, first=first, rest=rest, chunks=chunk_plan(info) if rest else [])


def chunk_length():
    """Seconds of video per parallel chunk (KEXIANG_CHUNK_SECONDS), on the segment grid."""
    seconds = int(getattr(settings, "KEXIANG_CHUNK_SECONDS", 300))
    return max(SEGMENT_SECONDS, seconds - seconds % SEGMENT_SECONDS)


def chunk_plan(info):
    """[(start, length)] for recordings longer than two chunks; [] means encode in one piece."""
    length = chunk_length()
    if not info.has_video or info.duration <= 2 * length:
        return []
    plan, start = [], 0
    while start < info.duration:
        plan.append((start, min(length, info.duration - start)))
        start += length
    if plan[-1][1] < SEGMENT_SECONDS and len(plan) > 1:  # fold a sliver into the chunk before it
        last = plan.pop()
        plan[-1] = (plan[-1][0], plan[-1][1] + last[1])
    return plan


def staging_dirs(outdir):
    outdir = Path(outdir)
    return {name: outdir.with_name(f"{outdir.name}.{name}") for name in ("partial", "partial2", "chunks", "slides")}


def publish_first(src, outdir, plan, on_progress=None, progress_end=0.9):
    """Encode the first rungs (one decode), posters and storyboard; publish them with a master playlist."""
    src, outdir = Path(src), Path(outdir)
    staging = staging_dirs(outdir)
    for leftover in (staging["partial"], staging["partial2"]):
        shutil.rmtree(leftover, ignore_errors=True)  # what a killed worker left behind
    partial = staging["partial"]
    try:
        partial.mkdir(parents=True)
        _encode(src, partial, plan.info, plan.first, on_progress, 0.0, progress_end)
        result = TranscodeResult(outdir=outdir, info=plan.info)
        result.variants = [measure_variant(partial / rung.name, rung, plan.info) for rung in plan.first]
        write_master(partial, result.variants)
        pictures.make_poster(src, partial, plan.info)
        pictures.make_storyboard(src, partial, plan.info)
        if outdir.exists():
            shutil.rmtree(outdir)
        partial.rename(outdir)
        return result
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def encode_chunk(src, outdir, plan, index, on_progress=None):
    """Encode chunk `index` of the higher rungs. Safe to run twice: a finished chunk is kept."""
    folder = staging_dirs(outdir)["chunks"] / f"chunk_{index:04d}"
    if (folder / "done").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start, length = plan.chunks[index]
    last = index == len(plan.chunks) - 1
    ffmpeg.run_with_progress(ffmpeg.chunk_video_command(src, folder, plan.info, plan.rest, start, length, last),
                             length, on_progress)
    (folder / "done").write_text("ok")
    return folder


def chunks_done(outdir, plan):
    folder = staging_dirs(outdir)["chunks"]
    return sum((folder / f"chunk_{i:04d}" / "done").exists() for i in range(len(plan.chunks)))


def add_rest(src, outdir, plan, result, on_progress=None, progress_start=0.3):
    """Encode (or join the chunks of) the higher rungs and add them to the published ladder."""
    src, outdir = Path(src), Path(outdir)
    staging = staging_dirs(outdir)
    more = staging["partial2"]
    shutil.rmtree(more, ignore_errors=True)
    try:
        more.mkdir(parents=True)
        if plan.chunks:
            _join_chunks(src, outdir, more, plan)
        else:
            _encode(src, more, plan.info, plan.rest, on_progress, progress_start, 0.95)
        added = [measure_variant(more / rung.name, rung, plan.info) for rung in plan.rest]
        for rung in plan.rest:
            if (outdir / rung.name).exists():
                shutil.rmtree(outdir / rung.name)
            (more / rung.name).rename(outdir / rung.name)
        result.variants = [v for v in result.variants if v.name not in {r.name for r in plan.rest}] + added
        temporary = write_master(more, result.variants)
        os.replace(temporary, outdir / MASTER_PLAYLIST)  # viewers see the old or the new master, never half
        shutil.rmtree(more)
        shutil.rmtree(staging["chunks"], ignore_errors=True)
        return result
    except BaseException:
        shutil.rmtree(more, ignore_errors=True)
        raise


def _join_chunks(src, outdir, more, plan):
    """Chunks joined without re-encoding; the sound encoded once for the whole recording, so no seam."""
    chunks = staging_dirs(outdir)["chunks"]
    audio = {}
    if plan.info.has_audio:
        for kbits in sorted({rung.audio_k for rung in plan.rest}):
            audio[kbits] = more / f"audio-{kbits}k.m4a"
            ffmpeg.run_with_progress(ffmpeg.audio_command(src, audio[kbits], kbits), plan.info.duration)
    for rung in plan.rest:
        listing = more / f"{rung.name}.concat"
        listing.write_text("".join(
            f"file '{chunks / f'chunk_{i:04d}' / f'{rung.name}.mp4'}'\n" for i in range(len(plan.chunks))
        ))
        ffmpeg.run_with_progress(ffmpeg.join_command(listing, audio.get(rung.audio_k), more / rung.name),
                                 plan.info.duration)
        listing.unlink()
    for path in audio.values():
        path.unlink()


# Shares of the progress bar: the first (small) rungs, then the higher rungs or their chunks.
FIRST_PASS_SHARE = 0.3
CHUNKS_END = 0.9


def transcode(src, outdir, *, on_progress=None, on_playable=None, info=None, early_publish=True,
              dispatch_chunks=None, publish=None):
    """Turn `src` into OUTDIR/master.m3u8 + renditions + posters + storyboard + slides. Raises MediaError.

    With `early_publish`, the audio and lowest rungs are encoded and published first (one decode),
    `on_playable(result)` is called, and the higher rungs follow in a second decode and are added
    to the master playlist: a lesson can go out as soon as the cheapest rung is there. Long
    recordings encode the higher rungs in chunks: one after another here, or handed to
    `dispatch_chunks(count)` (Celery tasks in parallel, see media_pipeline.tasks), in which case
    this returns None and the last chunk's task joins them (add_rest).

    `publish()`, when given, is called each time OUTDIR changed in a way viewers may see (the first rungs, the
    slides, the higher rungs): a ladder built in a scratch folder is copied to where it is served from then
    (media_pipeline.publishing), the master playlist last.
    """
    publish = publish or (lambda: None)
    src, outdir = Path(src), Path(outdir)
    plan = LadderPlan.make(info or ffmpeg.probe(src), early_publish=early_publish)
    split_at = FIRST_PASS_SHARE if plan.rest else CHUNKS_END
    result = publish_first(src, outdir, plan, on_progress, split_at)
    publish()
    if plan.rest and on_playable:
        on_playable(result)
    # a decode of its own: after the lesson is out, not before
    pictures.make_slides(src, outdir, plan.info, scratch=staging_dirs(outdir)["slides"])
    publish()
    if plan.rest:
        if plan.chunks and dispatch_chunks:
            dispatch_chunks(len(plan.chunks))
            return None
        for index, (_start, _length) in enumerate(plan.chunks):
            encode_chunk(src, outdir, plan, index)
            if on_progress:
                on_progress(split_at + (CHUNKS_END - split_at) * (index + 1) / len(plan.chunks))
        add_rest(src, outdir, plan, result, on_progress, split_at)
        publish()
    if on_progress:
        on_progress(1.0)
    return result


def _encode(src, folder, info, rungs, on_progress, start, end):
    report = (lambda fraction: on_progress(start + (end - start) * fraction)) if on_progress else None
    ffmpeg.run_with_progress(ffmpeg.ladder_command(src, folder, info, rungs), info.duration, report)
