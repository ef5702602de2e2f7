"""Reads for the library."""
from django.db.models import Count, Q
from django.utils import timezone

from .models import Resource, Stage


def resource_visible_q(user):
    """The resources `user` may see: public ones, their own, and their school's when shared with it."""
    if user is None or not user.is_authenticated:
        return visible_q()
    school_id = user.school_id
    return visible_q(user_id=user.pk, school_id=school_id, pairing_school_ids=paired_school_ids(school_id) if school_id else ())


def visible_q(*, user_id=None, school_id=None, pairing_school_ids=()):
    """resource_visible_q from ids already looked up (search keeps them per request)."""
    shared = Q(visibility=Resource.Visibility.PUBLIC)
    if school_id:
        shared |= Q(visibility=Resource.Visibility.SCHOOL, school_id=school_id)
        shared |= Q(visibility=Resource.Visibility.PAIRING, school_id__in=list(pairing_school_ids))
    # A resource never published (a draft made in the admin) is its uploader's alone.
    query = Q(live=True) & shared
    if user_id:
        query |= Q(uploaded_by_id=user_id)
    return query


def paired_school_ids(school_id, day=None):
    """The school itself and every school paired with it on `day` (today by default)."""
    from accounts.models import SchoolPairing

    day = day or timezone.localdate()
    active = SchoolPairing.objects.filter(Q(supporting_id=school_id) | Q(supported_id=school_id), starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )
    ids = {school_id}
    for supporting_id, supported_id in active.values_list("supporting_id", "supported_id"):
        ids.update((supporting_id, supported_id))
    return ids


def resource_list_visible(*, user):
    return Resource.objects.filter(resource_visible_q(user))


def resource_list_latest(*, user, limit=10):
    return list(
        resource_list_visible(user=user)
        .select_related("subject", "grade", "stage")
        .order_by("-created_at", "-id")[:limit]
    )


def browse_tree(*, user=None):
    """Stages with their subjects and how many resources `user` may see in each."""
    counts = (
        resource_list_visible(user=user).filter(stage__isnull=False, subject__isnull=False)
        .values("stage_id", "subject_id", "subject__name", "subject__position")
        .annotate(n=Count("id"))
        .order_by("subject__position", "subject__name")
    )
    by_stage = {}
    for row in counts:
        by_stage.setdefault(row["stage_id"], []).append({"id": row["subject_id"], "name": row["subject__name"], "count": row["n"]})
    return [{"stage": stage, "subjects": by_stage.get(stage.pk, [])} for stage in Stage.objects.all()]


def related_resources(*, resource, user, limit=8):
    """Other resources of the same lesson the reader may see: the same chapter node, in this or another edition."""
    nodes = {resource.chapter_id} if resource.chapter_id else set()
    nodes.update(resource.also_chapters.values_list("pk", flat=True))
    if not nodes and not resource.lesson_title:
        return []
    same = Q(chapter_id__in=nodes) | Q(also_chapters__in=nodes) if nodes else Q(
        lesson_title=resource.lesson_title, subject_id=resource.subject_id)
    return list(
        resource_list_visible(user=user).filter(same).exclude(pk=resource.pk).distinct()
        .select_related("grade", "subject").order_by("-use_count", "-created_at")[:limit]
    )
