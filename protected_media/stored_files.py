"""The files in the media and private storages as a whole, for media_migrate and media_orphans: which names are
stored (`stored_files`), and which of them something still refers to (`media_references`, `private_references`).

A name is referred to when a row holds it: any FileField of any model (a resource's attachment and captions,
Wagtail's images, renditions and documents, avatars, files posted in 教研 threads) and the same fields in the
revisions of models that have them (a teacher's change waiting for moderation is a revision, not the row); a
resource's preview pages; an asset's ladder (`hls/<uid>/`), its original when that is a name in the media
storage, and while it is queued or being made its work folders (`work/<uid>/` and, on this machine's disk, the
staging folders beside the ladder).
"""
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from wagtail.models import Revision, RevisionMixin

from core import media_storage
from media_pipeline import pipeline, publishing
from media_pipeline.models import MediaAsset
from resources.models import Resource


@dataclass
class References:
    """Names something refers to: whole names, and folders (`hls/<uid>`) whose every file is referred to."""

    names: set = field(default_factory=set)
    folders: set = field(default_factory=set)  # always two levels deep: "hls/<uid>", "work/<uid>"

    def __contains__(self, name):
        return name in self.names or "/".join(name.split("/", 2)[:2]) in self.folders


def nested_prefix(outer, inner) -> str | None:
    """The folder of `outer` that holds `inner`'s files, when one storage lies inside the other (research files
    under "private/" of the media bucket when KEXIANG_PRIVATE_BUCKET_NAME is not set); "" when both are the
    same place; None when they are apart."""
    outer_root, inner_root = media_storage.local_root(outer), media_storage.local_root(inner)
    if outer_root is not None and inner_root is not None:
        try:
            inside = inner_root.resolve().relative_to(outer_root.resolve())
        except ValueError:
            return None
        return "" if str(inside) == "." else inside.as_posix()
    if outer_root is not None or inner_root is not None or outer.bucket_name != inner.bucket_name:
        return None
    outer_location, inner_location = outer.location.strip("/"), inner.location.strip("/")
    if outer_location == inner_location:
        return ""
    if not outer_location:
        return inner_location
    if inner_location.startswith(outer_location + "/"):
        return inner_location[len(outer_location) + 1:]
    return None


def stored_files(storage, *, leave_out=None):
    """(name, size, modified) of every file in `storage`, but those under the folder `leave_out` (another
    storage's files) and the folder markers some S3 tools write."""
    for name, size, modified in media_storage.walk(storage):
        if name.endswith("/") or (leave_out and (name + "/").startswith(leave_out + "/")):
            continue
        yield name, size, modified


def is_temporary(name: str) -> bool:
    """A file being written (core.media_storage writes `.<name>.part` and renames it)."""
    base = os.path.basename(name)
    return base.startswith(".") and base.endswith(".part")


def is_safe(name: str) -> bool:
    """A relative name that stays inside its storage's folder."""
    return bool(name) and not name.startswith("/") and "\\" not in name and ".." not in name.split("/")


def _file_fields():
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        private = [f.name for f in model._meta.concrete_fields
                   if isinstance(f, models.FileField) and f.storage is media_storage.private_media]
        if fields:
            yield model, [name for name in fields if name not in private], private


def _field_names(model, names, into):
    for name in names:
        into.update(n for n in model._base_manager.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True})
                    .values_list(name, flat=True).iterator() if n)
    if names and issubclass(model, RevisionMixin):
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        for row in (Revision.objects.filter(content_type=content_type)
                    .values_list(*[f"content__{name}" for name in names]).iterator()):
            into.update(n for n in row if isinstance(n, str) and n)


def media_references() -> References:
    """What rows refer to in the media storage (read each time: call it before walking the storage)."""
    found = References()
    for model, media, _private in _file_fields():
        _field_names(model, media, found.names)
    for pages in Resource.objects.exclude(preview_pages=[]).values_list("preview_pages", flat=True).iterator():
        found.names.update(n for n in pages or () if isinstance(n, str))
    unfinished = (MediaAsset.State.QUEUED, MediaAsset.State.PROCESSING)
    for uid, source_path, state in MediaAsset.objects.values_list("uid", "source_path", "state").iterator():
        found.folders.add(f"hls/{uid}")
        if source_path and not os.path.isabs(source_path):
            found.names.add(source_path)
        if state in unfinished:  # chunks in the bucket; on disk, the ladder built beside its folder
            found.folders.add(f"{publishing.WORK}/{uid}")
            found.folders.update(folder.as_posix() for folder in pipeline.staging_dirs(Path(f"hls/{uid}")).values())
    return found


def private_references() -> References:
    """What rows refer to in the private storage (files posted in 教研 threads)."""
    found = References()
    for model, _media, private in _file_fields():
        _field_names(model, private, found.names)
    return found
