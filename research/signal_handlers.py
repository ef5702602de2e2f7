"""Connected in ResearchConfig.ready()."""
from django.db.models import Sum

from media_pipeline.quotas import school_bytes_kept

from .models import PostAttachment


def school_bytes(sender, school, teacher_ids, **kwargs):
    # A school's storage quota counts the files its teachers posted in 教研 threads.
    return PostAttachment.objects.filter(post__author_id__in=teacher_ids).aggregate(n=Sum("size"))["n"] or 0


def connect():
    school_bytes_kept.connect(school_bytes, dispatch_uid="research.school_bytes")
