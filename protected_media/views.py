"""GET /media/<name>: a stored file, to whoever may see what it belongs to (access.py decides)."""
from django.http import Http404
from django.views.decorators.http import require_http_methods

from .access import media_file
from .sending import send_file


@require_http_methods(["GET", "HEAD"])
def media(request, name):
    stored = media_file(name)
    # Someone who may not read a file gets the same 404 as for a file that does not exist.
    if stored is None or not stored.readable_by(request.user):
        raise Http404
    return send_file(request, stored)
