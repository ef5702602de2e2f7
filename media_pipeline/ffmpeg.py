"""Every FFmpeg and ffprobe call of Kexiang, built with ffmpeg-python so they read, log and test in one place."""
import json
import logging
import re
import subprocess
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import ffmpeg
from django.conf import settings

from .exceptions import (
    EmptyMediaError,
    MediaTooLargeError,
    MediaTooLongError,
    NoMediaStreamsError,
    TranscodeError,
    TranscodeInterrupted,
    UnsupportedMediaError,
)
from .ladder import SEGMENT_SECONDS
from .playlists import MEDIA_PLAYLIST

log = logging.getLogger(__name__)

MAX_BYTES = 4 * 1024**3
MAX_SECONDS = 4 * 3600


@dataclass(frozen=True)
class MediaInfo:
    duration: float
    size: int
    has_video: bool
    has_audio: bool
    width: int = 0  # as displayed, after rotation
    height: int = 0
    rotation: int = 0
    fps: float = 0.0
    frame_rate: str = ""  # exact, as a fraction
    video_codec: str = ""
    audio_codec: str = ""

    @property
    def short_side(self):
        return min(self.width, self.height)


def _rotation(stream):
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(float(side["rotation"]))
    tag = (stream.get("tags") or {}).get("rotate")
    return int(tag) if tag and tag.lstrip("-").isdigit() else 0


def _frame_rate(stream):
    """The exact frame rate as a fraction ("72000/2401"): rounding it would drift over a long lesson."""
    for key in ("avg_frame_rate", "r_frame_rate"):
        try:
            value = Fraction(stream.get(key) or "0/1").limit_denominator(100_000)
        except (ValueError, ZeroDivisionError):
            continue
        if 0 < value < 240:
            return value
    return Fraction(25)


def _ffprobe(path, timeout=None) -> dict:
    """ffprobe's JSON of a file; with `timeout` (seconds), subprocess.TimeoutExpired past it."""
    if timeout is None:
        return ffmpeg.probe(str(path), cmd="ffprobe", v="error")
    done = subprocess.run(["ffprobe", "-show_format", "-show_streams", "-of", "json", "-v", "error", str(path)],
                          capture_output=True, timeout=timeout, check=False)
    if done.returncode:
        raise ffmpeg.Error("ffprobe", done.stdout, done.stderr)
    return json.loads(done.stdout)


def probe(path, *, timeout=None) -> MediaInfo:
    """Read a file's streams with ffprobe and check it can become a lesson. Raises MediaError."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise EmptyMediaError(f"{path}: 0 bytes")
    max_bytes = getattr(settings, "KEXIANG_MEDIA_MAX_BYTES", MAX_BYTES)
    if size > max_bytes:
        raise MediaTooLargeError(f"{path}: {size} bytes > {max_bytes}")
    try:
        data = _ffprobe(path, timeout)
    except ffmpeg.Error as exc:
        lines = exc.stderr.decode(errors="replace").strip().splitlines() or ["ffprobe failed"]
        raise UnsupportedMediaError(f"ffprobe: {lines[-1]}") from exc
    streams = data.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        raise NoMediaStreamsError(f"{path}: no audio or video stream")
    duration = float((data.get("format") or {}).get("duration") or 0)
    if duration <= 0:
        duration = max(float(s.get("duration") or 0) for s in (video or {}, audio or {}))
    if duration <= 0:
        raise NoMediaStreamsError(f"{path}: zero duration")
    if duration > getattr(settings, "KEXIANG_MEDIA_MAX_SECONDS", MAX_SECONDS):
        raise MediaTooLongError(f"{path}: {duration:.0f} s")
    return MediaInfo(duration=duration, size=size, **_streams_info(path, video, audio))


def _streams_info(name, video, audio):
    """What MediaInfo says of the streams (ffprobe's dicts, or None): picture size as displayed, rate, codecs."""
    info = dict(has_video=video is not None, has_audio=audio is not None)
    if audio:
        info["audio_codec"] = audio.get("codec_name", "")
    if video:
        width, height = int(video.get("width") or 0), int(video.get("height") or 0)
        if not width or not height:
            raise NoMediaStreamsError(f"{name}: video stream without a size")
        if min(width, height) < 32 or max(width, height) > 8192 or max(width, height) > 6 * min(width, height):
            raise UnsupportedMediaError(f"{name}: picture size {width}x{height} is not a lesson video")
        rotation = _rotation(video)
        if abs(rotation) % 180 == 90:
            width, height = height, width
        rate = _frame_rate(video)
        info.update(width=width, height=height, rotation=rotation, fps=float(rate), frame_rate=str(rate),
                    video_codec=video.get("codec_name", ""))
    return info


LIVE_VIDEO_CODECS = {"h264", "hevc", "flv1", "vp6f", "vp6a"}  # what RTMP brings and FFmpeg decodes here
LIVE_AUDIO_CODECS = {"aac", "mp3", "speex", "nellymoser", "pcm_alaw", "pcm_mulaw", "adpcm_swf"}


def probe_live(url, *, seconds=2) -> MediaInfo:
    """The streams of a live stream (an RTMP URL), read in its first `seconds`. Raises MediaError: no stream,
    no picture and no sound, a codec FFmpeg cannot decode, a picture that is no lesson."""
    try:
        data = ffmpeg.probe(url, cmd="ffprobe", v="error", rw_timeout=str(int(seconds * 1.5 * 1e6)),
                            analyzeduration=str(int(seconds * 1e6)), probesize="2000000")
    except ffmpeg.Error as exc:
        lines = exc.stderr.decode(errors="replace").strip().splitlines() or ["ffprobe failed"]
        raise UnsupportedMediaError(f"ffprobe: {lines[-1]}") from exc
    streams = data.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video" and s.get("width")), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        raise NoMediaStreamsError(f"{url}: no audio or video stream")
    if video is not None and video.get("codec_name") not in LIVE_VIDEO_CODECS:
        raise UnsupportedMediaError(f"video codec {video.get('codec_name') or 'unknown'}")
    if audio is not None and audio.get("codec_name") not in LIVE_AUDIO_CODECS:
        audio = None  # the picture still goes out, with silence
    return MediaInfo(duration=0.0, size=0, **_streams_info(url, video, audio))


def _even(value):
    return max(2, int(round(value / 2.0)) * 2)


def rung_size(info, rung):
    """Width and height for a rung: the short side at rung.lines (never above the source), aspect kept."""
    lines = min(rung.lines, info.short_side)
    if info.width >= info.height:
        return _even(info.width * lines / info.height), _even(lines)
    return _even(lines), _even(info.height * lines / info.width)


def rung_fps(info, rung):
    """The rung's exact frame rate (a Fraction): the source's, capped at the rung's maximum."""
    source = Fraction(info.frame_rate) if info.frame_rate else Fraction(info.fps).limit_denominator(100_000)
    return min(source, Fraction(rung.max_fps).limit_denominator(1000)) if rung.max_fps else source


def ladder_command(src, outdir, info, rungs):
    """One FFmpeg process, one decode: the picture is split once per video rung.

    Keyframes are forced every SEGMENT_SECONDS in every rung, so segments line up across rungs.
    Metadata and chapters are dropped (no location or device data in what is served).
    """
    source = ffmpeg.input(str(src))
    video_rungs = [r for r in rungs if r.lines]
    split = source.video.filter_multi_output("split", len(video_rungs)) if len(video_rungs) > 1 else None
    outputs = []
    for index, rung in enumerate(video_rungs):
        stream = split.stream(index) if split is not None else source.video
        stream, video_options = _video_rung(stream, info, rung)
        streams = [stream]
        if info.has_audio:
            streams.append(source.audio)
            video_options.update(_audio_options(rung.audio_k))
        outputs.append(_hls_output(streams, outdir / rung.name, **video_options))
    for rung in (r for r in rungs if r.lines is None):
        outputs.append(_hls_output([source.audio], outdir / rung.name, **_audio_options(rung.audio_k)))
    return ffmpeg.merge_outputs(*outputs).global_args(*_QUIET_WITH_PROGRESS).overwrite_output()


LOW_FPS = 10  # below this a rung has no B-frames (see _video_rung)


def _video_rung(stream, info, rung, segment=SEGMENT_SECONDS, live=False):
    """Scale and pace one rung's picture; the x264 options that cap it and force aligned keyframes."""
    width, height = rung_size(info, rung)
    fps = rung_fps(info, rung)
    stream = stream.filter("fps", fps=f"{fps.numerator}/{fps.denominator}").filter("scale", width, height) \
        .filter("format", "yuv420p")
    gop = max(1, int(round(fps * segment)))
    return stream, {
        "c:v": "libx264", "preset": "veryfast", "profile:v": rung.profile, "crf": rung.crf,
        "maxrate": f"{rung.maxrate_k}k", "bufsize": f"{rung.bufsize_k}k", "g": gop, "keyint_min": gop,
        "sc_threshold": 0, "force_key_frames": f"expr:gte(t,n_forced*{segment})",
        "x264-params": "open-gop=0",
        # live: no lookahead or B-frames, so a frame leaves the encoder as it comes in
        **({"tune": "zerolatency"} if live else {}),
        # B-frames delay the first picture by two frames, and the muxer shifts the whole rung (sound too) by
        # that much: 0.08 s at 25 fps, but a whole second at a slide recording's 2 fps, which players then add
        # to the length (a 10.4 s lesson said to be 0:12). Slow pictures gain little from them anyway.
        **({"bf": 0} if fps < LOW_FPS else {}),
    }


def live_ladder_command(url, outdir, info, rungs, *, segment):
    """A live lesson's ladder from its RTMP stream, as it arrives: one decode, each rung an EVENT playlist of
    `segment`-second fMP4 segments that keeps every segment (viewers can go back to the start while it is
    live) and stamps wall-clock time (EXT-X-PROGRAM-DATE-TIME, for measuring the delay). A stream that comes
    back after a drop appends to the same playlists. Without sound the video rungs carry silence."""
    source = ffmpeg.input(url, rw_timeout=str(20_000_000), analyzeduration=str(2_000_000))
    silence = None if info.has_audio else ffmpeg.input("anullsrc=channel_layout=mono:sample_rate=44100", f="lavfi")
    video_rungs = [r for r in rungs if r.lines] if info.has_video else []
    split = source.video.filter_multi_output("split", len(video_rungs)) if len(video_rungs) > 1 else None
    live = {"hls_time": segment, "hls_playlist_type": "event",
            "hls_flags": "independent_segments+append_list+program_date_time+temp_file"}
    outputs = []
    for index, rung in enumerate(video_rungs):
        stream = split.stream(index) if split is not None else source.video
        stream, options = _video_rung(stream, info, rung, segment, live=True)
        options.update(_audio_options(rung.audio_k), **live)
        if silence is not None:
            options["shortest"] = None
        outputs.append(_hls_output([stream, (silence or source).audio], Path(outdir) / rung.name, **options))
    if info.has_audio:
        for rung in (r for r in rungs if r.lines is None):
            outputs.append(_hls_output([source.audio], Path(outdir) / rung.name, **_audio_options(rung.audio_k), **live))
    return ffmpeg.merge_outputs(*outputs).global_args("-hide_banner", "-nostats", "-loglevel", "error")


def _audio_options(kbits):
    return {"c:a": "aac", "b:a": f"{kbits}k", "ac": 1, "ar": 44100}


def chunk_video_command(src, chunk_dir, info, rungs, start, length, last=False):
    """The pictures of [start, start+length) for each rung, one decode, as video-only MP4 files.

    Input seeking with a re-encode is frame-accurate, and chunks start on the 4-second grid, so
    the forced keyframes of every chunk fall where a whole-file encode would put them.
    """
    # Each rung gets exactly the frames that fall in the chunk on its own frame grid, so the joined
    # chunks hold round(duration * fps) frames, as a whole-file encode would: no drift at any rate.
    source = ffmpeg.input(str(src), ss=start) if last else ffmpeg.input(str(src), ss=start, t=length + 1)
    split = source.video.filter_multi_output("split", len(rungs)) if len(rungs) > 1 else None
    outputs = []
    for index, rung in enumerate(rungs):
        stream = split.stream(index) if split is not None else source.video
        stream, options = _video_rung(stream, info, rung)
        if not last:
            fps = rung_fps(info, rung)
            options["frames:v"] = round((start + length) * fps) - round(start * fps)
        outputs.append(ffmpeg.output(stream, str(Path(chunk_dir) / f"{rung.name}.mp4"), an=None, map_metadata=-1,
                                     **options))
    return ffmpeg.merge_outputs(*outputs).global_args(*_QUIET_WITH_PROGRESS).overwrite_output()


def audio_command(src, dest, kbits):
    """The whole recording's sound, encoded once (no seams), mono AAC."""
    return (
        ffmpeg.input(str(src)).audio.output(str(dest), map_metadata=-1, **_audio_options(kbits))
        .global_args(*_QUIET_WITH_PROGRESS).overwrite_output()
    )


def join_command(chunk_list, audio_file, folder):
    """Chunks joined back without re-encoding (concat demuxer), muxed with the sound, cut into HLS."""
    streams = [ffmpeg.input(str(chunk_list), f="concat", safe=0).video]
    if audio_file:
        streams.append(ffmpeg.input(str(audio_file)).audio)
    return (
        _hls_output(streams, Path(folder), c="copy")
        .global_args(*_QUIET_WITH_PROGRESS).overwrite_output()
    )


_QUIET_WITH_PROGRESS = ("-hide_banner", "-nostats", "-loglevel", "error", "-progress", "pipe:1")


def _hls_output(streams, folder, **options):
    folder.mkdir(parents=True, exist_ok=True)
    options = {"hls_time": SEGMENT_SECONDS, "hls_playlist_type": "vod", "hls_flags": "independent_segments",
               **options}
    return ffmpeg.output(
        *streams,
        str(folder / MEDIA_PLAYLIST),
        format="hls",
        # fMP4 (CMAF) segments: MPEG-TS framing costs 15-50 % extra on a 32-48 kbit/s mono AAC track,
        # which is the whole point of the low rungs. hls.js and Safari (iOS 10+) play fMP4.
        hls_segment_type="fmp4",
        hls_fmp4_init_filename="init.mp4",
        hls_segment_filename=str(folder / "seg_%05d.m4s"),
        map_metadata=-1,
        map_chapters=-1,
        **{"metadata": "comment=", "fflags": "+bitexact"},
        **options,
    )


def concat_command(listing, dest):
    """Files named in `listing` (the concat demuxer's list, next to them) joined without re-encoding."""
    return (ffmpeg.input(str(listing), f="concat", safe=0).output(str(dest), c="copy", map_metadata=-1)
            .global_args("-hide_banner", "-loglevel", "error").overwrite_output())


def slideshow_command(listing, dest, *, seconds, size, tone_hz=220):
    """A video from still pictures (the concat demuxer's `listing` with a duration per picture) and a soft
    voice-like tone for `seconds`: H.264 + AAC in MP4, as a phone would record it. Used for the demo lessons."""
    width, height = size
    pictures = (ffmpeg.input(str(listing), f="concat", safe=0).video
                .filter("scale", width, height).filter("fps", 25).filter("format", "yuv420p"))
    voice = ffmpeg.input(f"aevalsrc=0.08*sin(2*PI*{tone_hz}*t)*(0.6+0.4*sin(2*PI*0.7*t)):s=44100:d={seconds}",
                         f="lavfi")
    return (ffmpeg.output(pictures, voice, str(dest), vcodec="libx264", preset="veryfast", tune="stillimage", g=50,
                          acodec="aac", audio_bitrate="64k", t=seconds, movflags="+faststart")
            .global_args("-hide_banner", "-loglevel", "error").overwrite_output())


def run_with_progress(command, duration, on_progress=None):
    """Run an ffmpeg-python command; call on_progress(fraction) as FFmpeg reports its position."""
    log.info("ffmpeg %s", " ".join(command.get_args()))
    process = command.run_async(cmd="ffmpeg", pipe_stdout=True, pipe_stderr=True)
    # stderr is quiet at -loglevel error, but read it in a thread so a chatty failure cannot block FFmpeg.
    errors = []
    reader = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
    reader.start()
    for raw in process.stdout:
        key, _sep, value = raw.decode(errors="replace").strip().partition("=")
        if key == "out_time_us" and on_progress and value.isdigit() and duration:
            on_progress(min(1.0, int(value) / 1e6 / duration))
    code = process.wait()
    reader.join(timeout=5)
    if code < 0 or code == 255:
        raise TranscodeInterrupted(f"ffmpeg stopped by signal or interrupt (exit {code})")
    if code != 0:
        lines = (errors[0] if errors else b"").decode(errors="replace").strip().splitlines() or ["no message"]
        raise TranscodeError(f"ffmpeg exited {code}: {lines[-1][:300]}")


def extract_frame(src, at_seconds, dest, width=640):
    """One picture at `at_seconds`, rotated upright, `width` pixels wide."""
    (
        ffmpeg.input(str(src), ss=max(0.0, at_seconds))
        .filter("scale", width, -2)
        .output(str(dest), vframes=1, map_metadata=-1)
        .global_args("-hide_banner", "-loglevel", "error")
        .overwrite_output()
        .run(cmd="ffmpeg", capture_stdout=True, capture_stderr=True)
    )
    return Path(dest)


def storyboard_sprite(src, dest, *, interval, columns, rows, thumb_width, thumb_height):
    """A grid of thumbnails, one every `interval` seconds, in one image."""
    (
        ffmpeg.input(str(src))
        .filter("fps", fps=f"1/{interval}")
        .filter("scale", thumb_width, thumb_height)
        .filter("tile", f"{columns}x{rows}")
        .output(str(dest), vframes=1, map_metadata=-1, **{"q:v": 5})
        .global_args("-hide_banner", "-loglevel", "error")
        .overwrite_output()
        .run(cmd="ffmpeg", capture_stdout=True, capture_stderr=True)
    )
    return Path(dest)


_PTS_TIME = re.compile(r"pts_time:\s*(-?[0-9.]+)")


def slide_stills(src, pattern, *, width, scene, min_gap, max_gap):
    """Stills where the picture changes (a new slide, a cut: scene score above `scene`, at least `min_gap`
    seconds after the last still) and at least every `max_gap` seconds, written to `pattern` (001.jpg, ...).
    Returns each still's time in the source, in order."""
    expression = (f"isnan(prev_selected_t)+gt(scene,{scene})*gte(t-prev_selected_t,{min_gap})"
                  f"+gte(t-prev_selected_t,{max_gap})")
    command = (
        ffmpeg.input(str(src))
        .filter("select", expression)
        .filter("showinfo")  # logs each selected frame's pts_time
        .filter("scale", f"min({width},iw)", -2)
        .output(str(pattern), fps_mode="vfr", map_metadata=-1, **{"q:v": 4})
        .global_args("-hide_banner", "-nostats")
        .overwrite_output()
    )
    try:
        _out, errors = command.run(cmd="ffmpeg", capture_stdout=True, capture_stderr=True)
    except ffmpeg.Error as err:
        raise TranscodeError(f"slides: {(err.stderr or b'').decode(errors='replace')[-300:]}") from err
    return [float(value) for value in _PTS_TIME.findall(errors.decode(errors="replace"))]


def probe_segments(playlist):
    """ffprobe's view of an HLS media playlist: the packets' keyframe times and the streams."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_entries", "packet=pts_time,flags,stream_index,codec_type",
         "-of", "json", str(playlist)],
        capture_output=True, check=True, timeout=300,
    )
    return json.loads(result.stdout)


def codecs_of(playlist):
    """RFC 6381 codec strings of a media playlist's streams: avc1.PPCCLL and mp4a.40.2."""
    data = ffmpeg.probe(str(playlist), cmd="ffprobe", v="error")
    codecs, width, height = [], 0, 0
    for stream in data.get("streams", []):
        if stream.get("codec_name") == "h264":
            profile = {"Baseline": "42E0", "Constrained Baseline": "42E0", "Main": "4D40", "High": "6400"}.get(
                stream.get("profile"), "4D40"
            )
            codecs.append(f"avc1.{profile}{int(stream.get('level') or 30):02X}")
            width, height = int(stream["width"]), int(stream["height"])
        elif stream.get("codec_name") == "aac":
            codecs.append("mp4a.40.2")
    return codecs, width, height


def media_duration(path):
    return float(ffmpeg.probe(str(path), cmd="ffprobe").get("format", {}).get("duration") or 0)


__all__ = ["MediaInfo", "probe", "probe_live", "ladder_command", "live_ladder_command", "run_with_progress", "extract_frame", "storyboard_sprite", "slide_stills",
           "probe_segments", "codecs_of", "media_duration", "rung_size", "rung_fps"]
