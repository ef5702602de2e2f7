"""Connected in ResourcesConfig.ready()."""
from django.db.models import Sum
from django.db.models.signals import post_save
from wagtail.signals import published

from accounts.models import User
from media_pipeline.quotas import school_bytes_kept

from . import previews
from .models import Resource
from .services import user_groups_sync


def resource_published(sender, instance, **kwargs):
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


def connect():
    published.connect(resource_published, sender=Resource, dispatch_uid="resources.resource_published")
    post_save.connect(user_saved, sender=User, dispatch_uid="resources.user_saved")
    school_bytes_kept.connect(school_bytes, dispatch_uid="resources.school_bytes")
