"""Reads of observation scales and records (听课记录): a scale's points by dimension, the records a member
may read (with the blind-scoring rule of research.selectors.reviews), their totals and totals per teacher."""
import datetime
from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Exists, F, FloatField, OuterRef, Q, Sum
from django.db.models.functions import Cast, NullIf
from django.utils.translation import gettext as _

from ..models import ObservationRecord, ScalePoint
from ..permissions import group_can_read


@dataclass
class Dimension:
    name: str
    points: list


def scale_dimensions(scale) -> list[Dimension]:
    """The scale's points grouped by dimension, in the scale's order."""
    groups = OrderedDict()
    for point in ScalePoint.objects.filter(scale=scale).order_by("position", "id"):
        groups.setdefault(point.dimension, []).append(point)
    return [Dimension(name, points) for name, points in groups.items()]


def observation_records_scored(records):
    """Observation records with `total` (points given) and `max_total` (points possible) annotated;
    `percent` is total / max_total. The one way records are totalled (per teacher, trends, ledgers)."""
    return records.annotate(
        total=Sum("scores__score"),
        max_total=Sum("scores__point__max_score"),
    ).annotate(
        percent=100.0 * Cast(F("total"), FloatField()) / NullIf(Cast(F("max_total"), FloatField()), 0.0)
    )


def observation_records_scored_one(record):
    """The record with `total`, `max_total` and `percent`, as observation_records_scored gives them."""
    return (observation_records_scored(ObservationRecord.objects.filter(pk=record.pk))
            .select_related("observer", "teacher", "subject", "review", "group", "scale").get())


def record_scores(record) -> dict:
    """{point id: ObservationScore} of a record."""
    return {score.point_id: score for score in record.scores.all()}


def observation_records_visible(*, group, user):
    """The group's records `user` may read: every submitted record, except others' scores of a reviewed
    lesson the user has still to score (blind scoring); and the user's own drafts."""
    mine = ObservationRecord.objects.filter(observer=user)
    submitted_by_user = mine.filter(review=OuterRef("review"), submitted_at__isnull=False)
    any_by_user = mine.filter(review=OuterRef("review"))
    blind_ok = (
        Q(review__isnull=True)
        | Q(Exists(submitted_by_user))
        | (Q(review__teacher=user) & ~Q(Exists(any_by_user)))
    )
    return ObservationRecord.objects.filter(group=group).filter(
        Q(observer=user) | (Q(submitted_at__isnull=False) & blind_ok)
    )


def observation_list(*, group, user):
    return (
        observation_records_scored(observation_records_visible(group=group, user=user))
        .select_related("observer", "teacher", "subject", "review")
        .order_by("-observed_on", "-id")
    )


def observation_get_readable(*, record_id, user):
    """The record, or None when `user` may not read it (not a member, another's draft, blind scoring)."""
    record = ObservationRecord.objects.select_related("group", "review", "scale").filter(pk=record_id).first()
    if record is None or record.group is None or not group_can_read(user=user, group=record.group):
        return None
    if not observation_records_visible(group=record.group, user=user).filter(pk=record.pk).exists():
        return None
    return record


@dataclass
class TeacherTotal:
    teacher: object  # a User, or None for a typed name
    name: str
    count: int
    average_percent: float | None
    last_observed: datetime.date | None


def observation_totals_per_teacher(*, group, user) -> list[TeacherTotal]:
    """Per teacher observed (a member, or a typed name): how many submitted records, and their average
    percent of the highest possible score (observation_records_scored)."""
    records = observation_records_scored(
        observation_records_visible(group=group, user=user).filter(submitted_at__isnull=False)
    ).select_related("teacher")
    totals = OrderedDict()
    for record in records:
        key = ("user", record.teacher_id) if record.teacher_id else ("name", record.teacher_name.strip())
        entry = totals.setdefault(key, {"teacher": record.teacher, "percents": [], "count": 0, "last": None,
                                        "name": str(record.teacher) if record.teacher else record.teacher_name.strip()})
        entry["count"] += 1
        if record.percent is not None:
            entry["percents"].append(record.percent)
        if entry["last"] is None or record.observed_on > entry["last"]:
            entry["last"] = record.observed_on
    result = [
        TeacherTotal(e["teacher"], e["name"] or _("(no name)"), e["count"],
                     round(sum(e["percents"]) / len(e["percents"]), 1) if e["percents"] else None, e["last"])
        for e in totals.values()
    ]
    return sorted(result, key=lambda t: (-t.count, t.name))
