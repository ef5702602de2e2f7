from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache

from core.media_storage import StorageUnavailable
from core.storage import storage_failed

from . import tus
from .exceptions import UploadError
from .models import MediaAsset
from .selectors import media_asset_payload
from .services import media_asset_create_from_upload


def _asset_for(request, uid):
    # Only the uploader follows the job; anyone else gets 404, not a hint that it exists.
    return get_object_or_404(MediaAsset, uid=uid, owner=request.user)


@never_cache
@login_required
def asset_progress(request, uid):
    """GET /api/v1/media/<uid>/progress: the transcode's state and percentage, for the uploader."""
    return JsonResponse(media_asset_payload(asset=_asset_for(request, uid)))


@login_required
def asset_status(request, uid):
    """The uploader's page for one recording: a progress bar that follows the JSON endpoint."""
    asset = _asset_for(request, uid)
    return render(request, "media_pipeline/asset_status.html",
                  {"asset": asset, "payload": media_asset_payload(asset=asset), "resource": asset.resources.first()})


@never_cache
@login_required
def asset_for_upload(request, upload_id):
    """GET /api/v1/media/by-upload/<upload id>: the asset a finished upload became (404 until then)."""
    asset = MediaAsset.objects.filter(upload_id=upload_id, owner=request.user).first()
    if asset is None:
        # The upload finished but its asset was never made (the process died between the two):
        # make it now rather than lose the teacher's recording.
        try:
            upload = tus.upload_get(upload_id=upload_id, user=request.user)
        except UploadError as exc:
            raise Http404 from exc
        if not upload.is_complete:
            raise Http404
        try:
            media_asset_create_from_upload(upload=upload)
        except StorageUnavailable as error:  # kept here: asked again, the original goes into storage then
            storage_failed("media storage", error)
            return JsonResponse({"error": gettext(error.user_message), "retry": True}, status=503)
        asset = get_object_or_404(MediaAsset, upload_id=upload_id, owner=request.user)
    status_url = reverse("media_pipeline:status", args=[asset.uid])
    return JsonResponse({**media_asset_payload(asset=asset), "status_url": status_url})


def upload_texts():
    """What an upload page says while the file goes up (read by its script from a JSON data block)."""
    return {"uploading": gettext("Uploading…"), "checking": gettext("Checking the file…"),
            "retrying": gettext("Network problem: retrying…")}


@login_required
def upload_page(request):
    """Upload a lesson recording from a phone: resumable, with progress, then transcoding progress."""
    return render(request, "media_pipeline/upload.html", {"upload_texts": upload_texts()})
