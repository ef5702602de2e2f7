"""Routes of the lesson-review (评课) and observation-record (听课记录) pages, in the "research" namespace.
Placeholders until the pages exist; the names are what research/group_base.html links."""
from django.http import Http404
from django.urls import path


def _not_yet(request, **kwargs):
    raise Http404


urlpatterns = [
    path("groups/<int:group_id>/reviews/", _not_yet, name="reviews"),
    path("reviews/<int:review_id>/", _not_yet, name="review"),
    path("groups/<int:group_id>/observations/", _not_yet, name="observations"),
]
