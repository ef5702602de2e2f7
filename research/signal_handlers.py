"""Connected in ResearchConfig.ready()."""
import logging

from django.db import transaction
from django.db.models import Sum
from django.db.models.signals import post_delete

from core import media_storage
from media_pipeline.quotas import school_bytes_kept

from .models import PostAttachment

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


def connect():
    school_bytes_kept.connect(school_bytes, dispatch_uid="research.school_bytes")
    post_delete.connect(post_attachment_deleted, sender=PostAttachment, dispatch_uid="research.post_attachment_deleted")
