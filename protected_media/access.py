"""Who may read which stored file: the one place that decides, for every kind of file.

A file is readable by whoever may see what it belongs to, by the same rules the pages use:
- a resource's attachment, page previews and captions: its resource (`resources.files`);
- a video's ladder (`hls/<uid>/…`: playlists, segments, poster, storyboard, slide stills): its owner, anyone
  who may see a resource showing it, and the members of a group reviewing or polishing it
  (`research.permissions.asset_readable_in_groups`);
- an image or document of the Wagtail library (in a lesson plan): whoever may see a resource or a live page
  that uses it, and people with admin access;
- a file posted in a 教研 thread: the thread's group members (`research.files`, sent by the thread's view);
- a live lesson's HLS (`live/<id>/…`, under KEXIANG_LIVE_ROOT) and its replay's ladder: whoever may watch the
  lesson (`live.selectors.live_can_watch`: the group, the pairing's schools, or everyone).
Anything else under the media root (half-made ladders, files nobody links) is not served at all.

`media_file(name)` finds what a name under MEDIA_ROOT belongs to. A file is *public* when anyone may read
it; public files are cacheable by browsers and proxies, the rest are private to the reader.
"""
import re
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex

from core.sending import LIVE, MEDIA, StoredFile
from live.models import LiveLesson
from live.selectors import live_can_watch
from media_pipeline.models import MediaAsset
from research.permissions import asset_readable_in_groups
from resources.files import resource_file, resource_is_public, resource_readable
from resources.models import Resource, ResourceModerationTask
from resources.selectors import resource_visible_q

_PREVIEW_RE = re.compile(r"^previews/(?:(?P<pk>\d+)-)?(?P<key>[0-9a-f]{32})/page-\d+\.jpg$")


# ---------------------------------------------------------------------------------------------------
# The owners' rules
# ---------------------------------------------------------------------------------------------------

def asset_is_public(asset) -> bool:
    return (asset.resources.filter(live=True, visibility=Resource.Visibility.PUBLIC).exists()
            or asset.live_lessons.filter(audience=LiveLesson.Audience.PUBLIC).exists())


def asset_readable(user, asset) -> bool:
    if user.is_authenticated and (user.is_superuser or asset.owner_id == user.pk):
        return True
    if any(live_can_watch(user=user, live=live) for live in asset.live_lessons.select_related("group__pairing")):
        return True  # the replay of a live lesson: whoever may watch the lesson
    if not user.is_authenticated:
        return False
    return asset.resources.filter(resource_visible_q(user)).exists() or asset_readable_in_groups(user=user, asset=asset)


def _library_users(obj):
    """Resources and live pages that use a Wagtail image or document (Wagtail's reference index)."""
    references = ReferenceIndex.get_references_to(obj)
    resource_ct, page_ct = ContentType.objects.get_for_model(Resource), ContentType.objects.get_for_model(Page)
    resource_ids = references.filter(base_content_type=resource_ct).values_list("object_id", flat=True)
    page_ids = references.filter(base_content_type=page_ct).values_list("object_id", flat=True)
    resources = Resource.objects.filter(pk__in=[int(i) for i in resource_ids if i.isdigit()])
    pages = Page.objects.filter(pk__in=[int(i) for i in page_ids if i.isdigit()], live=True)
    return resources, pages


def library_file_is_public(obj) -> bool:
    resources, pages = _library_users(obj)
    return pages.exists() or resources.filter(live=True, visibility=Resource.Visibility.PUBLIC).exists()


def library_file_readable(user, obj) -> bool:
    """Whoever may see a resource using it; its uploader (the admin shows it before it is used); those whose
    admin reaches every school; a school admin for the resources of their school (as the admin's own rule)."""
    if not user.is_authenticated:
        return False
    if ResourceModerationTask.reaches_every_school(user) or getattr(obj, "uploaded_by_user_id", None) == user.pk:
        return True
    resources, _pages = _library_users(obj)
    reach = resource_visible_q(user)
    if getattr(user, "role", "") == "school_admin" and user.school_id:
        reach |= Q(school_id=user.school_id)
    return resources.filter(reach).exists()


# ---------------------------------------------------------------------------------------------------
# From a name under MEDIA_ROOT to what it belongs to
# ---------------------------------------------------------------------------------------------------

def media_file(name: str) -> StoredFile | None:
    """What the file `name` (relative to MEDIA_ROOT, as in a /media/ URL) belongs to; None: not served."""
    if (not name or name.startswith("/") or "\\" in name or any(ord(c) < 32 for c in name)
            or any(part in ("", ".", "..") for part in name.split("/"))):
        return None
    head = name.split("/", 1)[0]
    finder = _FINDERS.get(head)
    return finder(name) if finder else None


def _ladder(name):
    parts = name.split("/")
    if len(parts) < 3:
        return None
    try:
        uid = uuid.UUID(parts[1])
    except ValueError:
        return None
    if str(uid) != parts[1]:  # "<uid>.partial", "<uid>.slides" and other work folders are never served
        return None
    asset = MediaAsset.objects.filter(uid=uid).only("pk", "owner_id").first()
    if asset is None:
        return None
    return StoredFile(MEDIA, name, "ladder", asset_is_public(asset), lambda user: asset_readable(user, asset))


def _resource_field(field, kind):
    def find(name):
        owners = list(Resource.objects.filter(**{field: name})[:20])  # a copied resource shares its file
        if not owners:
            return None
        return StoredFile(MEDIA, name, kind, any(resource_is_public(r) for r in owners),
                          lambda user: any(resource_readable(user, r) for r in owners))
    return find


def _preview(name):
    match = _PREVIEW_RE.match(name)
    if not match:
        return None
    if match["pk"]:
        candidates = Resource.objects.filter(pk=int(match["pk"]))
    else:  # made before previews carried their resource's id: look for the folder in the page lists
        candidates = Resource.objects.filter(preview_pages__icontains=f"previews/{match['key']}/")
    resource = next((r for r in candidates if name in (r.preview_pages or [])), None)
    return resource_file(resource, name, "preview") if resource else None


def _image(name):
    Image = get_image_model()
    image = Image.objects.filter(file=name).first()
    if image is None:
        rendition = Image.get_rendition_model().objects.filter(file=name).select_related("image").first()
        image = rendition.image if rendition else None
    if image is None:
        return None
    return StoredFile(MEDIA, name, "image", library_file_is_public(image), lambda user: library_file_readable(user, image))


def document_file(document) -> StoredFile:
    return StoredFile(MEDIA, document.file.name, "document", library_file_is_public(document),
                      lambda user: library_file_readable(user, document))


def _document(name):
    document = get_document_model().objects.filter(file=name).first()
    return document_file(document) if document else None


_LIVE_RE = re.compile(r"^live/(?P<pk>\d+)/(?P<file>master\.m3u8|[a-z0-9]+/(?:index\.m3u8|init\.mp4|seg_\d+\.m4s))$")


def _live(name):
    """A live lesson's playlists and segments; never its recordings or the muxing session's log."""
    match = _LIVE_RE.match(name)
    if not match:
        return None
    live = LiveLesson.objects.filter(pk=int(match["pk"])).select_related("group__pairing").first()
    if live is None:
        return None
    return StoredFile(LIVE, f"{live.pk}/{match['file']}", "live", live.audience == LiveLesson.Audience.PUBLIC,
                      lambda user: live_can_watch(user=user, live=live))


_FINDERS = {
    "live": _live,
    "hls": _ladder,
    "resources": _resource_field("attachment", "attachment"),
    "captions": _resource_field("captions", "captions"),
    "previews": _preview,
    "original_images": _image,
    "images": _image,
    "documents": _document,
}
