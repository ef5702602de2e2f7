"""The one Celery app. Settings come from Django settings under the CELERY_ namespace."""
import fcntl
import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from kombu import Connection, Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("kexiang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The whole beat schedule lives here (STYLE.md).
app.conf.beat_schedule = {
    "sweep-stuck-transcodes": {"task": "media_pipeline.tasks.sweep_stuck_transcodes", "schedule": 300.0},
    "expire-abandoned-uploads": {"task": "media_pipeline.tasks.expire_abandoned_uploads", "schedule": 1800.0},
    "replay-search-outbox": {"task": "search.tasks.replay_search_outbox", "schedule": 60.0},
    "sweep-stuck-previews": {"task": "resources.tasks.sweep_stuck_previews", "schedule": 600.0},
    "send-activity-reminders": {"task": "research.tasks.send_activity_reminders", "schedule": 900.0},
    "sweep-dropped-live-lessons": {"task": "live.tasks.sweep_dropped_live_lessons", "schedule": 60.0},
    "deliver-notifications": {"task": "outbox.tasks.deliver_notifications", "schedule": 60.0},
    "expire-people-import-lists": {"task": "roster.tasks.expire_import_lists", "schedule": 3600.0},
    # 07:00 by CELERY_TIMEZONE (the site's TIME_ZONE, Beijing): the morning's digest of the day before
    "send-notification-digests": {"task": "outbox.tasks.send_digests", "schedule": crontab(hour=7, minute=0)},
}


@app.task(name="kexiang.ping")
def ping():
    """Round trip used by health checks and the broker integration test."""
    return "pong"


def _ensure_local_broker_dirs(sender=None, **kwargs):
    """The filesystem transport needs its folders before a worker or producer touches them."""
    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    if settings.CELERY_BROKER_URL == "filesystem://":
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            if options.get(key):
                os.makedirs(options[key], exist_ok=True)
        backend = getattr(settings, "CELERY_RESULT_BACKEND", "")
        if backend.startswith("file://"):
            os.makedirs(backend.removeprefix("file://"), exist_ok=True)
        queues = {settings.CELERY_TASK_DEFAULT_QUEUE,
                  *(route["queue"] for route in getattr(settings, "CELERY_TASK_ROUTES", {}).values())}
        local_broker_prepare(options, queues)


def local_broker_prepare(options, queue_names):
    """kombu's filesystem transport keeps each exchange's bindings in a JSON file that it creates without a lock
    (open, which empties it, then lock): a process that publishes while another creates it reads it empty and
    fails (JSONDecodeError: a 500 after the teacher's save was committed). So every process makes the files
    first, one process at a time under a lock of ours; later binds find them and lock before reading."""
    with open(Path(options["control_folder"]).parent / "control.lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        with Connection("filesystem://", transport_options=options) as connection:
            channel = connection.default_channel
            for name in sorted(queue_names):  # as Celery makes a missing queue: a direct exchange of its name
                Queue(name, Exchange(name, type="direct"), routing_key=name)(channel).declare()


app.on_after_configure.connect(_ensure_local_broker_dirs)
