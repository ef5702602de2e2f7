#!/usr/bin/env python3
"""The documented production deploy, end to end (.ci/run calls this): production settings on PostgreSQL and
Redis, `collectstatic`, `migrate`, a Celery worker that transcodes a real lesson, gunicorn (config/gunicorn.py)
behind nginx (scripts/services/nginx.sh, files by X-Accel-Redirect), then the main pages, the lesson's
playlists and a segment, and a hashed static file must answer 200 through nginx, and /readyz must be ready.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python scripts/smoke_production.py

Uses the database of DATABASE_URL as it is (CI's is empty); everything else lives in a temporary folder that
is removed at the end. Exits 1 with what failed.
"""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"

MAKE_LESSON = """
import sys, time
from django.contrib.auth import get_user_model
from media_pipeline.models import MediaAsset
from media_pipeline.services import media_asset_create
from resources.models import Resource, ResourceType, Stage, Subject
teacher, _ = get_user_model().objects.get_or_create(username="smoke-teacher", defaults={"full_name": "烟测老师"})
asset = media_asset_create(owner=teacher, source_path=sys.argv[1], title="烟测微课")
deadline = time.monotonic() + 300
while time.monotonic() < deadline:
    asset.refresh_from_db()
    if asset.state in (MediaAsset.State.READY, MediaAsset.State.FAILED):
        break
    time.sleep(1)
assert asset.state == MediaAsset.State.READY, (asset.state, asset.error_detail)
lesson, _ = Resource.objects.update_or_create(external_id="smoke:lesson", defaults=dict(
    title="烟测微课", resource_type=ResourceType.MICRO_LESSON, stage=Stage.objects.get(code="primary"),
    subject=Subject.objects.get(name="语文"), media_asset=asset, visibility=Resource.Visibility.PUBLIC, live=True,
    uploaded_by=teacher))
print("LESSON", lesson.pk, asset.uid, [v["name"] for v in asset.variants])
"""


def fail(message):
    print(f"production smoke: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=30):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Host": "127.0.0.1"}), timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)
    except OSError as error:
        return None, str(error).encode(), {}


def wait_for(url, process, log, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        if get(url, timeout=3)[0] == 200:
            return
        time.sleep(0.5)
    fail(f"{url} did not answer; the end of {log}:\n{Path(log).read_text(errors='replace')[-3000:]}")


def main():
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            fail(f"{name} must be set (scripts/services/postgres.sh and redis.sh print them)")
    scratch = Path(tempfile.mkdtemp(prefix="kexiang-smoke-"))
    web_port, nginx_port = free_port(), free_port()
    env = {**os.environ,
           "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": secrets.token_urlsafe(50),
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_COOKIES": "0", "KEXIANG_FILE_SERVING": "nginx",
           "STATIC_ROOT": str(scratch / "static"), "MEDIA_ROOT": str(scratch / "media"),
           "PRIVATE_MEDIA_ROOT": str(scratch / "private"), "KEXIANG_UPLOAD_DIR": str(scratch / "uploads"),
           "KEXIANG_VAR_DIR": str(scratch / "var"), "KEXIANG_BIND": f"127.0.0.1:{web_port}", "LOG_LEVEL": "WARNING",
           "NGINX_PORT": str(nginx_port), "NGINX_DIR": str(scratch / "nginx"),
           "KEXIANG_UPSTREAM": f"127.0.0.1:{web_port}", "WEB_CONCURRENCY": "2"}
    env.pop("ELASTICSEARCH_URL", None)
    for folder in ("media", "private", "uploads"):
        (scratch / folder).mkdir()
    running = []

    def start(command, log_name):
        log = open(scratch / log_name, "wb")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        running.append(process)
        return process

    try:
        for command in (["collectstatic", "--noinput", "-v", "0"], ["migrate", "--noinput", "-v", "0"]):
            done = subprocess.run([str(BIN / "python"), "manage.py", *command], cwd=ROOT, env=env, capture_output=True,
                                  text=True)
            if done.returncode:
                fail(f"manage.py {command[0]}: {done.stderr[-3000:]}")
        print("collectstatic and migrate: ok", flush=True)

        start([str(BIN / "celery"), "-A", "config", "worker", "-Q", "default,media", "--concurrency", "1",
               "--loglevel", "WARNING"], "celery.log")
        clip = scratch / "lesson.mp4"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=8",
                        "-f", "lavfi", "-i", "sine=frequency=440:duration=8", "-c:v", "libx264", "-preset", "ultrafast",
                        "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(clip)], check=True)
        done = subprocess.run([str(BIN / "python"), "manage.py", "shell", "-c", MAKE_LESSON.replace(
            "sys.argv[1]", repr(str(clip)))], cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
        found = re.search(r"LESSON (\d+) ([0-9a-f-]+) (\[.*\])", done.stdout)
        if done.returncode or not found:
            fail(f"making the lesson through the worker: {done.stdout[-2000:]}{done.stderr[-3000:]}\n"
                 f"{(scratch / 'celery.log').read_text(errors='replace')[-3000:]}")
        lesson, uid, rungs = found[1], found[2], json.loads(found[3].replace("'", '"'))
        print(f"lesson {lesson} transcoded by the worker: {rungs}", flush=True)

        web = start([str(BIN / "gunicorn"), "-c", "config/gunicorn.py"], "gunicorn.log")
        wait_for(f"http://127.0.0.1:{web_port}/healthz", web, scratch / "gunicorn.log")
        started = subprocess.run(["scripts/services/nginx.sh", "start"], cwd=ROOT, env=env, capture_output=True, text=True)
        if started.returncode:
            fail(f"nginx: {started.stderr}")
        base = started.stdout.strip().split("=", 1)[1]
        wait_for(base + "/healthz", None, scratch / "nginx" / "error.log")

        checks = {}
        status, body, _headers = get(base + "/")
        checks["/"] = status
        static = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body)
        if not static:
            fail(f"the home page names no hashed stylesheet (collectstatic's manifest): {body[:500]!r}")
        for path in ("/resources/", "/resources/browse/", "/search/?q=%E5%BE%AE%E8%AF%BE", f"/resources/{lesson}/",
                     f"/lessons/{lesson}/", "/accounts/login/", "/admin/login/", "/readyz",
                     f"/media/hls/{uid}/master.m3u8", f"/media/hls/{uid}/{rungs[0]}/index.m3u8",
                     f"/media/hls/{uid}/{rungs[0]}/seg_00000.m4s", f"/media/hls/{uid}/poster-640.jpg",
                     static[1].decode()):
            status, body, headers = get(base + path)
            checks[path] = status
            if path.endswith(".css") and "max-age=315360000" not in headers.get("Cache-Control", ""):
                fail(f"{path}: a hashed static file should be cached for ever, not {headers.get('Cache-Control')}")
        for path, status in checks.items():
            print(f"  {status}  {path}")
        bad = {path: status for path, status in checks.items() if status != 200}
        if bad:
            fail(f"not 200: {bad}; the end of gunicorn.log:\n{(scratch / 'gunicorn.log').read_text(errors='replace')[-3000:]}")
        print("production smoke: ok (production settings, PostgreSQL, Redis, a Celery worker, gunicorn behind nginx)")
    finally:
        subprocess.run(["scripts/services/nginx.sh", "stop"], cwd=ROOT, env=env, capture_output=True)
        for process in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
