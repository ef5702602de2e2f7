import ffmpeg
import pytest

from tests.shared import SAMPLES


def lavfi_clip(path, *, seconds=9, size="1280x720", rate=30, audio=True, video=True, black_seconds=0):
    """A short synthetic clip made with FFmpeg's lavfi sources (test pattern and a tone)."""
    inputs = []
    if video:
        picture = ffmpeg.input(f"testsrc2=size={size}:rate={rate}:duration={seconds}", f="lavfi")
        if black_seconds:
            picture = picture.filter("drawbox", x=0, y=0, w="iw", h="ih", color="black", t="fill",
                                     enable=f"lt(t,{black_seconds})")
        inputs.append(picture)
    if audio:
        inputs.append(ffmpeg.input(f"sine=frequency=440:sample_rate=44100:duration={seconds}", f="lavfi"))
    options = {"c:v": "libx264", "preset": "ultrafast", "pix_fmt": "yuv420p"} if video else {}
    if audio:
        options["c:a"] = "aac"
    ffmpeg.output(*inputs, str(path), **options).global_args("-loglevel", "error").overwrite_output().run()
    return path


@pytest.fixture
def samples():
    return SAMPLES
