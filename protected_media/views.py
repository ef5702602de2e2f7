"""GET /media/<name> and Wagtail's /documents/<id>/<name>: a stored file, to whoever may see what it belongs to
(access.py decides)."""
from django.http import Http404
from django.views.decorators.http import require_http_methods
from wagtail.documents import get_document_model
from wagtail.documents.models import document_served

from core.sending import send_file

from .access import document_file, media_file


@require_http_methods(["GET", "HEAD"])
def media(request, name):
    stored = media_file(name)
    # Someone who may not read a file gets the same 404 as for a file that does not exist.
    if stored is None or not stored.readable_by(request.user):
        raise Http404
    return send_file(request, stored)


@require_http_methods(["GET", "HEAD"])
def document(request, document_id, document_filename):
    """Wagtail's document URL (/documents/<id>/<name>), served by the same rule as every other file."""
    Document = get_document_model()
    doc = Document.objects.filter(pk=document_id).first()
    if doc is None or doc.filename != document_filename:
        raise Http404
    stored = document_file(doc)
    if not stored.readable_by(request.user):
        raise Http404
    document_served.send(sender=Document, instance=doc, request=request)
    return send_file(request, stored, filename=doc.filename)
