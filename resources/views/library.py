"""The library's reader pages: a resource, its download, my uploads and the prep folder (备课夹)."""
import re

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.media_storage import StorageUnavailable, storage_errors
from core.sending import send_file, unavailable
from core.text import as_id, bounded_query
from media_pipeline.models import MediaAsset
from media_pipeline.selectors import media_asset_payload
from resources.files import resource_file

from ..documents import extension_of
from ..models import PrepItem, Resource, Stage, Subject
from ..selectors import related_resources, resource_list_visible, resource_readable_through_others
from ..services import (
    prep_item_toggle,
    resource_moderation_status,
    resource_moderation_statuses,
    resource_record_download,
    resource_record_view,
)

DETAIL_RELATED = ("stage", "grade", "subject", "edition", "volume", "textbook", "chapter", "school", "uploaded_by",
                  "media_asset")


def resource_list(request):
    """Browse by 学段/学科 with a plain title filter. Full search is the search app's job."""
    resources = resource_list_visible(user=request.user).select_related("stage", "grade", "subject", "edition", "volume")
    stage = Stage.objects.filter(code=request.GET.get("stage", "")).first()
    subject_id = request.GET.get("subject", "")
    subject = Subject.objects.filter(pk=as_id(subject_id)).first() if as_id(subject_id) else None
    query = bounded_query(request.GET.get("q"))
    if stage:
        resources = resources.filter(stage=stage)
    if subject:
        resources = resources.filter(subject=subject)
    if query:
        for word in query.split():
            resources = resources.filter(Q(title__icontains=word) | Q(lesson_title__icontains=word) | Q(textbook_title__icontains=word))
    page = Paginator(resources.order_by("-created_at", "-id"), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "resources/resource_list.html",
        {"page": page, "stage": stage, "subject": subject, "query": query, "stages": Stage.objects.all()},
    )


def _visible_resource(request, pk):
    # Someone who may not see a resource gets the same 404 as for one that does not exist.
    resource = resource_list_visible(user=request.user).select_related(*DETAIL_RELATED).filter(pk=pk).first()
    if resource is None:  # (a group reviewing its video lets its members read it, whichever school shared it)
        resource = Resource.objects.select_related(*DETAIL_RELATED).filter(pk=pk).first()
        if resource is None or not resource_readable_through_others(user=request.user, resource=resource):
            raise Http404
    return resource


def status_payload(resource):
    """What the uploader follows while the video is transcoded and the previews are made."""
    return {
        "preview_state": resource.preview_state,
        "preview_label": str(resource.get_preview_state_display()),
        "preview_error": gettext(resource.preview_error) if resource.preview_error else None,
        "preview_pages": len(resource.preview_pages or []),
        "media": media_asset_payload(asset=resource.media_asset) if resource.media_asset_id else None,
    }


def resource_detail(request, pk):
    resource = _visible_resource(request, pk)
    resource_record_view(resource=resource)
    is_owner = request.user.is_authenticated and resource.uploaded_by_id == request.user.pk
    moderation_state, moderation_comment = resource_moderation_status(resource=resource) if is_owner else (None, "")
    in_prep = request.user.is_authenticated and PrepItem.objects.filter(user=request.user, resource=resource).exists()
    pack_items = resource.pack_items.filter(item__in=resource_list_visible(user=request.user)).select_related("item", "item__grade", "item__subject") if resource.is_pack else []
    return render(request, "resources/resource_detail.html", {
        "resource": resource, "is_owner": is_owner, "moderation_state": moderation_state, "moderation_comment": moderation_comment,
        "in_prep": in_prep, "related": related_resources(resource=resource, user=request.user),
        "pack_items": pack_items, "status": status_payload(resource),
        "preview_urls": [resource.attachment.storage.url(name) for name in resource.preview_pages or []],
    })


@never_cache
def resource_status(request, pk):
    """GET /resources/<pk>/status.json: transcode and preview progress, for the page to follow."""
    return JsonResponse(status_payload(_visible_resource(request, pk)))


def download_filename(resource):
    """“标题（作者 · CC BY-NC-SA 4.0）.pptx”: the attribution travels with the file."""
    extension = extension_of(resource.attachment.name)
    credit = "、".join(resource.authors or []) or str(resource.school or "")
    licence = resource.licence_info.name if resource.licence_info else ""
    note = " · ".join(part for part in (credit, licence) if part)
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", resource.title).strip()[:120] or "resource"
    return f"{stem}（{note}）.{extension}" if note else f"{stem}.{extension}"


def _is_a_new_download(request, response) -> bool:
    """A download to count: a GET answered with the file from its first byte. Not a HEAD, a 304, or the later
    parts a download manager or a resumed download asks for (Range: bytes=N- with N > 0)."""
    wanted = request.headers.get("Range", "").replace(" ", "")
    # 302: from object storage the file comes by a presigned link (core.sending)
    return (request.method == "GET" and response.status_code in (200, 206, 302)
            and (not wanted or wanted.startswith("bytes=0-")))


def resource_download(request, pk):
    resource = _visible_resource(request, pk)
    if resource.attachment:
        try:
            with storage_errors("find an attachment"):
                there = resource.attachment.storage.exists(resource.attachment.name)
        except StorageUnavailable as error:
            return unavailable(error)
        if not there:
            raise Http404(gettext("The file of this resource is missing. Tell the uploader or an admin."))
        response = send_file(request, resource_file(resource, resource.attachment.name, "attachment"),
                             as_attachment=True, filename=download_filename(resource))
        response["Cache-Control"] = "private, no-cache"  # each download is counted: no cache answers for us
        if _is_a_new_download(request, response):
            resource_record_download(resource=resource)
        if resource.licence_info:
            response["Link"] = f'<{resource.licence_info.url}>; rel="license"'
        return response
    if resource.file.startswith(("https://", "http://")):
        if request.method == "GET":
            resource_record_download(resource=resource)
        return HttpResponseRedirect(resource.file)
    raise Http404(gettext("This resource has no file to download."))


@require_POST
@login_required
def prep_toggle(request, pk):
    resource = _visible_resource(request, pk)
    added = prep_item_toggle(user=request.user, resource=resource)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"in_prep": added})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = resource.get_absolute_url()
    return redirect(target)


@login_required
def prep_folder(request):
    visible = resource_list_visible(user=request.user)
    items = (PrepItem.objects.filter(user=request.user, resource__in=visible)
             .select_related("resource", "resource__grade", "resource__subject"))
    return render(request, "resources/prep_folder.html", {"items": items})


@login_required
def my_uploads(request):
    resources = (Resource.objects.filter(uploaded_by=request.user)
                 .select_related("media_asset", "grade", "subject").order_by("-created_at", "-id"))
    page = Paginator(resources, 20).get_page(request.GET.get("page"))
    moderations = resource_moderation_statuses(resources=list(page))
    rows = [{"resource": r, "moderation": moderations.get(r.pk, (None, "")), "status": status_payload(r)} for r in page]
    # Recordings uploaded on their own (/my/media/upload/, a live lesson's replay) that are no resource yet.
    recordings = (MediaAsset.objects.filter(owner=request.user, resources__isnull=True).order_by("-created_at")[:20]
                  if page.number == 1 else [])
    return render(request, "resources/my_uploads.html", {"page": page, "rows": rows, "recordings": recordings})
