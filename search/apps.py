from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """Resource search: Elasticsearch documents and the database fallback."""

    name = "search"
    verbose_name = _("Search")

    def ready(self):
        from . import checks, signals  # noqa: F401
