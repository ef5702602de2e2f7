"""Connected in ResourcesConfig.ready()."""
import logging
import posixpath

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.signals import post_delete, post_save
from wagtail.models import Revision
from wagtail.signals import published

from accounts.models import User
from core import media_storage
from media_pipeline.quotas import school_bytes_kept

from . import previews
from .models import Resource
from .services import resource_also_chapters_set, user_groups_sync

log = logging.getLogger(__name__)


def resource_published(sender, instance, **kwargs):
    # The published revision's other-edition chapters (Resource.ALSO_CHAPTERS_KEY) become the row's.
    if instance.pending_also_chapter_ids is not None:
        resource_also_chapters_set(resource=instance, chapter_ids=instance.pending_also_chapter_ids)
    # An approved revision with another file than the row had: make that file's pages.
    if instance.attachment and instance.preview_state == Resource.PreviewState.PENDING:
        previews.resource_preview_request(resource=instance)


def user_saved(sender, instance, raw=False, **kwargs):
    # Whatever saved the user (the admin, a command, user_create), their role decides their groups.
    if not raw:
        user_groups_sync(user=instance)


def school_bytes(sender, school, **kwargs):
    # A school's storage quota counts its resources' files.
    return Resource.objects.filter(school=school).aggregate(n=Sum("size_bytes"))["n"] or 0


def resource_deleted(sender, instance, **kwargs):
    # Its files go once the deletion is committed (not if it is rolled back).
    files = [name for name in (instance.attachment.name, instance.captions.name) if name]
    pages = [name for name in instance.preview_pages or () if isinstance(name, str) and name]
    if files or pages:
        transaction.on_commit(lambda: resource_files_delete(files=files, pages=pages), robust=True)


def resource_files_delete(*, files, pages):
    """A deleted resource's attachment, captions and preview pages, but those another resource still uses (a
    copy shares its original's files) or a revision names. A file the storage fails to delete stays, logged:
    `manage.py media_orphans` finds it later."""
    storage = media_storage.media_storage()
    revisions = Revision.objects.filter(content_type=ContentType.objects.get_for_model(Resource))
    for name in files:
        if (Resource.objects.filter(Q(attachment=name) | Q(captions=name)).exists()
                or revisions.filter(Q(content__attachment=name) | Q(content__captions=name)).exists()):
            continue
        _file_delete(storage, name)
    used = set()
    for folder in {posixpath.dirname(name) for name in pages}:
        for others in Resource.objects.filter(preview_pages__icontains=f"{folder}/").values_list("preview_pages",
                                                                                                   flat=True):
            used.update(others or ())
    for name in pages:
        if name not in used:
            _file_delete(storage, name)


def _file_delete(storage, name):
    try:
        media_storage.delete_file(storage, name)
    except OSError as error:
        log.warning("could not delete %s of a deleted resource (media_orphans will list it): %s", name, error)


def connect():
    published.connect(resource_published, sender=Resource, dispatch_uid="resources.resource_published")
    post_save.connect(user_saved, sender=User, dispatch_uid="resources.user_saved")
    post_delete.connect(resource_deleted, sender=Resource, dispatch_uid="resources.resource_deleted")
    school_bytes_kept.connect(school_bytes, dispatch_uid="resources.school_bytes")
