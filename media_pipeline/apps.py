from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaPipelineConfig(AppConfig):
    """Upload intake, ffprobe, the FFmpeg HLS ladder, posters and their Celery tasks."""

    name = "media_pipeline"
    verbose_name = _("Media pipeline")

    def ready(self):
        from . import checks  # noqa: F401  registers the system checks
        from . import signal_handlers

        signal_handlers.connect()
