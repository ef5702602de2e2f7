"""A real Celery worker is killed mid-transcode; nothing half-made is published and the job completes
once a worker is back. Needs PostgreSQL (shared by this test and the worker processes), Redis and FFmpeg."""
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from media_pipeline.models import MediaAsset
from media_pipeline.tasks import sweep_stuck_transcodes, transcode_task
from media_pipeline.tests.conftest import lavfi_clip
from tests.celery_helpers import _forget_connections
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.ffmpeg, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PROJECT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def real_workers(settings, tmp_path, media, env=None):
    """`start()` starts a real worker process (both queues) on a Redis database of this test's own, sharing the
    test database; this process queues to it too. Every worker left is killed at the end."""
    from config.celery import app

    redis = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/3"  # a database of its own
    db = connection.settings_dict
    env = {
        **os.environ, **(env or {}),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": redis, "CELERY_RESULT_BACKEND": redis, "REDIS_URL": redis,
        "MEDIA_ROOT": str(media), "KEXIANG_VAR_DIR": str(tmp_path / "var"),
    }
    subprocess.run(["redis-cli", "-u", redis, "flushdb"], check=True, capture_output=True)
    broker = settings.CELERY_BROKER_URL
    app.conf.update(task_always_eager=False, broker_url=redis, result_backend=redis)
    _forget_connections()
    started = []
    with open(tmp_path / "worker.log", "w") as log:

        def start():
            started.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "media,default", "--pool", "solo",
                 "--loglevel", "INFO", "-n", f"killtest-{time.monotonic_ns()}@%h"],
                cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            ))
            return started[-1]

        try:
            yield start
        finally:
            for process in started:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
            app.conf.update(task_always_eager=True, broker_url=broker, result_backend="cache+memory://")
            _forget_connections()


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_worker_publishes_nothing_and_the_job_completes_later(settings, tmp_path):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    src = lavfi_clip(tmp_path / "long.mp4", seconds=90, size="1280x720")
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path=str(src))
    with real_workers(settings, tmp_path, media) as start_worker:
        first = start_worker()
        transcode_task.delay(asset.pk)
        # Kill it while the higher rungs encode, after the lowest ones were published.
        wait_for(lambda: MediaAsset.objects.get(pk=asset.pk).progress > 0.4, 180, "the second pass to be under way")
        os.killpg(first.pid, signal.SIGKILL)  # the machine lost the worker (and its FFmpeg) mid-transcode
        first.wait(timeout=30)
        asset.refresh_from_db()
        assert asset.state == MediaAsset.State.PROCESSING and asset.progress < 1.0
        outdir = media / asset.output_name
        master = (outdir / "master.m3u8").read_text()
        assert "240p/index.m3u8" in master, "the lowest rung was published and stays playable"
        assert "720p" not in master and not (outdir / "720p").exists(), "no half-made rung is published"
        assert outdir.with_name(outdir.name + ".partial2").exists(), "the half-made rungs were in staging"

        second = start_worker()
        settings.KEXIANG_TRANSCODE_STUCK_AFTER = 1
        time.sleep(1.5)
        assert sweep_stuck_transcodes() == [asset.pk]
        wait_for(lambda: MediaAsset.objects.get(pk=asset.pk).state == MediaAsset.State.READY, 300, "the job to complete")
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=60)
        asset.refresh_from_db()
        assert asset.attempts == 2
        assert (outdir / "master.m3u8").exists() and (outdir / "720p" / "index.m3u8").exists()
        assert not outdir.with_name(outdir.name + ".partial").exists()
        assert not outdir.with_name(outdir.name + ".partial2").exists()


@pytest.mark.objectstore
def test_on_object_storage_a_killed_worker_leaves_no_half_ladder_in_the_bucket_and_its_retry_finishes(
        settings, tmp_path, object_store):
    """Workers with no disk in common with the web: the original is in the bucket, each worker builds in its own
    scratch folder and publishes into the bucket, the master playlist last."""
    from core import media_storage

    src = lavfi_clip(tmp_path / "long.mp4", seconds=90, size="1280x720")
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path="")
    asset.source_path = f"originals/{asset.uid}/original.mp4"
    media_storage.upload_file(object_store.media, src, asset.source_path)
    asset.save(update_fields=["source_path"])
    src.unlink()  # nothing of it on a disk the workers could share
    ladder = asset.output_name
    with real_workers(settings, tmp_path, tmp_path / "no-media-here", object_store.env) as start_worker:
        first = start_worker()
        transcode_task.delay(asset.pk)
        wait_for(lambda: MediaAsset.objects.get(pk=asset.pk).progress > 0.4, 180, "the second pass to be under way")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        asset.refresh_from_db()
        assert asset.state == MediaAsset.State.PROCESSING and asset.progress < 1.0
        master = object_store.media.open(f"{ladder}/master.m3u8").read().decode()
        assert "240p/index.m3u8" in master, "the lowest rung was published and stays playable"
        assert "720p" not in master and not object_store.names(f"{ladder}/720p"), "no half-made rung in the bucket"
        for rung in ("240p", "audio"):  # everything the master names is there
            playlist = object_store.media.open(f"{ladder}/{rung}/index.m3u8").read().decode()
            named = [line for line in playlist.splitlines() if line and not line.startswith("#")]
            assert set(f"{ladder}/{rung}/{n}" for n in named) <= set(object_store.names(f"{ladder}/{rung}"))
        assert not (tmp_path / "no-media-here").exists(), "the worker never wrote to a media folder on disk"

        second = start_worker()
        settings.KEXIANG_TRANSCODE_STUCK_AFTER = 1
        time.sleep(1.5)
        assert sweep_stuck_transcodes() == [asset.pk]
        wait_for(lambda: MediaAsset.objects.get(pk=asset.pk).state == MediaAsset.State.READY, 300, "the job to complete")
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=60)
        asset.refresh_from_db()
        assert asset.attempts == 2
        master = object_store.media.open(f"{ladder}/master.m3u8").read().decode()
        assert "720p/index.m3u8" in master and f"{ladder}/720p/index.m3u8" in object_store.names(f"{ladder}/720p")
        assert not object_store.names(f"work/{asset.uid}")
