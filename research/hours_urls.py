"""Routes of the workload-hours (课时) and pairing-ledger (帮扶台账) pages, in the "research" namespace.
Placeholders until the pages exist; the names are what research/group_base.html and the shell link."""
from django.http import Http404
from django.urls import path


def _not_yet(request, **kwargs):
    raise Http404


urlpatterns = [
    path("hours/", _not_yet, name="hours"),
    path("ledger/", _not_yet, name="ledger"),
]
