"""The FFmpeg ladder on real sample files, broken files and lavfi clips, read back with ffprobe."""
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from media_pipeline import exceptions, ffmpeg
from media_pipeline.ladder import SEGMENT_SECONDS
from media_pipeline.pipeline import transcode
from media_pipeline.playlists import media_segments

from tests.shared import SAMPLES

from .conftest import lavfi_clip

pytestmark = pytest.mark.ffmpeg

PROJECT = Path(__file__).resolve().parents[2]
GOOD_SAMPLES = sorted(p.name for p in SAMPLES.glob("*.m*")) if SAMPLES.is_dir() else ["(no samples: skipped by its marker)"]


def master_variants(master):
    """[(attributes dict, playlist)] from a master playlist."""
    lines = master.read_text().splitlines()
    variants = []
    for index, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = dict(
                part.split("=", 1) for part in _split_attributes(line.split(":", 1)[1])
            )
            variants.append((attributes, lines[index + 1]))
    return variants


def _split_attributes(text):
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return parts + [current]


def keyframe_times(playlist):
    data = ffmpeg.probe_segments(playlist)
    video_index = next((s["index"] for s in data["streams"] if s["codec_type"] == "video"), None)
    times = [float(p["pts_time"]) for p in data["packets"]
             if p.get("stream_index") == video_index and "K" in p.get("flags", "")]
    # The HLS demuxer may start the clock at an offset; what matters is the time into the lesson.
    return [round(t - times[0], 2) for t in times] if times else []


def check_ladder(outdir, info):
    """What every successful ladder must satisfy, read back with ffprobe."""
    master = outdir / "master.m3u8"
    variants = master_variants(master)
    assert variants, master.read_text()
    bandwidths = [int(a["BANDWIDTH"]) for a, _ in variants]
    assert bandwidths == sorted(bandwidths), "lowest rung first"
    probed = ffmpeg.probe_segments(master)  # ffprobe reads the master and every variant
    assert probed["streams"]
    keyframes = {}
    for attributes, playlist in variants:
        for key in ("BANDWIDTH", "AVERAGE-BANDWIDTH", "CODECS"):
            assert key in attributes, (key, attributes)
        media = outdir / playlist
        segments = media_segments(media)
        assert segments and all(path.exists() for path, _ in segments)
        durations = [seconds for _, seconds in segments]
        assert all(d <= SEGMENT_SECONDS + 0.6 for d in durations), durations
        assert all(d >= SEGMENT_SECONDS - 0.6 for d in durations[:-1]), durations
        assert abs(sum(durations) - info.duration) < 1.0
        text = media.read_text()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and "#EXT-X-ENDLIST" in text
        if "avc1" in attributes["CODECS"]:
            assert "RESOLUTION" in attributes and "FRAME-RATE" in attributes
            width, height = map(int, attributes["RESOLUTION"].split("x"))
            assert (width < height) == (info.width < info.height), "picture upright, as the source displays"
            assert min(width, height) <= max(info.short_side, 240)
            times = keyframe_times(media)
            # every segment starts on a keyframe
            starts, t = [], 0.0
            for seconds in durations:
                starts.append(round(t, 1))
                t += seconds
            assert all(any(abs(k - s) < 0.15 for k in times) for s in starts), (starts, times)
            keyframes[playlist] = [k for k in times if any(abs(k - s) < 0.15 for s in starts)]
        else:
            assert "RESOLUTION" not in attributes
            assert attributes["CODECS"] == '"mp4a.40.2"'
            assert int(attributes["BANDWIDTH"]) <= 48_000, "audio-only ≤ 48 kbit/s"
    lowest = min((a for a, _ in variants if "RESOLUTION" in a), key=lambda a: int(a["BANDWIDTH"]), default=None)
    if lowest:
        assert int(lowest["BANDWIDTH"]) <= 200_000, "lowest video rung ≤ 200 kbit/s including audio"
        assert float(lowest["FRAME-RATE"]) <= 15.0
    # keyframes line up across rungs at the segment boundaries
    aligned = list(keyframes.values())
    assert all(len(k) == len(aligned[0]) for k in aligned)
    for column in zip(*aligned):
        assert max(column) - min(column) < 0.1, column
    assert (outdir / "poster-320.jpg").exists() and (outdir / "poster-640.jpg").exists()
    return variants


@pytest.mark.shared_data
@pytest.mark.parametrize("name", GOOD_SAMPLES)
def test_every_sample_becomes_a_valid_ladder(name, tmp_path):
    src = SAMPLES / name
    info = ffmpeg.probe(src)
    result = transcode(src, tmp_path / "out")
    check_ladder(result.outdir, info)
    assert not (tmp_path / "out.partial").exists()
    # nothing about where or on what it was filmed is served
    for playlist in result.outdir.glob("*/index.m3u8"):
        tags = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json",
                               str(playlist)], capture_output=True, text=True).stdout
        assert "location" not in tags.lower() and "iphone" not in tags.lower() and "apple" not in tags.lower()


@pytest.mark.shared_data
def test_portrait_phone_video_is_upright(tmp_path):
    info = ffmpeg.probe(SAMPLES / "phone_portrait_iphone6_with-gps.mov")
    assert info.rotation == -90 and (info.width, info.height) == (320, 568)
    variants = check_ladder(transcode(SAMPLES / "phone_portrait_iphone6_with-gps.mov", tmp_path / "o").outdir, info)
    assert ("RESOLUTION", "240x426") in [(k, v) for a, _ in variants for k, v in a.items() if k == "RESOLUTION"]


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "path, error",
    [
        (SAMPLES / "broken" / "mp4ff_init_truncated.mp4", exceptions.NoMediaStreamsError),
        (SAMPLES / "broken" / "opencast_nostreams.mp4", exceptions.NoMediaStreamsError),
    ],
)
def test_broken_samples_give_a_clear_error(path, error, tmp_path):
    with pytest.raises(error) as caught:
        transcode(path, tmp_path / "out")
    assert caught.value.user_message
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_a_text_file_named_mp4(tmp_path):
    fake = tmp_path / "lesson.mp4"
    fake.write_text("这不是视频 this is not a video\n" * 20)
    with pytest.raises(exceptions.UnsupportedMediaError):
        transcode(fake, tmp_path / "out")


@pytest.mark.shared_data
def test_zero_length_and_too_large(tmp_path, settings):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(exceptions.EmptyMediaError):
        transcode(empty, tmp_path / "out")
    settings.KEXIANG_MEDIA_MAX_BYTES = 1000
    with pytest.raises(exceptions.MediaTooLargeError):
        transcode(SAMPLES / "opencast_av_eth-lecture-slides.mov", tmp_path / "out")


def test_a_720p_clip_gets_every_rung_with_aligned_keyframes(tmp_path):
    src = lavfi_clip(tmp_path / "clip.mp4", seconds=13)
    info = ffmpeg.probe(src)
    progress = []
    result = transcode(src, tmp_path / "out", on_progress=progress.append)
    variants = check_ladder(result.outdir, info)
    names = [playlist.split("/")[0] for _, playlist in variants]
    assert names == ["audio", "240p", "360p", "720p"]
    assert progress and progress[-1] == 1.0 and progress == sorted(progress)
    vtt = (result.outdir / "storyboard.vtt").read_text()
    assert vtt.startswith("WEBVTT") and "storyboard.jpg#xywh=0,0,160,90" in vtt


def test_a_small_source_is_never_upscaled(tmp_path):
    src = lavfi_clip(tmp_path / "small.mp4", seconds=5, size="320x180")
    result = transcode(src, tmp_path / "out")
    variants = check_ladder(result.outdir, ffmpeg.probe(src))
    assert [a.get("RESOLUTION") for a, _ in variants if "RESOLUTION" in a] == ["320x180"]


def test_audio_only_recording_gets_an_audio_ladder_and_a_placeholder_poster(tmp_path):
    src = lavfi_clip(tmp_path / "talk.m4a", seconds=9, video=False)
    result = transcode(src, tmp_path / "out")
    variants = check_ladder(result.outdir, ffmpeg.probe(src))
    assert [playlist for _, playlist in variants] == ["audio/index.m3u8"]
    assert not (result.outdir / "storyboard.jpg").exists()


def test_video_without_sound_has_no_audio_rung(tmp_path):
    src = lavfi_clip(tmp_path / "silent.mp4", seconds=6, size="640x360", audio=False)
    variants = check_ladder(transcode(src, tmp_path / "out").outdir, ffmpeg.probe(src))
    assert all("mp4a" not in a["CODECS"] for a, _ in variants)


def test_the_poster_is_not_a_black_frame(tmp_path):
    from PIL import Image, ImageStat

    src = lavfi_clip(tmp_path / "fade.mp4", seconds=10, size="640x360", black_seconds=4)
    result = transcode(src, tmp_path / "out")
    with Image.open(result.outdir / "poster-640.jpg") as poster:
        assert poster.size == (640, 360)
        assert ImageStat.Stat(poster.convert("L")).mean[0] > 40


def test_a_job_killed_mid_transcode_publishes_nothing(tmp_path):
    src = lavfi_clip(tmp_path / "clip.mp4", seconds=8, size="640x360")

    def die(fraction):
        if fraction > 0.2:
            raise KeyboardInterrupt  # what a worker gets when it is shut down hard

    with pytest.raises(KeyboardInterrupt):
        transcode(src, tmp_path / "out", on_progress=die)
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()
    # the next attempt completes
    check_ladder(transcode(src, tmp_path / "out").outdir, ffmpeg.probe(src))


def run_command(*args):
    return subprocess.run([sys.executable, "manage.py", "transcode_file", *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.shared_data
def test_transcode_file_command(tmp_path):
    result = run_command(SAMPLES / "opencast_av_eth-lecture-slides.mov", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    for name in ("master.m3u8", "poster-320.jpg", "storyboard.jpg", "storyboard.vtt", "240p/index.m3u8"):
        assert (tmp_path / "out" / name).exists(), name
    assert "100%" in result.stderr


def test_transcode_file_command_on_bad_input_is_one_line(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("hello")
    result = run_command(fake, tmp_path / "out")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "notes.mp4" in lines[0]


def test_the_lowest_rung_is_published_before_the_rest(tmp_path):
    src = lavfi_clip(tmp_path / "clip.mp4", seconds=9)
    seen = {}

    def playable(result):
        master = (tmp_path / "out" / "master.m3u8").read_text()
        seen["names"] = [v.name for v in result.variants]
        seen["master_has_720p"] = "720p" in master
        seen["240p_exists"] = (tmp_path / "out" / "240p" / "index.m3u8").exists()

    result = transcode(src, tmp_path / "out", on_playable=playable)
    assert seen == {"names": ["audio", "240p"], "master_has_720p": False, "240p_exists": True}
    variants = check_ladder(result.outdir, ffmpeg.probe(src))
    assert [p.split("/")[0] for _, p in variants] == ["audio", "240p", "360p", "720p"]
    assert not (tmp_path / "out.partial2").exists()


def video_frame_count(playlist):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", str(playlist)], capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[0])


@pytest.mark.slow
def test_a_long_recording_is_encoded_in_chunks_that_join_without_a_seam(tmp_path, settings):
    from media_pipeline.pipeline import LadderPlan

    settings.KEXIANG_CHUNK_SECONDS = 8
    src = lavfi_clip(tmp_path / "long.mp4", seconds=30, size="1280x720", rate=30)
    info = ffmpeg.probe(src)
    plan = LadderPlan.make(info)
    assert [start for start, _ in plan.chunks] == [0, 8, 16, 24]
    assert abs(sum(length for _, length in plan.chunks) - info.duration) < 0.01
    result = transcode(src, tmp_path / "out")
    variants = check_ladder(result.outdir, info)
    assert [p.split("/")[0] for _, p in variants] == ["audio", "240p", "360p", "720p"]
    # every frame once: a seam would drop or repeat frames at the chunk boundaries
    assert video_frame_count(result.outdir / "720p" / "index.m3u8") == 30 * 30
    assert video_frame_count(result.outdir / "360p" / "index.m3u8") == 30 * 25
    # the sound is one piece: its duration matches the picture's
    audio = ffmpeg.media_duration(result.outdir / "720p" / "index.m3u8")
    assert abs(audio - 30) < 0.2
    assert not (tmp_path / "out.chunks").exists()


def test_a_file_cut_off_partway_is_an_error_not_a_shorter_lesson(tmp_path):
    whole = lavfi_clip(tmp_path / "whole.mp4", seconds=20, size="640x360")
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(whole), "-c", "copy", "-movflags", "+faststart",
                    str(tmp_path / "front.mp4")], check=True)
    data = (tmp_path / "front.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the index says 20 s, the data stops halfway
    with pytest.raises(exceptions.TranscodeError):
        transcode(cut, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("size", ["8000x32", "16x16"])
def test_absurd_picture_sizes_are_refused(tmp_path, size):
    src = lavfi_clip(tmp_path / "odd.mp4", seconds=2, size=size, audio=False)
    with pytest.raises(exceptions.UnsupportedMediaError):
        transcode(src, tmp_path / "out")


@pytest.mark.shared_data
def test_transcode_file_command_with_a_bad_outdir_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_command(SAMPLES / "opencast_scene-change_eth-lecture-slides.mov", blocker / "out")
    assert result.returncode == 1
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1, result.stderr


@pytest.mark.slow
def test_chunks_of_a_phone_frame_rate_join_without_drift(tmp_path, settings):
    """72000/2401 fps is what the iPhone sample reports: chunks must still add up frame for frame."""
    settings.KEXIANG_CHUNK_SECONDS = 8
    src = lavfi_clip(tmp_path / "phone.mp4", seconds=30, size="1280x720", rate="72000/2401")
    info = ffmpeg.probe(src)
    assert info.frame_rate == "72000/2401"
    result = transcode(src, tmp_path / "out")
    check_ladder(result.outdir, info)
    expected = round(30 * 72000 / 2401)
    assert abs(video_frame_count(result.outdir / "720p" / "index.m3u8") - expected) <= 1
    assert abs(ffmpeg.media_duration(result.outdir / "720p" / "index.m3u8") - 30) < 0.15


@pytest.mark.shared_data
def test_a_lecture_gets_a_slide_at_each_change_of_picture_for_sound_only_viewing(tmp_path):
    # the ETH lecture clip shows one slide, then another from 12 s
    result = transcode(SAMPLES / "opencast_scene-change_eth-lecture-slides.mov", tmp_path / "out")
    vtt = (result.outdir / "slides.vtt").read_text()
    assert vtt.splitlines()[:6] == ["WEBVTT", "", "00:00:00.000 --> 00:00:12.000", "slides/00001.jpg", "",
                                   "00:00:12.000 --> 00:00:20.000"]
    assert sorted(p.name for p in (result.outdir / "slides").iterdir()) == ["00001.jpg", "00002.jpg"]
    with Image.open(result.outdir / "slides" / "00002.jpg") as still:
        assert still.size == (320, 240)  # never enlarged beyond the source


def test_a_recording_without_cuts_still_gets_a_slide_a_minute_and_sound_gets_none(tmp_path, settings):
    src = lavfi_clip(tmp_path / "board.mp4", seconds=130, size="320x180", rate=5, black_seconds=6)
    result = transcode(src, tmp_path / "out", early_publish=False)
    starts = [line.split(" --> ")[0] for line in (result.outdir / "slides.vtt").read_text().splitlines()
              if " --> " in line]
    # black, then the picture at 6 s, then one at least every 60 s
    assert starts == ["00:00:00.000", "00:00:06.000", "00:01:06.000", "00:02:06.000"]
    talk = transcode(lavfi_clip(tmp_path / "talk.m4a", seconds=5, video=False), tmp_path / "talk")
    assert not (talk.outdir / "slides.vtt").exists() and not (talk.outdir / "slides").exists()


def test_stills_that_cannot_be_made_leave_the_lesson_playable_and_nothing_behind(tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ffmpeg.TranscodeError("slides: select failed")

    monkeypatch.setattr(ffmpeg, "slide_stills", broken)
    src = lavfi_clip(tmp_path / "clip.mp4", seconds=5, size="320x180")
    result = transcode(src, tmp_path / "out")
    assert (result.outdir / "master.m3u8").exists() and (result.outdir / "storyboard.vtt").exists()
    assert not (result.outdir / "slides.vtt").exists() and not (result.outdir / "slides").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "out"]  # no scratch folder left
