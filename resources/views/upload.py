"""Share a resource from a phone (the file goes up resumably (tus) while the teacher fills in the metadata), and
change or delete what one shared: its details, its file, who sees it."""
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.text import as_id
from media_pipeline.models import MediaAsset
from media_pipeline.views import upload_texts

from ..exceptions import ResourceUploadError, StorageUnavailableError
from ..forms import ResourceEditForm, ResourceFromRecordingForm, ResourceUploadForm
from ..licences import DEFAULT_LICENCE
from ..models import Grade, Resource, Stage, Subject
from ..services import (
    resource_create_from_upload,
    resource_create_from_video,
    resource_delete,
    resource_moderation_status,
    resource_update,
)

logger = logging.getLogger(__name__)


def _file_error(error):
    """The sentence for the teacher from any of the library's file errors (they all carry `user_message`)."""
    message = getattr(error, "user_message", None)
    return str(message) if message else None


def _saved_message(request, resource, asked):
    if resource.visibility == Resource.Visibility.PAIRING and asked == Resource.Visibility.PUBLIC:
        messages.success(request, _("Saved. Your school and its paired schools see it now; it goes public once "
                                    "a reviewer approves it."))
    elif resource.visibility != asked and resource.school_id:
        messages.success(request, _("Saved. It is visible to your school now and goes public once a reviewer approves it."))
    elif resource.visibility != asked:
        messages.success(request, _("Saved. Only you can see it until a reviewer approves it for everyone."))
    else:
        messages.success(request, _("Saved."))


def _form_page(request, form, *, file_error=None, keep_upload=True, status=200, **context):
    chosen = form["chapter"].value() if form.is_bound else form.initial.get("chapter")
    return render(request, "resources/upload.html", {
        "form": form, "file_error": file_error,
        "upload_id": form["upload_id"].value() if "upload_id" in form.fields and form.is_bound and keep_upload else "",
        "chosen_chapter": form.fields["chapter"].queryset.filter(pk=chosen).first() if as_id(chosen) else None,
        "stages": Stage.objects.all(), "grades": Grade.objects.select_related("stage"), "subjects": Subject.objects.all(),
        "upload_texts": {**upload_texts(), "done": _("Uploaded."),
                         "empty": _("This file is empty (0 bytes). Choose another file."),
                         "broken": _("This file cannot become a lesson video. Choose another file.")},
        **context,
    }, status=status)


def _details(data):
    return {key: data[key] for key in ("title", "resource_type", "visibility", "licence", "chapter", "stage", "grade",
                                       "subject", "description", "tags")}


@login_required
def upload_page(request):
    form = ResourceUploadForm(request.POST or None)
    file_error, status, keep_upload = None, 200, True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resource = resource_create_from_upload(user=request.user, upload_id=data["upload_id"], **_details(data))
        except ValueError as error:
            file_error = _file_error(error)
            if file_error is None:
                raise
            status = 503 if isinstance(error, StorageUnavailableError) else 200
            keep_upload = isinstance(error, StorageUnavailableError)  # (a file refused for itself: choose another)
            logger.info("upload %s refused for %s: %r", data["upload_id"], request.user.pk, error)
        else:
            _saved_message(request, resource, data["visibility"])
            return redirect(resource.get_absolute_url())
    return _form_page(request, form, file_error=file_error, keep_upload=keep_upload, status=status)


def _own_resource(request, pk):
    # Someone else's resource, or none: the same 404 (the uploader's own tools are no hint that it exists).
    return get_object_or_404(Resource.objects.select_related("chapter__textbook", "media_asset"), pk=pk,
                             uploaded_by=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def edit_page(request, pk):
    """/resources/<pk>/edit/: the uploader changes the details, who sees it, or the file (a new upload)."""
    resource = _own_resource(request, pk)
    moderation, comment = resource_moderation_status(resource=resource)
    initial = ResourceEditForm.initial_for(resource)
    if moderation in ("in_progress", "needs_changes"):
        initial["visibility"] = Resource.Visibility.PUBLIC  # (what she asked for, waiting or sent back)
    initial["licence"] = initial["licence"] or DEFAULT_LICENCE
    form = ResourceEditForm(request.POST or None, initial=initial)
    file_error, status, keep_upload = None, 200, True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resource = resource_update(resource=resource, user=request.user, upload_id=data["upload_id"],
                                       **_details(data))
        except ValueError as error:
            file_error = _file_error(error)
            if file_error is None:
                raise
            status = 503 if isinstance(error, StorageUnavailableError) else 200
            keep_upload = isinstance(error, StorageUnavailableError)
            logger.info("edit of resource %s refused for %s: %r", pk, request.user.pk, error)
        else:
            _saved_message(request, resource, data["visibility"])
            return redirect(resource.get_absolute_url())
    return _form_page(request, form, file_error=file_error, keep_upload=keep_upload, status=status,
                      editing=resource, moderation=moderation, moderation_comment=comment)


@login_required
@require_http_methods(["GET", "POST"])
def delete_page(request, pk):
    """/resources/<pk>/delete/: asks once, then deletes the resource and its files (a video a group's review
    still holds stays in that review)."""
    resource = _own_resource(request, pk)
    if request.method == "POST":
        title = resource.title
        try:
            whole = resource_delete(resource=resource, user=request.user)
        except ResourceUploadError as error:
            messages.error(request, str(error.user_message))
            return redirect(resource.get_absolute_url())
        if whole:
            messages.success(request, _("“%(title)s” is deleted.") % {"title": title})
        else:
            messages.success(request, _("“%(title)s” is deleted from the library. Its video stays where a research "
                                        "group still uses it.") % {"title": title})
        return redirect("resources:mine")
    return render(request, "resources/resource_delete.html", {"resource": resource})


@login_required
@require_http_methods(["GET", "POST"])
def share_recording(request, uid):
    """/resources/share/<uid>/: a recording uploaded on its own becomes a resource (its file is there already)."""
    asset = get_object_or_404(MediaAsset, uid=uid, owner=request.user)
    existing = asset.resources.first()
    if existing is not None:
        return redirect(existing.get_absolute_url())
    if asset.state == MediaAsset.State.FAILED:
        raise Http404
    form = ResourceFromRecordingForm(request.POST or None, initial={"title": asset.title,
                                                                    "resource_type": "micro_lesson"})
    file_error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resource = resource_create_from_video(user=request.user, asset=asset, **_details(data))
        except ResourceUploadError as error:
            file_error = str(error.user_message)
        else:
            _saved_message(request, resource, data["visibility"])
            return redirect(resource.get_absolute_url())
    return _form_page(request, form, file_error=file_error, recording=asset)
