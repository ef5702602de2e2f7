"""The real app server and nginx, for tests that go through them the way visitors do.

`AppServer` starts gunicorn with config/gunicorn.py (what `make run` and production run) on a free port,
against the test database (the test must be transactional so its rows are committed) and the test's
MEDIA_ROOT / PRIVATE_MEDIA_ROOT. `Nginx` starts scripts/services/nginx.sh (deploy/nginx/kexiang.conf) in
front of it. `signed_in(user)` gives a requests.Session carrying that user's session cookie.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url():
    """The test database as a DATABASE_URL another process can open."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return (f"postgres://{quote(s['USER'] or '', safe='')}:{quote(s['PASSWORD'] or '', safe='')}"
            f"@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}")


def wait_until_up(url, process, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up; the end of its log:\n{Path(log).read_text(errors='replace')[-4000:]}")


def report_errors(name, log):
    """A server's tracebacks go to stderr as it stops: pytest shows them under a failed test, which would
    otherwise only say a request answered 500 (the log itself goes with the server's temporary folder)."""
    at = log.find("Traceback")
    if at != -1:
        sys.stderr.write(f"--- {name} log, from its first traceback ---\n{log[at:][-20000:]}\n")


class AppServer:
    """gunicorn -c config/gunicorn.py on the test database; `env` overrides the environment."""

    def __init__(self, *, env=None, workers=None, threads=None):
        from django.conf import settings

        self.dir = Path(tempfile.mkdtemp(prefix="kexiang-appserver-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.dir / "gunicorn.log"
        base = {k: v for k, v in os.environ.items()
                if k not in ("REDIS_URL", "ELASTICSEARCH_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}
        self.env = {
            **base,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DATABASE_URL": database_url(),
            "SECRET_KEY": settings.SECRET_KEY,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
            "KEXIANG_LIVE_ROOT": str(settings.KEXIANG_LIVE_ROOT),
            "KEXIANG_VAR_DIR": str(self.dir / "var"),
            "KEXIANG_UPLOAD_DIR": str(settings.KEXIANG_UPLOAD_DIR),
            "KEXIANG_BIND": f"127.0.0.1:{self.port}",
            "LOG_LEVEL": "WARNING",
            **({"WEB_CONCURRENCY": str(workers)} if workers else {}),
            **({"KEXIANG_WEB_THREADS": str(threads)} if threads else {}),
            **(env or {}),
        }
        self.process = None

    def start(self):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([str(GUNICORN), "-c", "config/gunicorn.py"], cwd=ROOT, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until_up(self.url, self.process, self.log)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        report_errors("app server", self.log_text())
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Nginx:
    """scripts/services/nginx.sh in front of `upstream` (an AppServer), on a free port."""

    def __init__(self, upstream: AppServer):
        self.upstream = upstream
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="kexiang-nginx-"))
        self.env = {**os.environ, "NGINX_PORT": str(self.port), "NGINX_DIR": str(self.dir),
                    "KEXIANG_UPSTREAM": f"127.0.0.1:{upstream.port}",
                    "MEDIA_ROOT": upstream.env["MEDIA_ROOT"], "PRIVATE_MEDIA_ROOT": upstream.env["PRIVATE_MEDIA_ROOT"],
                    "KEXIANG_LIVE_ROOT": upstream.env["KEXIANG_LIVE_ROOT"]}
        self.url = None

    def start(self):
        done = subprocess.run(["scripts/services/nginx.sh", "start"], cwd=ROOT, env=self.env, capture_output=True,
                              text=True)
        if done.returncode:
            raise RuntimeError(f"nginx did not start: {done.stderr}")
        self.url = done.stdout.strip().split("=", 1)[1]
        wait_until_up(self.url, None, self.dir / "error.log")
        return self

    def stop(self):
        subprocess.run(["scripts/services/nginx.sh", "stop"], cwd=ROOT, env=self.env, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def signed_in(user=None):
    """A requests.Session as `user` (signed in through Django's session store), or anonymous for None."""
    from django.conf import settings
    from django.test import Client

    session = requests.Session()
    if user is not None:
        client = Client()
        client.force_login(user)
        session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    return session
