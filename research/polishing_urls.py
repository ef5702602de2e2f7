"""Routes of the polishing-round (磨课), parallel-lessons (同课异构) and mentoring pages, in the "research"
namespace. Placeholders until the pages exist; the names are what research/group_base.html links."""
from django.http import Http404
from django.urls import path


def _not_yet(request, **kwargs):
    raise Http404


urlpatterns = [
    path("groups/<int:group_id>/polishing/", _not_yet, name="polishing_list"),
    path("groups/<int:group_id>/mentoring/", _not_yet, name="mentoring"),
]
