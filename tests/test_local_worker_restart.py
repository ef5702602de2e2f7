"""The embedded default's Celery worker (filesystem broker, as `make run` starts it) is killed mid-transcode; the
worker started next picks the job up at once instead of after the sweeper's 10 minutes, and it completes."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from media_pipeline.models import MediaAsset
from media_pipeline.tasks import transcode_task
from media_pipeline.tests.conftest import lavfi_clip
from tests.celery_helpers import _forget_connections
from tests.factories import UserFactory
from tests.serving import database_url

pytestmark = [pytest.mark.ffmpeg, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PROJECT = Path(__file__).resolve().parent.parent


def local_worker(env, log):
    """The worker scripts/run.sh starts (one process, both queues, the filesystem transport)."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default,media", "--concurrency", "1",
         "--loglevel", "INFO", "-n", f"kexiang-local-{time.monotonic_ns()}@%h"],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def state(asset):
    return MediaAsset.objects.values("state", "attempts", "progress").get(pk=asset.pk)


def wait_for(predicate, timeout, what, log_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log_path.read_text()[-3000:]}")


def test_a_killed_local_worker_is_resumed_by_the_next_one_within_a_minute(settings, media_root, tmp_path):
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": database_url(),
                "SECRET_KEY": django_settings.SECRET_KEY, "KEXIANG_VAR_DIR": str(var), "MEDIA_ROOT": str(media_root),
                "LOG_LEVEL": "INFO"})
    broker = var / "celery"
    options = {"data_folder_in": str(broker / "queue"), "data_folder_out": str(broker / "queue"),
               "processed_folder": str(broker / "processed"), "control_folder": str(broker / "control"),
               "store_processed": False}
    for folder in ("queue", "processed", "control", "results"):
        (broker / folder).mkdir(parents=True)
    from config.celery import app

    saved = {key: app.conf.get(key) for key in ("task_always_eager", "broker_url", "broker_transport_options",
                                                  "result_backend")}
    app.conf.update(task_always_eager=False, broker_url="filesystem://", broker_transport_options=options,
                    result_backend=f"file://{broker / 'results'}")
    _forget_connections()
    source = lavfi_clip(tmp_path / "lesson.mp4", seconds=60, size="1280x720")
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path=str(source))
    log_path = tmp_path / "workers.log"
    log = open(log_path, "w")
    workers = []
    try:
        workers.append(local_worker(env, log))
        transcode_task.delay(asset.pk)
        wait_for(lambda: state(asset)["state"] == "processing" and state(asset)["progress"] > 0.05, 180,
                 "the transcode to be under way", log_path)
        os.killpg(workers[0].pid, signal.SIGKILL)  # the machine lost the worker (and its FFmpeg)
        workers[0].wait(timeout=30)
        assert state(asset)["state"] == "processing" and state(asset)["attempts"] == 1

        restarted = time.monotonic()
        workers.append(local_worker(env, log))
        resumed = wait_for(lambda: state(asset)["attempts"] == 2, 60, "the restarted worker to take the job", log_path)
        assert resumed - restarted < 60
        wait_for(lambda: state(asset)["state"] == "ready", 300, "the job to complete", log_path)
        assert "requeued transcodes" in log_path.read_text()
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                try:
                    worker.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
        log.close()
        app.conf.update(saved)
        _forget_connections()
