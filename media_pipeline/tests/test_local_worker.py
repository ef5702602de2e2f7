"""The local worker's start-up (media_pipeline.signal_handlers.local_worker_start): alone, it requeues every
unfinished transcode; beside a live local worker, only those silent for two heartbeats."""
import datetime
import fcntl

import pytest
from django.utils import timezone

from media_pipeline import signal_handlers
from media_pipeline.models import MediaAsset
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_broker(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_DIR = tmp_path / "celery"
    yield settings.CELERY_BROKER_DIR
    if signal_handlers._local_worker_lock is not None:
        signal_handlers._local_worker_lock.close()
        signal_handlers._local_worker_lock = None


def job(heartbeat_seconds_ago):
    return MediaAsset.objects.create(owner=UserFactory(), source_path="/dev/null", state=MediaAsset.State.PROCESSING,
                                     heartbeat_at=timezone.now() - datetime.timedelta(seconds=heartbeat_seconds_ago),
                                     attempts=1)


def test_beside_a_live_local_worker_only_silent_jobs_are_requeued(local_broker):
    live, dead = job(5), job(300)
    local_broker.mkdir(parents=True)
    other_worker = open(local_broker / "local-worker.lock", "a")
    fcntl.flock(other_worker.fileno(), fcntl.LOCK_SH)  # a live local worker (or its orphaned child)
    try:
        signal_handlers.local_worker_start()
    finally:
        other_worker.close()
    assert MediaAsset.objects.get(pk=live.pk).state == MediaAsset.State.PROCESSING
    assert MediaAsset.objects.get(pk=dead.pk).attempts == 2  # requeued and run again (tasks are eager here)


def test_alone_every_unfinished_job_is_requeued(local_broker):
    recent = job(5)
    signal_handlers.local_worker_start()
    assert MediaAsset.objects.get(pk=recent.pk).attempts == 2


def test_workers_on_a_real_broker_leave_this_to_the_sweeper(settings, tmp_path):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    recent = job(5)
    signal_handlers.local_worker_start()
    assert MediaAsset.objects.get(pk=recent.pk).attempts == 1
