"""Writes of mentoring (师徒结对): a mentor with up to two direct apprentices and any number of radiated ones
(辐射), and their monthly guidance logs (指导记录).

The group's leader sets a mentorship up and adds apprentices (so can the mentor); the mentor, the apprentices
and the leader write guidance logs (research.permissions).
"""
import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from ..exceptions import MentoringError, NotAllowedError
from ..models import Apprenticeship, GuidanceLog, Mentorship
from ..permissions import (
    is_member,
    mentorship_can_log,
    mentorship_can_manage,
    require_mentorship_creator,
    require_mentorship_reader,
)

MAX_DIRECT = 2


def _too_many_direct():
    return MentoringError(_("A mentor can have at most two direct apprentices; add the others as radiated apprentices."))


def _unique(users) -> list:
    seen, result = set(), []
    for person in users:
        if person is not None and person.pk not in seen:
            seen.add(person.pk)
            result.append(person)
    return result


@transaction.atomic
def mentorship_create(*, group, user, mentor, starts_on, ends_on=None, goals="", direct=(), radiated=()) -> Mentorship:
    """A mentorship in `group`, set up by its leader. `direct` (at most two) and `radiated` are users."""
    require_mentorship_creator(user=user, group=group)
    if mentor is None:
        raise MentoringError(_("Choose the mentor."))
    direct, radiated = _unique(direct), _unique(radiated)
    if len(direct) > MAX_DIRECT:
        raise _too_many_direct()
    if {u.pk for u in direct} & {u.pk for u in radiated}:
        raise MentoringError(_("Someone is both a direct and a radiated apprentice; choose one for each person."))
    people = [mentor] + direct + radiated
    if any(not is_member(user=person, group=group) for person in people):
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


@transaction.atomic
def apprentice_add(*, mentorship, user, apprentice, is_direct=True) -> Apprenticeship:
    """Add an apprentice (the mentor or the group's leader); a third direct apprentice is refused."""
    require_mentorship_reader(user=user, mentorship=mentorship)
    if not mentorship_can_manage(user=user, mentorship=mentorship):
        raise NotAllowedError(_("Only the mentor or the group's leader can add apprentices."))
    if apprentice is None:
        raise MentoringError(_("Choose the apprentice to add."))
    if apprentice.pk == mentorship.mentor_id:
        raise MentoringError(_("The mentor cannot also be their own apprentice."))
    if mentorship.group_id and not is_member(user=apprentice, group=mentorship.group):
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
    require_mentorship_reader(user=user, mentorship=mentorship)
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
