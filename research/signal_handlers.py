"""Connected in ResearchConfig.ready()."""
import logging

from django.db import transaction
from django.db.models import Sum
from django.db.models.signals import post_delete
from django.utils.translation import gettext as _
from wagtail.models import TaskState
from wagtail.signals import task_approved, task_rejected

from core import media_storage
from media_pipeline.quotas import school_bytes_kept

from resources.models import Resource
from resources.signals import resource_readers

from .models import Notification, PostAttachment
from .permissions import asset_readable_in_groups

log = logging.getLogger(__name__)


def school_bytes(sender, school, teacher_ids, **kwargs):
    # A school's storage quota counts the files its teachers posted in 教研 threads.
    return PostAttachment.objects.filter(post__author_id__in=teacher_ids).aggregate(n=Sum("size"))["n"] or 0


def post_attachment_deleted(sender, instance, **kwargs):
    # Its file goes once the deletion is committed (not if it is rolled back).
    name = instance.file.name
    if name:
        transaction.on_commit(lambda: post_attachment_file_delete(name=name), robust=True)


def post_attachment_file_delete(*, name):
    try:
        media_storage.delete_file(media_storage.private_storage(), name)
    except OSError as error:
        log.warning("could not delete %s of a deleted post attachment (media_orphans will list it): %s", name, error)


def resource_read_in_groups(sender, user, resource, **kwargs):
    # A video a teacher brings into a group's 评课 (or a 磨课 round) is watched there by the group's members,
    # whichever school shared it and however narrowly (本校): they read its resource's pages and files too.
    return resource.media_asset_id is not None and asset_readable_in_groups(user=user, asset=resource.media_asset)


def moderation_result(sender, instance, user=None, **kwargs):
    """A reviewer approved a resource or sent it back: its uploader hears it, with the reviewer's comment."""
    resource = instance.workflow_state.content_object
    if not isinstance(resource, Resource) or not resource.uploaded_by_id:
        return
    comment = (instance.comment or "").strip()
    if instance.status == TaskState.STATUS_APPROVED:
        text = _("“%(title)s” was approved and is public now.") % {"title": resource.title}
    else:
        text = _("“%(title)s” was sent back for changes.") % {"title": resource.title}
    if comment:
        text += " " + _("Reviewer: %(comment)s") % {"comment": comment}
    Notification.objects.create(user_id=resource.uploaded_by_id, kind=Notification.Kind.RESOURCE, text=text[:300],
                                url=resource.get_absolute_url())


def connect():
    school_bytes_kept.connect(school_bytes, dispatch_uid="research.school_bytes")
    resource_readers.connect(resource_read_in_groups, dispatch_uid="research.resource_read_in_groups")
    task_approved.connect(moderation_result, dispatch_uid="research.moderation_approved")
    task_rejected.connect(moderation_result, dispatch_uid="research.moderation_rejected")
    post_delete.connect(post_attachment_deleted, sender=PostAttachment, dispatch_uid="research.post_attachment_deleted")
