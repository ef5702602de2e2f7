"""Reads of mentoring (师徒结对): a group's mentorships, a mentorship's apprentices and guidance logs, and
each apprentice's observed lessons with the score trend.

Who sees a mentorship (research.permissions.mentorship_can_read): the mentor, the apprentices, the members
of its group, and superusers; anyone else gets a 404 from the views.
"""
import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from ..models import Apprenticeship, Mentorship, ObservationRecord
from ..permissions import groups_readable_q
from .observations import observation_records_scored


def mentorship_list(*, group):
    return (Mentorship.objects.filter(group=group).select_related("mentor")
            .prefetch_related("apprenticeships__apprentice").order_by("-starts_on", "-id"))


def mentorship_apprentices(*, mentorship):
    """(direct, radiated) apprenticeships, each in the order added."""
    rows = list(mentorship.apprenticeships.select_related("apprentice").order_by("id"))
    return [a for a in rows if a.is_direct], [a for a in rows if not a.is_direct]


def guidance_logs(*, mentorship):
    return mentorship.logs.select_related("author", "apprentice").order_by("-month", "-id")


def apprentice_records(*, apprentice, viewer):
    """The submitted observation records of lessons `apprentice` taught that `viewer` may read (records of
    groups they belong to, with the same blind-scoring rule as the group's record list), newest first,
    with `total`, `max_total` and `percent`."""
    records = ObservationRecord.objects.filter(teacher=apprentice, submitted_at__isnull=False)
    if not viewer.is_superuser:
        own = ObservationRecord.objects.filter(observer=viewer, review=OuterRef("review"))
        blind_ok = (Q(review__isnull=True) | Q(observer=viewer)
                    | Q(Exists(own.filter(submitted_at__isnull=False)))
                    | (Q(review__teacher=viewer) & ~Q(Exists(own))))
        readable = groups_readable_q(user=viewer) | (Q(group__isnull=True) & (Q(observer=viewer) | Q(teacher=viewer)))
        records = records.filter(readable).filter(blind_ok)
    return (observation_records_scored(records).select_related("observer", "group", "subject")
            .order_by("-observed_on", "-id"))


@dataclass
class TrendPoint:
    record: object
    day: datetime.date
    percent: float
    x: float = 0
    y: float = 0


@dataclass
class Trend:
    """The score trend of one apprentice: percent per record, oldest first, with coordinates for a
    small SVG line (`width` × `height`, 0 % at the bottom, 100 % at the top)."""

    points: list = field(default_factory=list)
    width: int = 300
    height: int = 90
    pad: int = 8

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def values(self) -> list[float]:
        return [p.percent for p in self.points]

    def y_of(self, percent):
        return self.pad + (100 - percent) / 100 * (self.height - 2 * self.pad)

    @property
    def gridlines(self):
        return [(label, round(self.y_of(label), 1)) for label in (100, 50, 0)]


def score_trend(records) -> Trend:
    """Records with `percent` (observation_records_scored) → a Trend in date order; unscored ones are left out."""
    ordered = sorted((r for r in records if r.percent is not None), key=lambda r: (r.observed_on, r.pk))
    trend = Trend()
    span = trend.width - 2 * trend.pad - 24  # room on the left for the 0/50/100 labels
    for index, record in enumerate(ordered):
        percent = round(float(record.percent), 1)
        x = trend.pad + 24 + (span * index / (len(ordered) - 1) if len(ordered) > 1 else span / 2)
        trend.points.append(TrendPoint(record=record, day=record.observed_on, percent=percent, x=x, y=trend.y_of(percent)))
    return trend


@dataclass
class ApprenticeView:
    apprenticeship: Apprenticeship
    records: list
    trend: Trend


def apprentice_views(*, mentorship, viewer, limit=50) -> list[ApprenticeView]:
    views = []
    direct, radiated = mentorship_apprentices(mentorship=mentorship)
    for apprenticeship in direct + radiated:
        records = list(apprentice_records(apprentice=apprenticeship.apprentice, viewer=viewer)[:limit])
        views.append(ApprenticeView(apprenticeship=apprenticeship, records=records, trend=score_trend(records)))
    return views
