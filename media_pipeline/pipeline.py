"""The whole pipeline for one source file, without the database: probe, ladder, master playlist, pictures.

Output is built in a sibling `.partial` folder and renamed into place only when complete, so a
worker killed mid-transcode never leaves a half ladder where viewers could find it.
"""
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import ffmpeg, pictures
from .ladder import rungs_for

log = logging.getLogger(__name__)

_EXTINF = re.compile(r"#EXTINF:([0-9.]+),")


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
        return self.outdir / "master.m3u8"


def media_segments(playlist):
    """[(segment path, duration)] of an HLS media playlist."""
    playlist = Path(playlist)
    segments, duration = [], None
    for line in playlist.read_text().splitlines():
        match = _EXTINF.match(line)
        if match:
            duration = float(match.group(1))
        elif line and not line.startswith("#") and duration is not None:
            segments.append((playlist.parent / line, duration))
            duration = None
    return segments


def measure_variant(folder, rung, info):
    segments = media_segments(folder / "index.m3u8")
    if not segments:
        raise ffmpeg.TranscodeError(f"{folder}: no segments written")
    rates = [path.stat().st_size * 8 / max(seconds, 0.5) for path, seconds in segments]
    total_bytes = sum(path.stat().st_size for path, _s in segments)
    total_seconds = sum(seconds for _p, seconds in segments)
    codecs, width, height = ffmpeg.codecs_of(folder / "index.m3u8")
    return Variant(
        name=rung.name,
        playlist=f"{rung.name}/index.m3u8",
        bandwidth=int(max(rates)),
        average_bandwidth=int(total_bytes * 8 / total_seconds),
        codecs=codecs,
        width=width,
        height=height,
        frame_rate=round(ffmpeg.rung_fps(info, rung), 3) if rung.lines else 0.0,
    )


def write_master(outdir, variants):
    """The master playlist, lowest bandwidth first so that players start on the cheapest rung."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in sorted(variants, key=lambda v: v.bandwidth):
        attributes = [
            f"BANDWIDTH={variant.bandwidth}",
            f"AVERAGE-BANDWIDTH={variant.average_bandwidth}",
            f'CODECS="{",".join(variant.codecs)}"',
        ]
        if variant.width:
            attributes += [f"RESOLUTION={variant.width}x{variant.height}", f"FRAME-RATE={variant.frame_rate:.3f}"]
        lines += [f"#EXT-X-STREAM-INF:{','.join(attributes)}", variant.playlist]
    path = Path(outdir) / "master.m3u8"
    path.write_text("\n".join(lines) + "\n")
    return path


def transcode(src, outdir, *, on_progress=None, on_playable=None, info=None, early_publish=True):
    """Turn `src` into OUTDIR/master.m3u8 + renditions + posters + storyboard. Raises MediaError.

    With `early_publish`, the audio and lowest rungs are encoded and published first (one decode),
    `on_playable(result)` is called, and the higher rungs follow in a second decode and are added
    to the master playlist: a lesson can go out as soon as the cheapest rung is there.
    """
    src, outdir = Path(src), Path(outdir)
    info = info or ffmpeg.probe(src)
    rungs = rungs_for(short_side=info.short_side, has_video=info.has_video, has_audio=info.has_audio)
    video = [r for r in rungs if r.lines]
    first = [r for r in rungs if r.lines is None] + video[:1]
    rest = video[1:] if early_publish else []
    if not rest:
        first = rungs
    # Progress: the first pass is the small rungs, so it gets the smaller share.
    split_at = 0.3 if rest else 0.9
    result = TranscodeResult(outdir=outdir, info=info)

    partial = outdir.with_name(outdir.name + ".partial")
    more = outdir.with_name(outdir.name + ".partial2")
    for leftover in (partial, more):
        shutil.rmtree(leftover, ignore_errors=True)  # what a killed worker left behind
    try:
        partial.mkdir(parents=True)
        _encode(src, partial, info, first, on_progress, 0.0, split_at)
        result.variants = [measure_variant(partial / rung.name, rung, info) for rung in first]
        write_master(partial, result.variants)
        pictures.make_poster(src, partial, info)
        pictures.make_storyboard(src, partial, info)
        if outdir.exists():
            shutil.rmtree(outdir)
        partial.rename(outdir)
        if rest:
            if on_playable:
                on_playable(result)
            more.mkdir(parents=True)
            _encode(src, more, info, rest, on_progress, split_at, 0.95)
            added = [measure_variant(more / rung.name, rung, info) for rung in rest]
            for rung in rest:
                (more / rung.name).rename(outdir / rung.name)
            result.variants += added
            temporary = write_master(more, result.variants)
            os.replace(temporary, outdir / "master.m3u8")  # viewers see the old or the new master, never half
            more.rmdir()
        if on_progress:
            on_progress(1.0)
        return result
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(more, ignore_errors=True)
        raise


def _encode(src, folder, info, rungs, on_progress, start, end):
    report = (lambda fraction: on_progress(start + (end - start) * fraction)) if on_progress else None
    ffmpeg.run_with_progress(ffmpeg.ladder_command(src, folder, info, rungs), info.duration, report)
