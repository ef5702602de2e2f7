from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """What the semester reports share: semesters, who may read which report, the query-string scope and
    the CSV/XLSX writers. No models; resources (semester figures) and research (hours, ledger) build on it."""

    name = "reports"
    verbose_name = _("Reports")
