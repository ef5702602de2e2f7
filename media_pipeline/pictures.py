"""Posters and storyboards (Pillow), from frames that media_pipeline.ffmpeg extracts."""
import logging
import math
import os
import shutil
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageStat

from . import ffmpeg

POSTER_WIDTHS = (320, 640)
STORYBOARD_THUMB_WIDTH = 160
STORYBOARD_MAX_THUMBS = 100
CANDIDATE_POINTS = (0.1, 0.25, 0.4, 0.55, 0.7, 0.85)
# Slides for sound-only viewing: a still when the picture changes (a new slide, a cut), at most one every
# SLIDE_MIN_GAP seconds, and at least one every SLIDE_MAX_GAP seconds (a blackboard filling up).
SLIDE_WIDTH = 640
SLIDE_SCENE = 0.3
SLIDE_MIN_GAP = 4
SLIDE_MAX_GAP = 60
SLIDE_MAX_COUNT = 200

log = logging.getLogger(__name__)


def frame_score(image):
    """How good a poster a frame makes: 0 for black or blank frames, higher for detail and light."""
    grey = image.convert("L")
    stat = ImageStat.Stat(grey)
    mean, spread = stat.mean[0], stat.stddev[0]
    if mean < 20 or spread < 6:  # black, or a flat colour (fade, blank slide)
        return 0.0
    return spread * min(1.0, mean / 80)


def make_poster(src, outdir, info):
    """poster-320.jpg and poster-640.jpg from the most representative non-black frame."""
    outdir = Path(outdir)
    if not info.has_video:
        return make_placeholder_poster(outdir)
    best, best_score = None, -1.0
    with tempfile.TemporaryDirectory() as scratch:
        for index, point in enumerate(CANDIDATE_POINTS):
            frame = Path(scratch) / f"frame{index}.png"
            try:
                ffmpeg.extract_frame(src, info.duration * point, frame, width=max(POSTER_WIDTHS))
            except Exception:  # noqa: BLE001 - a frame that cannot be read is simply not a candidate
                continue
            if not frame.exists():
                continue
            with Image.open(frame) as image:
                score = frame_score(image)
                if score > best_score:
                    best, best_score = image.convert("RGB"), score
        if best is None:
            return make_placeholder_poster(outdir)
        return _save_variants(best, outdir)


def make_placeholder_poster(outdir):
    """For audio-only lessons: a calm card with a speaker mark, in the same sizes as a real poster."""
    image = Image.new("RGB", (640, 360), (11, 110, 79))
    draw = ImageDraw.Draw(image)
    draw.polygon([(270, 150), (300, 150), (340, 115), (340, 245), (300, 210), (270, 210)], fill=(255, 255, 255))
    for radius in (30, 55):
        draw.arc((340 - radius, 180 - radius, 340 + radius, 180 + radius), -45, 45, fill=(255, 255, 255), width=8)
    return _save_variants(image, Path(outdir))


def _save_variants(image, outdir):
    paths = []
    for width in POSTER_WIDTHS:
        height = max(2, round(image.height * width / image.width))
        path = outdir / f"poster-{width}.jpg"
        image.resize((width, height), Image.LANCZOS).save(path, "JPEG", quality=80, optimize=True, progressive=True)
        paths.append(path)
    return paths


def make_storyboard(src, outdir, info):
    """storyboard.jpg (a grid of thumbnails) and storyboard.vtt (WebVTT cues with #xywh) for scrubbing."""
    if not info.has_video:
        return None
    outdir = Path(outdir)
    interval = max(2.0, math.ceil(info.duration / STORYBOARD_MAX_THUMBS))
    count = max(1, math.ceil(info.duration / interval))
    columns = min(10, count)
    rows = math.ceil(count / columns)
    width = STORYBOARD_THUMB_WIDTH
    height = max(2, round(width * info.height / info.width / 2) * 2)
    sprite = outdir / "storyboard.jpg"
    ffmpeg.storyboard_sprite(src, sprite, interval=interval, columns=columns, rows=rows,
                             thumb_width=width, thumb_height=height)
    lines = ["WEBVTT", ""]
    for index in range(count):
        start, end = index * interval, min(info.duration, (index + 1) * interval)
        x, y = (index % columns) * width, (index // columns) * height
        lines += [f"{_vtt_time(start)} --> {_vtt_time(end)}", f"storyboard.jpg#xywh={x},{y},{width},{height}", ""]
    (outdir / "storyboard.vtt").write_text("\n".join(lines), encoding="utf-8")
    return sprite


def make_slides(src, outdir, info, *, scratch):
    """slides/NNN.jpg and slides.vtt (a cue per still, from its moment to the next) for sound-only viewing,
    into the published `outdir`: built in `scratch` and moved in, so a player finds the old set, the new or none.

    Best effort: a lesson whose stills cannot be made still plays, sound only with its poster."""
    if not info.has_video:
        return None
    outdir, scratch = Path(outdir), Path(scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        scratch.mkdir(parents=True)
        times = ffmpeg.slide_stills(src, scratch / "%05d.jpg", width=SLIDE_WIDTH, scene=SLIDE_SCENE,
                                    min_gap=SLIDE_MIN_GAP, max_gap=SLIDE_MAX_GAP)
        files = sorted(scratch.glob("*.jpg"), key=lambda path: int(path.stem))
        if not files or len(files) != len(times):  # a time we could not read: no still may show at a wrong one
            raise ffmpeg.TranscodeError(f"{len(files)} stills for {len(times)} times")
        stills = list(zip(times, files))
        if len(stills) > SLIDE_MAX_COUNT:  # a restless camera: keep an even spread
            step = len(stills) / SLIDE_MAX_COUNT
            stills = [stills[int(i * step)] for i in range(SLIDE_MAX_COUNT)]
        lines = ["WEBVTT", ""]
        for index, (at, path) in enumerate(stills):
            start = 0.0 if index == 0 else max(0.0, at)  # the first still stands from the start
            end = stills[index + 1][0] if index + 1 < len(stills) else info.duration
            lines += [f"{_vtt_time(start)} --> {_vtt_time(max(start, end))}", f"slides/{path.name}", ""]
        for path in set(files) - {path for _t, path in stills}:
            path.unlink()
        (outdir / "slides.vtt.tmp").write_text("\n".join(lines), encoding="utf-8")
        shutil.rmtree(outdir / "slides", ignore_errors=True)
        scratch.rename(outdir / "slides")
        os.replace(outdir / "slides.vtt.tmp", outdir / "slides.vtt")
        return outdir / "slides.vtt"
    except Exception as err:  # noqa: BLE001 - stills are a help, never a reason to fail a lesson
        log.warning("no slides for %s: %s", src, err)
        shutil.rmtree(scratch, ignore_errors=True)
        (outdir / "slides.vtt.tmp").unlink(missing_ok=True)
        return None


def _vtt_time(seconds):
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
