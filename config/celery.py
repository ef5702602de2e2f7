"""The one Celery app. Settings come from Django settings under the CELERY_ namespace."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("kexiang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The whole beat schedule lives here (STYLE.md); later issues add the sweeper.
app.conf.beat_schedule = {}


@app.task(name="kexiang.ping")
def ping():
    """Round trip used by health checks and the broker integration test."""
    return "pong"
