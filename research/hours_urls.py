"""Routes of the workload-hours (课时) and pairing-ledger (帮扶台账) pages, in the "research" namespace.
No url arguments: the semester, school, pairing or teacher are in the query string (research/views/hours.py,
research/views/ledger.py)."""
from django.urls import path

from .views import hours, ledger

urlpatterns = [
    path("hours/", hours.hours_page, name="hours"),
    path("ledger/", ledger.ledger_page, name="ledger"),
    path("ledger/export.xlsx", ledger.ledger_export, name="ledger_export"),
]
