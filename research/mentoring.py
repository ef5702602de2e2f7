"""Mentoring (师徒结对): a mentor with up to two direct apprentices and any number of radiated ones (辐射),
their goals, monthly guidance logs (指导记录), and each apprentice's observed lessons with the score trend.

Who sees a mentorship: the mentor, the apprentices, the members of its group, and superusers; anyone else
gets a 404 from the views. The group's leader sets a mentorship up and adds apprentices (so can the mentor);
the mentor, the apprentices and the leader write guidance logs.
"""
import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from .exceptions import NotAllowedError, NotAMemberError, ResearchError
from .models import Apprenticeship, GroupMembership, GuidanceLog, Mentorship, ObservationRecord
from .selectors import group_can_manage, group_can_read, groups_readable_q, observation_records_scored

MAX_DIRECT = 2


class MentoringError(ResearchError):
    """A mentorship change that cannot be saved as sent."""


def _too_many_direct():
    return MentoringError(_("A mentor can have at most two direct apprentices; add the others as radiated apprentices."))


def _is_member(*, user, group) -> bool:
    return GroupMembership.objects.filter(group=group, user=user).exists()


# -- who may do what ---------------------------------------------------------------------------

def mentorship_can_read(*, user, mentorship) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or mentorship.mentor_id == user.pk:
        return True
    if mentorship.group_id and group_can_read(user=user, group=mentorship.group):
        return True
    return mentorship.apprenticeships.filter(apprentice=user).exists()


def mentorship_can_manage(*, user, mentorship) -> bool:
    """Add apprentices: the mentor, the group's leader, superusers."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or mentorship.mentor_id == user.pk:
        return True
    return bool(mentorship.group_id) and group_can_manage(user=user, group=mentorship.group)


def mentorship_can_log(*, user, mentorship) -> bool:
    """Write guidance logs: the mentor, the apprentices, the group's leader, superusers."""
    return mentorship_can_manage(user=user, mentorship=mentorship) or (
        user.is_authenticated and mentorship.apprenticeships.filter(apprentice=user).exists()
    )


# -- writes ------------------------------------------------------------------------------------

@transaction.atomic
def mentorship_create(*, group, user, mentor, starts_on, ends_on=None, goals="", direct=(), radiated=()) -> Mentorship:
    """A mentorship in `group`, set up by its leader. `direct` (at most two) and `radiated` are users."""
    if not group_can_read(user=user, group=group):
        raise NotAMemberError(_("Only members of this group can do that."))
    if not group_can_manage(user=user, group=group):
        raise NotAllowedError(_("Only the group's leader can set up a mentorship. Ask them to add it."))
    if mentor is None:
        raise MentoringError(_("Choose the mentor."))
    direct, radiated = _unique(direct), _unique(radiated)
    if len(direct) > MAX_DIRECT:
        raise _too_many_direct()
    if {u.pk for u in direct} & {u.pk for u in radiated}:
        raise MentoringError(_("Someone is both a direct and a radiated apprentice; choose one for each person."))
    people = [mentor] + direct + radiated
    if any(not _is_member(user=person, group=group) for person in people):
        raise MentoringError(_("The mentor and the apprentices must be members of the group."))
    if mentor.pk in {u.pk for u in direct + radiated}:
        raise MentoringError(_("The mentor cannot also be their own apprentice."))
    if starts_on is None:
        raise MentoringError(_("Give the date the mentorship starts."))
    if ends_on is not None and ends_on < starts_on:
        raise MentoringError(_("The end date is before the start date."))
    mentorship = Mentorship(mentor=mentor, group=group, starts_on=starts_on, ends_on=ends_on, goals=(goals or "").strip())
    mentorship.full_clean()
    mentorship.save()
    for apprentice in direct:
        Apprenticeship.objects.create(mentorship=mentorship, apprentice=apprentice, is_direct=True)
    for apprentice in radiated:
        Apprenticeship.objects.create(mentorship=mentorship, apprentice=apprentice, is_direct=False)
    return mentorship


def _unique(users) -> list:
    seen, result = set(), []
    for person in users:
        if person is not None and person.pk not in seen:
            seen.add(person.pk)
            result.append(person)
    return result


@transaction.atomic
def apprentice_add(*, mentorship, user, apprentice, is_direct=True) -> Apprenticeship:
    """Add an apprentice (the mentor or the group's leader); a third direct apprentice is refused."""
    if not mentorship_can_read(user=user, mentorship=mentorship):
        raise NotAMemberError(_("Only members of this group can do that."))
    if not mentorship_can_manage(user=user, mentorship=mentorship):
        raise NotAllowedError(_("Only the mentor or the group's leader can add apprentices."))
    if apprentice is None:
        raise MentoringError(_("Choose the apprentice to add."))
    if apprentice.pk == mentorship.mentor_id:
        raise MentoringError(_("The mentor cannot also be their own apprentice."))
    if mentorship.group_id and not _is_member(user=apprentice, group=mentorship.group):
        raise MentoringError(_("The mentor and the apprentices must be members of the group."))
    Mentorship.objects.select_for_update().filter(pk=mentorship.pk).first()
    if mentorship.apprenticeships.filter(apprentice=apprentice).exists():
        raise MentoringError(_("%(name)s is already an apprentice of this mentor.") % {"name": apprentice})
    if is_direct and mentorship.apprenticeships.filter(is_direct=True).count() >= MAX_DIRECT:
        raise _too_many_direct()
    return Apprenticeship.objects.create(mentorship=mentorship, apprentice=apprentice, is_direct=is_direct)


def month_parse(text) -> datetime.date | None:
    """"2025-10" (what <input type=month> sends) or a full date → the first day of that month."""
    text = (text or "").strip()
    try:
        if len(text) == 7:
            return datetime.date(int(text[:4]), int(text[5:7]), 1)
        day = datetime.date.fromisoformat(text)
        return day.replace(day=1)
    except ValueError:
        return None


def guidance_log_add(*, mentorship, user, month, content, apprentice=None) -> GuidanceLog:
    """A monthly guidance record; `month` is any day of the month (kept as its first day)."""
    if not mentorship_can_read(user=user, mentorship=mentorship):
        raise NotAMemberError(_("Only members of this group can do that."))
    if not mentorship_can_log(user=user, mentorship=mentorship):
        raise NotAllowedError(_("Only the mentor, the apprentices and the group's leader can write guidance logs."))
    if month is None:
        raise MentoringError(_("Choose the month of the guidance."))
    content = (content or "").strip()
    if not content:
        raise MentoringError(_("Write what was done in the guidance before saving."))
    if apprentice is not None and not mentorship.apprenticeships.filter(apprentice=apprentice).exists():
        raise MentoringError(_("That person is not an apprentice of this mentorship; choose again."))
    log = GuidanceLog(mentorship=mentorship, month=month.replace(day=1), author=user, apprentice=apprentice, content=content)
    log.full_clean()
    log.save()
    return log


# -- reads -------------------------------------------------------------------------------------

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
