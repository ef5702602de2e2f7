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

from .models import Notification, PostAttachment

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
    task_approved.connect(moderation_result, dispatch_uid="research.moderation_approved")
    task_rejected.connect(moderation_result, dispatch_uid="research.moderation_rejected")
    post_delete.connect(post_attachment_deleted, sender=PostAttachment, dispatch_uid="research.post_attachment_deleted")
