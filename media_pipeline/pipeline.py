"""The whole pipeline for one source file, without the database: probe, ladder, master playlist, pictures.

Output is built in a sibling `.partial` folder and renamed into place only when complete, so a
worker killed mid-transcode never leaves a half ladder where viewers could find it.
"""
import logging
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


def transcode(src, outdir, *, on_progress=None, info=None):
    """Turn `src` into OUTDIR/master.m3u8 + renditions + posters + storyboard. Raises MediaError."""
    src, outdir = Path(src), Path(outdir)
    info = info or ffmpeg.probe(src)
    rungs = rungs_for(short_side=info.short_side, has_video=info.has_video, has_audio=info.has_audio)
    partial = outdir.with_name(outdir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)  # what a killed worker left behind
    partial.mkdir(parents=True)
    try:
        report = (lambda fraction: on_progress(0.9 * fraction)) if on_progress else None
        ffmpeg.run_with_progress(ffmpeg.ladder_command(src, partial, info, rungs), info.duration, report)
        result = TranscodeResult(outdir=outdir, info=info)
        result.variants = [measure_variant(partial / rung.name, rung, info) for rung in rungs]
        write_master(partial, result.variants)
        pictures.make_poster(src, partial, info)
        pictures.make_storyboard(src, partial, info)
        if on_progress:
            on_progress(1.0)
        if outdir.exists():
            shutil.rmtree(outdir)
        partial.rename(outdir)
        return result
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
