#!/usr/bin/env python3
"""Storage benchmark: the same lecture transcoded and published to this machine's disk and to S3 object storage.

    .venv/bin/python benchmarks/storage.py [--runs 3] [--seconds 120] [--keep] [SRC]

With no SRC it makes a 120 s "lecture" once with FFmpeg (lavfi): 1280x720, 25 fps, a slides-like picture (a
test pattern frozen into a new "slide" every 15 s) and speech-like audio (pink noise, band-passed to the voice
range, pulsed at syllable rate), H.264/AAC in MP4 as a phone records it. It starts the throw-away S3 server
(`scripts/services/s3.sh start`, reused if it already runs), then in each run transcodes that file twice with
`manage.py transcode_file --to-storage SRC NAME --json`, as a worker publishes a ladder:
  - local: MEDIA_ROOT on this disk (KEXIANG_MEDIA_STORAGE unset), the ladder built in place;
  - s3: KEXIANG_MEDIA_STORAGE=s3 with the server's settings, built in a scratch folder and uploaded.
The order alternates (odd runs local first, even runs s3 first); each command has a KEXIANG_VAR_DIR of its own
and a NAME of its own (hls/NAME/). The wall clock of each command (Python and Django start-up included) is
measured here; the command reports its own seconds and when the first rung was playable (published).
Prints each run, the medians and the ratio s3/local, and exits 1 when the median ratio misses the target
(s3 at most x1.15 the wall time of local). The S3 server is on loopback with a filesystem back end on this same
disk: the ratio is the cost of the object-storage path (scratch folder, upload, boto3), not of a network.
Afterwards it counts and deletes the objects it wrote (--keep leaves them) and removes its temporary folders.
About 5 minutes with --runs 3 on 2 cores.
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
S3_SCRIPT = ROOT / "scripts" / "services" / "s3.sh"
SETTINGS = "config.settings.dev"  # manage.py's default, what transcode_file normally runs with
TARGET_RATIO = 1.15
SLIDE_SECONDS = 15
KINDS = ("local", "s3")
# Anything in the caller's environment that would move the media, the scratch folder or the storage elsewhere.
OVERRIDES = ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "KEXIANG_SCRATCH_DIR", "KEXIANG_UPLOAD_DIR", "STATIC_ROOT",
             "KEXIANG_MEDIA_STORAGE", "KEXIANG_PRIVATE_BUCKET_NAME", "KEXIANG_MEDIA_CDN_URL", "DATABASE_URL",
             "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "ELASTICSEARCH_URL", "DEBUG")


def fail(message):
    print(f"storage.py: {message}", file=sys.stderr)
    sys.exit(2)


def load():
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}/{fifteen:.2f}"


def make_lecture(path, seconds):
    """A phone-like recording of a slides lecture: static pictures changing every SLIDE_SECONDS, a voice-like
    sound, H.264 High + AAC in MP4 with the index at the front."""
    picture = (f"testsrc2=size=1280x720:rate=25:duration={seconds},"
               f"select='lt(mod(t\\,{SLIDE_SECONDS})\\,0.04)',fps=25,format=yuv420p")
    voice = (f"anoisesrc=color=pink:amplitude=0.5:sample_rate=48000:duration={seconds},"
             "highpass=f=150,lowpass=f=3400,tremolo=f=4:d=0.9,aformat=channel_layouts=stereo")
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", picture,
               "-f", "lavfi", "-i", voice, "-map", "0:v", "-map", "1:a",
               "-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast", "-crf", "20", "-g", "50",
               "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-t", str(seconds), str(path)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        fail(f"ffmpeg could not make the lecture:\n{done.stderr[-2000:]}")
    return path


def describe(path):
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                           "format=duration,bit_rate:stream=codec_type,codec_name,width,height,avg_frame_rate,"
                           "sample_rate,channels", "-of", "json", str(path)], capture_output=True, text=True)
    if done.returncode:
        fail(f"ffprobe could not read {path}:\n{done.stderr[-2000:]}")
    info = json.loads(done.stdout)
    parts = []
    for stream in info.get("streams", []):
        if stream.get("codec_type") == "video":
            num, _, den = stream.get("avg_frame_rate", "0/1").partition("/")
            fps = float(num) / float(den or 1) if float(den or 1) else 0
            parts.append(f"{stream['codec_name']} {stream.get('width')}x{stream.get('height')} {fps:g} fps")
        elif stream.get("codec_type") == "audio":
            parts.append(f"{stream['codec_name']} {stream.get('sample_rate')} Hz {stream.get('channels')} ch")
    fmt = info.get("format", {})
    return (f"{float(fmt.get('duration', 0)):.1f} s, {', '.join(parts)}, "
            f"{int(fmt.get('bit_rate', 0)) / 1000:.0f} kbit/s, {path.stat().st_size / 1e6:.1f} MB")


# ---------------------------------------------------------------------------------------------------
# The S3 server
# ---------------------------------------------------------------------------------------------------

def s3_dir():
    return Path(os.environ.get("S3_DIR") or f"/tmp/kexiang-s3-{os.environ.get('S3_PORT', '59300')}")


def s3_pid():
    """The pid in s3.sh's pid file if that process is alive (s3.sh checks more; this is only to tell whether
    this script started the server and should stop it)."""
    try:
        pid = int((s3_dir() / "s3proxy.pid").read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def start_s3():
    """Starts (or reuses) the server; returns (its settings as env lines, whether this script started it)."""
    before = s3_pid()
    print("starting S3 (scripts/services/s3.sh start) ...", flush=True)
    try:
        done = subprocess.run(["bash", str(S3_SCRIPT), "start"], cwd=ROOT, capture_output=True, text=True,
                              timeout=600)
    except subprocess.TimeoutExpired:
        fail("scripts/services/s3.sh start did not finish within 600 s")
    if done.returncode:
        fail(f"scripts/services/s3.sh start failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    env = {}
    for line in done.stdout.splitlines():
        match = re.fullmatch(r"([A-Z_][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            env[match.group(1)] = match.group(2)
    if not env.get("AWS_S3_ENDPOINT_URL"):
        fail(f"scripts/services/s3.sh start printed no AWS_S3_ENDPOINT_URL:\n{done.stdout[-2000:]}")
    after = s3_pid()
    return env, after is not None and after != before


def stop_s3():
    subprocess.run(["bash", str(S3_SCRIPT), "stop"], cwd=ROOT, capture_output=True, text=True, timeout=120)


# ---------------------------------------------------------------------------------------------------
# One transcode
# ---------------------------------------------------------------------------------------------------

def transcode(kind, src, name, var, base_env, s3_env):
    """`manage.py transcode_file --to-storage SRC NAME --json` in its own var dir; returns its JSON and the
    wall seconds of the whole command."""
    env = {**base_env, "KEXIANG_VAR_DIR": str(var)}
    if kind == "s3":
        env.update(s3_env)
        env["KEXIANG_MEDIA_STORAGE"] = "s3"
    command = [str(PYTHON), "manage.py", "transcode_file", "--to-storage", str(src), name, "--json"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    started = time.perf_counter()
    try:
        stdout, stderr = process.communicate()
    except BaseException:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        raise
    wall = time.perf_counter() - started
    if process.returncode:
        fail(f"{kind}: transcode_file exited {process.returncode}:\n{stdout[-2000:]}{stderr[-3000:]}")
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        fail(f"{kind}: transcode_file printed no JSON:\n{stdout[-2000:]}{stderr[-2000:]}")
    result = json.loads(lines[-1])
    if result.get("storage") != kind:
        fail(f"{kind}: transcode_file published to {result.get('storage')!r}, not {kind!r}: {result}")
    return result, wall


def bucket_objects(names, base_env, s3_env, scratch, delete):
    """({name: (objects, bytes)} under hls/NAME/ in the bucket, a problem seen or ""), counted (and deleted
    unless --keep) by the project's own storage helpers. When delete_prefix (one DeleteObjects request) is
    refused, the objects are deleted one at a time and the refusal is reported."""
    code = (
        "import json\n"
        "from core import media_storage\n"
        "storage = media_storage.media_storage()\n"
        f"names = {names!r}\n"
        "found, problem = {}, ''\n"
        "for name in names:\n"
        "    objects = list(media_storage.walk(storage, f'hls/{name}'))\n"
        "    found[name] = [len(objects), sum(size for _n, size, _m in objects)]\n"
        f"    if {delete!r}:\n"
        "        try:\n"
        "            media_storage.delete_prefix(storage, f'hls/{name}')\n"
        "        except media_storage.StorageUnavailable as error:\n"
        "            problem = f'media_storage.delete_prefix failed ({error}); deleted one object at a time'\n"
        "            for key, _size, _modified in objects:\n"
        "                media_storage.delete_file(storage, key)\n"
        "print(json.dumps([found, problem]))\n"
    )
    env = {**base_env, **s3_env, "KEXIANG_MEDIA_STORAGE": "s3", "KEXIANG_VAR_DIR": str(scratch / "cleanup-var")}
    done = subprocess.run([str(PYTHON), "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        return {}, f"could not count/delete the objects in the bucket: {lines[-1] if lines else done.returncode}"
    found, problem = json.loads(done.stdout.strip().splitlines()[-1])
    return found, problem


def mb(value):
    return f"{value / 1e6:.1f} MB"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("src", nargs="?", help="a recording to use instead of the generated lecture")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=120, help="length of the generated lecture")
    parser.add_argument("--keep", action="store_true", help="leave the hls/NAME/ objects in the bucket")
    args = parser.parse_args()
    if not PYTHON.exists():
        fail("run `make install` first (.venv is missing)")
    for tool in ("ffmpeg", "ffprobe"):
        if not shutil.which(tool):
            fail(f"{tool} is missing")

    base_env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "LOG_LEVEL": "WARNING"}
    for name in OVERRIDES:
        base_env.pop(name, None)
    for name in list(base_env):
        if name.startswith("AWS_"):
            base_env.pop(name)

    scratch = Path(tempfile.mkdtemp(prefix="kexiang-storage-"))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = {kind: [] for kind in KINDS}
    s3_names = []
    started_s3 = False
    s3_env = {}
    try:
        if args.src:
            src = Path(args.src).resolve()
            if not src.is_file():
                fail(f"{src}: no such file")
            origin = f"{src} (given)"
        else:
            print(f"making the {args.seconds} s lecture with ffmpeg ...", flush=True)
            src = make_lecture(scratch / "lecture.mp4", args.seconds)
            origin = (f"generated: lavfi testsrc2 frozen into a new slide every {SLIDE_SECONDS} s, pink noise "
                      "150-3400 Hz pulsed at 4 Hz, libx264 High veryfast CRF 20 GOP 50 + AAC 128k, MP4")
        print(f"source: {origin}\n  {src.name}: {describe(src)}")
        s3_env, started_s3 = start_s3()
        print(f"S3: {s3_env['AWS_S3_ENDPOINT_URL']} bucket {s3_env.get('AWS_STORAGE_BUCKET_NAME')} "
              f"({'started' if started_s3 else 'already running, reused'}; S3Proxy, filesystem back end in "
              f"{s3_dir()})")
        print(f"settings {SETTINGS}; {os.cpu_count()} cores; load average (1/5/15 min) {load()} "
              f"(a shared machine: other work may run at the same time); {args.runs} runs", flush=True)

        for run in range(1, args.runs + 1):
            order = KINDS if run % 2 else tuple(reversed(KINDS))
            row = {}
            for kind in order:
                name = f"bench-storage-{stamp}-{os.getpid()}-{run}-{kind}"
                var = scratch / f"run{run}-{kind}" / "var"
                load_before = os.getloadavg()[0]
                result, wall = transcode(kind, src, name, var, base_env, s3_env)
                result.update(wall=wall, name=name, load_before=load_before, load_after=os.getloadavg()[0])
                if kind == "s3":
                    s3_names.append(name)
                results[kind].append(result)
                row[kind] = result
                shutil.rmtree(var.parent, ignore_errors=True)  # the local ladder and the scratch leftovers
            local, s3 = row["local"], row["s3"]
            print(f"run {run} ({order[0]} first): "
                  f"local {local['wall']:6.2f} s wall ({local['seconds']:.2f} s in the command, first playable "
                  f"{local['first_playable_seconds']:.2f} s) | s3 {s3['wall']:6.2f} s wall ({s3['seconds']:.2f} s "
                  f"in the command, first playable {s3['first_playable_seconds']:.2f} s) | s3/local "
                  f"x{s3['wall'] / local['wall']:.3f} | published local {mb(local['bytes_published'])}, s3 "
                  f"{mb(s3['bytes_published'])} | rungs {','.join(s3['variants'])} | load 1 min "
                  + ", ".join(f"{kind} {row[kind]['load_before']:.2f}->{row[kind]['load_after']:.2f}"
                              for kind in order), flush=True)

        def median(kind, key):
            return statistics.median(r[key] for r in results[kind])

        wall_local, wall_s3 = median("local", "wall"), median("s3", "wall")
        ratio = wall_s3 / wall_local
        per_run = statistics.median(b["wall"] / a["wall"] for a, b in zip(results["local"], results["s3"], strict=True))
        print(f"\nmedians of {args.runs} runs:")
        print(f"  wall seconds            local {wall_local:7.2f} s   s3 {wall_s3:7.2f} s")
        print(f"  seconds in the command  local {median('local', 'seconds'):7.2f} s   "
              f"s3 {median('s3', 'seconds'):7.2f} s")
        print(f"  first rung playable     local {median('local', 'first_playable_seconds'):7.2f} s   "
              f"s3 {median('s3', 'first_playable_seconds'):7.2f} s   (from the command's start)")
        print(f"  bytes published         local {median('local', 'bytes_published'):,.0f}   "
              f"s3 {median('s3', 'bytes_published'):,.0f}")
        print(f"  ratio s3/local (wall)   x{ratio:.3f} (medians), x{per_run:.3f} (median of the runs' ratios)")
        print(f"  load average (1/5/15 min) at the end: {load()}")
        held = ratio <= TARGET_RATIO
        print(f"target s3/local <= x{TARGET_RATIO:.2f}: {'holds' if held else 'MISSED'} (x{ratio:.3f})")
    finally:
        if s3_names:
            found, problem = bucket_objects(s3_names, base_env, s3_env, scratch, delete=not args.keep)
            for name, (count, size) in found.items():
                print(f"bucket hls/{name}/: {count} objects, {size:,} bytes "
                      f"({'kept' if args.keep else 'deleted'})")
            if problem:
                print(f"cleanup: {problem}")
        if started_s3:
            stop_s3()
            print(f"stopped the S3 server this script started (its data stays in {s3_dir()})")
        shutil.rmtree(scratch, ignore_errors=True)
    sys.exit(0 if held else 1)


if __name__ == "__main__":
    main()
