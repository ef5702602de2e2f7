"""The parts a live lesson needs, real: the app server (gunicorn), nginx with its RTMP module in front of it
(scripts/services/nginx.sh: the site, X-Accel-Redirect for files, RTMP ingest, the muxing session it starts),
and a Celery worker on the app's own broker (the end of a broadcast after the grace period, the replay)."""
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.serving import ROOT, AppServer, free_port, wait_until_up

GRACE = 6  # seconds a dropped publisher has to come back, in these tests


@dataclass
class LiveSite:
    url: str  # nginx, where viewers go
    app: str  # the app server itself
    rtmp: str  # where publishers go
    live_root: Path
    server: AppServer


def publish(url, seconds, *, size="640x360", audio=True, rate=15):
    """ffmpeg sending a test picture (and a tone), in real time, as a streaming app does."""
    inputs = ["-re", "-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", *inputs, "-t", str(seconds), "-c:v", "libx264",
         "-preset", "ultrafast", "-g", str(rate * 2), *(["-c:a", "aac"] if audio else []), "-f", "flv", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def live_site(transactional_db, media_root, settings, tmp_path):
    """gunicorn + nginx (HTTP and RTMP) + a Celery worker; yields a LiveSite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.ScryptPasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT.mkdir()
    settings.KEXIANG_LIVE_ROOT = tmp_path / "live"
    settings.KEXIANG_LIVE_ROOT.mkdir()
    settings.KEXIANG_LIVE_GRACE_SECONDS = GRACE
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    server = AppServer(env={"KEXIANG_FILE_SERVING": "nginx", "KEXIANG_PROXY_COUNT": "1",
                            "KEXIANG_LIVE_GRACE_SECONDS": str(GRACE), "KEXIANG_LIVE_HEARTBEAT_SECONDS": "3"}).start()
    nginx_dir = tmp_path / "nginx"
    env = {"PATH": "/usr/sbin:/usr/bin:/bin", "NGINX_PORT": str(free_port()), "NGINX_DIR": str(nginx_dir),
           "NGINX_RTMP_PORT": str(free_port()), "KEXIANG_UPSTREAM": f"127.0.0.1:{server.port}",
           "MEDIA_ROOT": server.env["MEDIA_ROOT"], "PRIVATE_MEDIA_ROOT": server.env["PRIVATE_MEDIA_ROOT"],
           "KEXIANG_LIVE_ROOT": server.env["KEXIANG_LIVE_ROOT"], "KEXIANG_PYTHON": sys.executable}
    worker = None
    try:
        started = subprocess.run(["scripts/services/nginx.sh", "start"], cwd=ROOT, env=env, capture_output=True,
                                 text=True, check=False)
        assert started.returncode == 0, started.stderr
        lines = dict(line.split("=", 1) for line in started.stdout.split())
        wait_until_up(lines["NGINX_URL"], None, nginx_dir / "error.log")
        with open(server.dir / "worker.log", "ab") as log:
            worker = subprocess.Popen(
                [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "-Q", "default,media",
                 "--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=INFO", "-n", "live-test@%h"],
                cwd=ROOT, env=server.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        yield LiveSite(url=lines["NGINX_URL"], app=server.url, rtmp=lines["RTMP_URL"],
                       live_root=settings.KEXIANG_LIVE_ROOT, server=server)
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        subprocess.run(["scripts/services/nginx.sh", "stop"], cwd=ROOT, env=env, capture_output=True, check=False)
        muxer_log = settings.KEXIANG_LIVE_ROOT / "muxer.log"
        if muxer_log.exists():
            sys.stderr.write(f"--- live muxer log ---\n{muxer_log.read_text(errors='replace')[-6000:]}\n")
        worker_log = server.dir / "worker.log"
        if worker_log.exists() and "Traceback" in worker_log.read_text(errors="replace"):
            sys.stderr.write(f"--- worker log ---\n{worker_log.read_text(errors='replace')[-8000:]}\n")
        server.stop()
