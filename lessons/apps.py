from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LessonsConfig(AppConfig):
    """Micro-lessons and recorded lessons with their player pages (built on media_pipeline)."""

    name = "lessons"
    verbose_name = _("Lessons")
