"""Upload a resource from a phone: the file goes up resumably (tus) while the teacher fills in the metadata."""
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.text import as_id
from media_pipeline.views import upload_texts

from ..exceptions import StorageUnavailableError
from ..forms import ResourceUploadForm
from ..models import Grade, Resource, Stage, Subject
from ..services import resource_create_from_upload

logger = logging.getLogger(__name__)


def _file_error(error):
    """The sentence for the teacher from any of the library's file errors (they all carry `user_message`)."""
    message = getattr(error, "user_message", None)
    return str(message) if message else None


@login_required
def upload_page(request):
    form = ResourceUploadForm(request.POST or None)
    file_error, status, keep_upload = None, 200, True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resource = resource_create_from_upload(
                user=request.user, upload_id=data["upload_id"], title=data["title"],
                resource_type=data["resource_type"], visibility=data["visibility"], licence=data["licence"],
                chapter=data["chapter"], stage=data["stage"], grade=data["grade"], subject=data["subject"],
                description=data["description"], tags=data["tags"],
            )
        except ValueError as error:
            file_error = _file_error(error)
            if file_error is None:
                raise
            status = 503 if isinstance(error, StorageUnavailableError) else 200
            keep_upload = isinstance(error, StorageUnavailableError)  # (a file refused for itself: choose another)
            logger.info("upload %s refused for %s: %r", data["upload_id"], request.user.pk, error)
        else:
            if resource.visibility == Resource.Visibility.PAIRING and data["visibility"] == Resource.Visibility.PUBLIC:
                messages.success(request, _("Saved. Your school and its paired schools see it now; it goes public once "
                                            "a reviewer approves it."))
            elif resource.visibility != data["visibility"] and resource.school_id:
                messages.success(request, _("Saved. It is visible to your school now and goes public once a reviewer approves it."))
            elif resource.visibility != data["visibility"]:
                messages.success(request, _("Saved. Only you can see it until a reviewer approves it for everyone."))
            else:
                messages.success(request, _("Saved."))
            return redirect(resource.get_absolute_url())
    chosen = form["chapter"].value() if form.is_bound else None
    return render(request, "resources/upload.html", {
        "form": form, "file_error": file_error,
        "upload_id": form["upload_id"].value() if form.is_bound and keep_upload else "",
        "chosen_chapter": form.fields["chapter"].queryset.filter(pk=chosen).first() if as_id(chosen) else None,
        "stages": Stage.objects.all(), "grades": Grade.objects.select_related("stage"), "subjects": Subject.objects.all(),
        "upload_texts": {**upload_texts(), "done": _("Uploaded."),
                         "empty": _("This file is empty (0 bytes). Choose another file."),
                         "broken": _("This file cannot become a lesson video. Choose another file.")},
    }, status=status)
