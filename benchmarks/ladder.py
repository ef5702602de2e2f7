"""Ladder benchmark: Kexiang's one-decode ladder against one FFmpeg process per rendition.

The baseline is what MediaCMS and PeerTube do: decode the source once per rendition. Both run in
this same process on the same clip, several times; the script prints medians and ratios.

    .venv/bin/python benchmarks/ladder.py [--seconds 120] [--runs 3] [SRC]

With no SRC it makes a 720p lavfi clip (slides-like: a mostly static test pattern, a tone).
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

import ffmpeg as ffmpeg_python  # noqa: E402

from media_pipeline import ffmpeg  # noqa: E402
from media_pipeline.ladder import rungs_for  # noqa: E402
from media_pipeline.pipeline import measure_variant, transcode  # noqa: E402


def make_clip(path, seconds):
    picture = ffmpeg_python.input(f"testsrc2=size=1280x720:rate=30:duration={seconds}", f="lavfi")
    picture = picture.filter("select", "lt(mod(t,10),0.04)").filter("fps", 30)  # a new "slide" every 10 s
    tone = ffmpeg_python.input(f"sine=frequency=300:sample_rate=44100:duration={seconds}", f="lavfi")
    (ffmpeg_python.output(picture, tone, str(path), **{"c:v": "libx264", "preset": "ultrafast", "c:a": "aac",
                                                        "pix_fmt": "yuv420p"})
     .global_args("-loglevel", "error").overwrite_output().run())
    return path


def per_rung_baseline(src, outdir, info, rungs):
    """One FFmpeg process (one decode) per rendition, as the peers do."""
    for rung in rungs:
        ffmpeg.run_with_progress(ffmpeg.ladder_command(src, outdir, info, [rung]), info.duration)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("src", nargs="?")
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        src = Path(args.src) if args.src else make_clip(scratch / "clip.mp4", args.seconds)
        info = ffmpeg.probe(src)
        rungs = rungs_for(short_side=info.short_side, has_video=info.has_video, has_audio=info.has_audio)
        print(f"source {src.name}: {info.width}x{info.height} {info.duration:.0f} s; rungs {[r.name for r in rungs]}")
        times = {"baseline: one decode per rung": [], "kexiang: one decode, all rungs": [],
                 "kexiang: lowest first, then the rest (2 decodes)": []}
        first_ready = []
        for run in range(args.runs):
            out = scratch / f"out{run}"
            times["baseline: one decode per rung"].append(timed(lambda: per_rung_baseline(src, out / "b", info, rungs)))
            times["kexiang: one decode, all rungs"].append(
                timed(lambda: transcode(src, out / "k1", info=info, early_publish=False)))
            start = time.perf_counter()
            marks = []
            times["kexiang: lowest first, then the rest (2 decodes)"].append(
                timed(lambda: transcode(src, out / "k2", info=info,
                                        on_playable=lambda r: marks.append(time.perf_counter() - start))))
            first_ready += marks
            if run == 0:
                for rung in rungs:
                    v = measure_variant(out / "k1" / rung.name, rung, info)
                    print(f"  {rung.name:>5}: avg {v.average_bandwidth / 1000:.0f} kbit/s, "
                          f"peak {v.bandwidth / 1000:.0f} kbit/s, {v.width}x{v.height}")
            shutil.rmtree(out)
        baseline = statistics.median(times["baseline: one decode per rung"])
        print(f"wall time, median of {args.runs} runs (ratio to the baseline):")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"  {name:<50} {median:7.2f} s  x{median / baseline:.2f}")
        if first_ready:
            median = statistics.median(first_ready)
            print(f"  {'kexiang: lowest rung playable after':<50} {median:7.2f} s  x{median / baseline:.2f}")
        print("baseline lowest rung for comparison: ~350 kbit/s video + 128 kbit/s stereo audio (MediaCMS/PeerTube)")


if __name__ == "__main__":
    main()
