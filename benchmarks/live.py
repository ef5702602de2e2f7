#!/usr/bin/env python3
"""Live lessons on one machine: delay, rung bitrates, CPU per lesson, viewers served, time to the replay.

    .venv/bin/python benchmarks/live.py [--minutes 10] [--viewers 50,100,200,400] [--stage-seconds 30]

Sets up a fresh embedded default in a temporary folder (SQLite, migrate), a group with a member, and a group-only
live lesson; starts the production parts as `make run` does: gunicorn (config/gunicorn.py) with files sent by
nginx (X-Accel-Redirect), Debian's nginx with its RTMP module (scripts/services/nginx.sh, which runs the muxing
session live/muxer.py for the stream), and a Celery worker. Then:
  1. an FFmpeg publisher sends a 1280x720 25 fps test picture with a tone, as OBS would (x264 veryfast, 2.5
     Mbit/s, keyframes every 2 s), in real time, for --minutes;
  2. delay: each new segment of the lowest video rung (240p) is timed from the moment its last frame was sent to
     the moment it is listed in the playlist (polled every 0.2 s through nginx, as a player does). The muxing
     session reads the stream live from when it connects, so its media time t left the publisher at that
     moment + t (the publisher sends in real time); the ingest through nginx is inside the figure. A player
     joins two segments behind the live edge (live.js: liveSyncDurationCount 2), so what a viewer sees lags by
     that plus two segments: the glass-to-glass estimate;
  3. CPU: the muxing session's FFmpeg (user + system time over wall time, in cores of this machine);
  4. viewers: stages of N simulated viewers (threads with keep-alive connections, each as live.js and a
     player: the 240p playlist and each new segment every 2 s, the status every 5 s, the comments every 2 s and
     a heartbeat every 15 s) for --stage-seconds each; p95 segment time and the app's CPU per viewer;
  5. the bitrate of each rung (average and peak segment) from the finished playlists;
  6. after the broadcast: seconds until the replay plays (its first rungs) and until all rungs are done.
Prints the figures and the targets: lowest rung <= 200 kbit/s with sound, delay <= 10 s, replay <= 5 minutes
after a 10-minute broadcast, p95 segment time <= 1 s. The load comes from this process, on the same 2 cores.
Run on demand (the default takes about 15 minutes), not in CI.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
SEGMENT = 2.0
PLAYER_HOLDS = 2  # segments behind the live edge (live.js)


def fail(message):
    print(f"live.py: {message}", file=sys.stderr)
    sys.exit(2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] if ordered else float("nan")


class Client:
    """One keep-alive connection to nginx, with the member's cookies."""

    def __init__(self, port, cookie, token=""):
        self.port, self.cookie, self.token = port, cookie, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method, path, body=None):
        headers = {"Cookie": self.cookie}
        if method == "POST":
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": self.token,
                            "Referer": f"http://127.0.0.1:{self.port}/"})
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            return response.status, data
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return None, b""


def cpu_seconds(pid, children=False):
    """User + system CPU seconds of `pid`; with children, also of its children it has waited for (gunicorn's
    master: the workers it restarted)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def app_cpu_seconds():
    """The app server's CPU so far: its master (with the workers it reaped) and the workers alive now."""
    pids = pids_matching(r"gunicorn -c config/gunicorn.py")
    children = {pid for pid in pids if Path(f"/proc/{pid}/stat").exists()
                and int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) in pids}
    return sum(cpu_seconds(pid, children=pid not in children) for pid in pids)


def pids_matching(pattern):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if re.search(pattern, command):
                found.append(int(entry.name))
    return found


def segments_of(text):
    """[(name, duration)] of a media playlist."""
    found, duration = [], None
    for line in text.splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",")[0])
        elif line and not line.startswith("#") and duration is not None:
            found.append((line, duration))
            duration = None
    return found


class Site:
    def __init__(self, folder):
        self.folder = folder
        self.var = folder / "var"
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "KEXIANG_VAR_DIR": str(self.var),
                    "DATABASE_URL": f"sqlite:///{self.var / 'db.sqlite3'}", "KEXIANG_FILE_SERVING": "nginx",
                    "KEXIANG_PROXY_COUNT": "1", "KEXIANG_LIVE_ROOT": str(self.var / "live"),
                    "MEDIA_ROOT": str(self.var / "media"), "PRIVATE_MEDIA_ROOT": str(self.var / "private"),
                    "LOG_LEVEL": "WARNING", "SECRET_KEY": "benchmark-live-not-secret"}
        for key in ("REDIS_URL", "ELASTICSEARCH_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
            self.env.pop(key, None)
        self.app_port, self.http_port, self.rtmp_port = free_port(), free_port(), free_port()
        self.env["KEXIANG_BIND"] = f"127.0.0.1:{self.app_port}"
        self.processes = []
        self.nginx_env = {"PATH": "/usr/sbin:/usr/bin:/bin", "NGINX_PORT": str(self.http_port),
                          "NGINX_DIR": str(folder / "nginx"), "NGINX_RTMP_PORT": str(self.rtmp_port),
                          "KEXIANG_UPSTREAM": f"127.0.0.1:{self.app_port}", "KEXIANG_PYTHON": str(PYTHON),
                          **{k: self.env[k] for k in ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "KEXIANG_LIVE_ROOT")}}

    def manage(self, *args, input_text=None):
        done = subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, input=input_text)
        if done.returncode:
            fail(f"manage.py {' '.join(args)}: {done.stderr[-2000:]}")
        return done.stdout

    def start(self, name, command):
        log = open(self.folder / f"{name}.log", "ab")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def up(self):
        self.var.mkdir(parents=True)
        self.manage("migrate", "--noinput", "-v", "0")
        self.start("gunicorn", [str(PYTHON.parent / "gunicorn"), "-c", "config/gunicorn.py"])
        self.start("worker", [str(PYTHON.parent / "celery"), "-A", "config", "worker", "-Q", "default,media",
                              "--concurrency=1", "--without-gossip", "--without-mingle", "-n", "bench-live@%h"])
        started = subprocess.run(["scripts/services/nginx.sh", "start"], cwd=ROOT, env=self.nginx_env,
                                 capture_output=True, text=True)
        if started.returncode:
            fail(f"nginx: {started.stderr}")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if Client(self.http_port, "").request("GET", "/healthz")[0] == 200:
                return
            time.sleep(0.5)
        fail("the app did not come up behind nginx")

    def down(self):
        subprocess.run(["scripts/services/nginx.sh", "stop"], cwd=ROOT, env=self.nginx_env, capture_output=True)
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


SETUP = """
import json
from django.conf import settings
from django.test import Client
from django.utils import timezone
from accounts.models import User
from live import services
from research.models import GroupMembership
from research.services.activities import activity_create
from research.services.groups import group_create
leader = User.objects.create_user(username="liwei", password="x-benchmark-1")
member = User.objects.create_user(username="zhangfang", password="x-benchmark-1")
group = group_create(name="三年级语文联合教研组", leader=leader)
GroupMembership.objects.get_or_create(group=group, user=member)
now = timezone.now()
activity = activity_create(group=group, user=leader, title="示范课", starts_at=now, ends_at=now + timezone.timedelta(hours=2))
live, key = services.live_create(user=leader, group=group, title="《秋天的雨》示范课", activity=activity)
client = Client()
client.force_login(member)
print(json.dumps({"id": live.pk, "key": key, "cookie": client.cookies[settings.SESSION_COOKIE_NAME].value,
                  "cookie_name": settings.SESSION_COOKIE_NAME}))
"""


def csrf_of(site, cookie, live_id):
    conn = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=30)
    conn.request("GET", f"/live/{live_id}/", headers={"Cookie": cookie})
    response = conn.getresponse()
    html = response.read().decode()
    token_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return (token_cookie.group(1) if token_cookie else ""), (token.group(1) if token else "")


def viewers_stage(site, cookie, token, live_id, count, seconds):
    """`count` viewers for `seconds`: (segment times ms, requests, errors, app CPU seconds)."""
    base = f"/media/live/{live_id}/240p/"
    times, lock = [], threading.Lock()
    counters = {"requests": 0, "errors": 0}
    stop_at = time.monotonic() + seconds
    cpu_before = app_cpu_seconds()

    def viewer(number):
        client = Client(site.http_port, cookie, token)
        seen, mine, requests, errors = set(), [], 0, 0
        next_status = next_beat = next_comments = time.monotonic() + (number % 20) * 0.1
        time.sleep((number % 20) * 0.1)
        while time.monotonic() < stop_at:
            tick = time.monotonic()
            status, body = client.request("GET", base + "index.m3u8")
            requests += 1
            errors += status != 200
            new = [name for name, _ in segments_of(body.decode(errors="replace"))[-PLAYER_HOLDS:] if name not in seen]
            for name in new:
                began = time.perf_counter()
                status, _ = client.request("GET", base + name)
                mine.append((time.perf_counter() - began) * 1000)
                requests += 1
                errors += status != 200
                seen.add(name)
            now = time.monotonic()
            if now >= next_status:
                status, _ = client.request("GET", f"/live/{live_id}/status")
                requests, errors, next_status = requests + 1, errors + (status != 200), now + 5
            if now >= next_comments:
                status, _ = client.request("GET", f"/live/{live_id}/comments?after=0")
                requests, errors, next_comments = requests + 1, errors + (status != 200), now + 2
            if now >= next_beat:
                status, _ = client.request("POST", f"/live/{live_id}/heartbeat", body="playing=1")
                requests, errors, next_beat = requests + 1, errors + (status != 200), now + 15
            time.sleep(max(0.0, SEGMENT - (time.monotonic() - tick)))
        with lock:
            times.extend(mine)
            counters["requests"] += requests
            counters["errors"] += errors

    threads = [threading.Thread(target=viewer, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return times, counters["requests"], counters["errors"], max(0.0, app_cpu_seconds() - cpu_before)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the broadcast")
    parser.add_argument("--viewers", default="50,100,200,400", help="simulated viewers in each stage")
    parser.add_argument("--stage-seconds", type=float, default=30.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not shutil.which("ffmpeg") or not Path("/usr/lib/nginx/modules/ngx_rtmp_module.so").exists():
        fail("needs ffmpeg and nginx with its RTMP module (apt-get install ffmpeg nginx libnginx-mod-rtmp)")
    folder = Path(tempfile.mkdtemp(prefix="kexiang-bench-live-"))
    site = Site(folder)
    try:
        run(site, args)
    finally:
        site.down()
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run(site, args):
    print(f"setting up in {site.folder} …", flush=True)
    site.up()
    data = json.loads(site.manage("shell", input_text=SETUP).strip().splitlines()[-1])
    live_id, cookie = data["id"], f"{data['cookie_name']}={data['cookie']}"
    csrf_cookie, token = csrf_of(site, cookie, live_id)
    cookie += f"; csrftoken={csrf_cookie}"
    seconds = args.minutes * 60
    publisher_log = open(site.folder / "publisher.log", "ab")
    sent_at = time.time()
    publisher = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", str(seconds), "-c:v", "libx264",
         "-preset", "veryfast", "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "5000k", "-g", "50",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", "flv",
         f"rtmp://127.0.0.1:{site.rtmp_port}/live/{data['key']}"],
        stdout=subprocess.DEVNULL, stderr=publisher_log)
    watcher = Client(site.http_port, cookie, token)
    delays, listed_at, first_ready, joined, last_poll = [], {}, None, None, time.time()
    media_time = 0.0
    muxer_pid, cpu_start, wall_start, muxer_cpu = None, 0.0, 0.0, 0.0
    stages = [int(n) for n in args.viewers.split(",") if n.strip()]
    stage_results = []
    next_stage_at = time.monotonic() + 60
    last_progress = time.monotonic()
    while publisher.poll() is None:
        status, body = watcher.request("GET", f"/media/live/{live_id}/240p/index.m3u8")
        now = time.time()
        if status == 200:
            for name, duration in segments_of(body.decode(errors="replace")):
                if name not in listed_at:
                    listed_at[name] = now
                    media_time += duration
                    # The session reads the stream live from when it connected: its media time t was sent at
                    # joined + t. Only segments seen by a poll 0.2 s after the one before count (not those
                    # found after a viewers' stage held the loop), and not the first three (FFmpeg's start).
                    if joined and len(listed_at) > 3 and now - last_poll < 1.0:
                        delays.append(now - (joined + media_time))
            if first_ready is None and listed_at:
                first_ready = now - sent_at
        if muxer_pid is None:
            found = pids_matching(rf"ffmpeg .*live/lesson-{live_id} .*hls")
            if found:
                muxer_pid, cpu_start, wall_start = found[0], cpu_seconds(found[0]), time.monotonic()
                joined = time.time()  # within a poll (0.2 s) of its start
        elif cpu_seconds(muxer_pid):
            muxer_cpu = (cpu_seconds(muxer_pid) - cpu_start) / max(1e-6, time.monotonic() - wall_start)
        if stages and time.monotonic() >= next_stage_at and listed_at:
            count = stages.pop(0)
            print(f"  {count} viewers for {args.stage_seconds:.0f} s …", flush=True)
            times, requests, errors, app_cpu = viewers_stage(site, cookie, token, live_id, count, args.stage_seconds)
            stage_results.append((count, times, requests, errors, app_cpu))
            next_stage_at = time.monotonic() + 5
            continue
        if time.monotonic() - last_progress >= 30:
            last_progress = time.monotonic()
            print(f"  broadcasting: {now - sent_at:.0f} of {seconds:.0f} s, {len(listed_at)} segments", flush=True)
        last_poll = now
        time.sleep(0.2)
    ended = time.time()
    print("broadcast over; waiting for the replay …", flush=True)
    replay_playable = replay_ready = None
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline and replay_ready is None:
        status, body = watcher.request("GET", f"/live/{live_id}/status")
        if status == 200:
            state = json.loads(body)
            if state["replay_url"] and replay_playable is None:
                replay_playable = time.time() - ended
            if state.get("replay_state") == "ready":
                replay_ready = time.time() - ended
            if state.get("replay_state") == "failed":
                fail("the replay failed; see the worker log")
        time.sleep(1)

    live_root = Path(site.env["KEXIANG_LIVE_ROOT"]) / str(live_id)
    print()
    print(f"Live lesson: {args.minutes:g}-minute 1280x720 broadcast, {len(listed_at)} segments on the lowest rung")
    print(f"  first segment playable      {first_ready:.1f} s after the publisher started" if first_ready else
          "  no segment was ever listed")
    if delays:
        median = statistics.median(delays)
        print(f"  segment listed after its last frame was sent: median {median:.2f} s, p95 "
              f"{percentile(delays, .95):.2f} s ({len(delays)} segments)")
        print(f"  glass-to-glass on the lowest rung (+{PLAYER_HOLDS} segments a player holds): "
              f"median {median + PLAYER_HOLDS * SEGMENT:.1f} s   target <= 10 s")
    if muxer_pid:
        print(f"  CPU of the muxing session (FFmpeg): {muxer_cpu:.2f} cores of {os.cpu_count()}")
    print("  rungs (from the finished playlists): average / peak segment")
    for rung in sorted(p.name for p in live_root.iterdir() if p.is_dir()):
        playlist = live_root / rung / "index.m3u8"
        entries = segments_of(playlist.read_text())
        sizes = [((live_root / rung / name).stat().st_size, duration) for name, duration in entries]
        total_bits = sum(size for size, _ in sizes) * 8 + (live_root / rung / "init.mp4").stat().st_size * 8
        duration = sum(d for _, d in sizes) or 1
        peak = max(size * 8 / d for size, d in sizes if d > 0.5)
        note = "   target <= 200 kbit/s with sound" if rung == "240p" else ""
        print(f"    {rung:6} {total_bits / duration / 1000:7.1f} / {peak / 1000:7.1f} kbit/s{note}")
    print("  viewers (240p playlist and new segments every 2 s, status every 5 s, comments every 2 s, heartbeat 15 s):")
    for count, times, requests, errors, app_cpu in stage_results:
        per_viewer = requests / count / args.stage_seconds
        print(f"    {count:4} viewers: segment p50 {percentile(times, .5):6.1f} ms  p95 {percentile(times, .95):7.1f} ms"
              f"  {requests / args.stage_seconds:6.1f} req/s ({per_viewer:.2f} per viewer)  errors {errors}"
              f"  app CPU {app_cpu / args.stage_seconds / count * 1000:.1f} ms/s per viewer"
              f"{'   ok (p95 <= 1 s)' if percentile(times, .95) <= 1000 and not errors else ''}")
    if replay_playable is not None:
        print(f"  replay playable {replay_playable:.0f} s after the broadcast ended; all rungs after "
              f"{replay_ready:.0f} s   target <= 300 s" if replay_ready else
              f"  replay playable after {replay_playable:.0f} s; not finished within 30 minutes")
    else:
        print("  no replay within 30 minutes")


if __name__ == "__main__":
    main()
