"""Who may read which report. One place for the semester figures (resources/figures.py), the workload hours
(research/hours.py) and the pairing ledger (research/ledger.py):

- **Figures**: school admins and research-group leaders their own school and the pairings it is in (ended
  ones too); district researchers and superusers every school and pairing; teachers and viewers none.
- **Hours**: everyone their own; a teacher's, a school's or a pairing's for those who may read the figures
  of that school or pairing (the same readers, the same schools and pairings).
- **Ledger** (帮扶台账): the school admins of the pairing's two schools, research-group leaders (the account's
  role, who read that pairing's hours already) of a group of the pairing, district researchers and superusers.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import School, SchoolPairing, User

FIGURES_READER_ROLES = (User.Role.SCHOOL_ADMIN, User.Role.GROUP_LEADER, User.Role.DISTRICT_RESEARCHER)
LEDGER_READER_ROLES = (User.Role.SCHOOL_ADMIN, User.Role.DISTRICT_RESEARCHER)


def _reader_in(user, roles) -> bool:
    """An active account that is a superuser or has one of `roles`."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.role in roles


def _sees_every_school(user) -> bool:
    """District researchers and superusers read every school and pairing (once they may read at all)."""
    return user.is_superuser or user.role == User.Role.DISTRICT_RESEARCHER


def _pairings_of_school(school_id) -> QuerySet[SchoolPairing]:
    return SchoolPairing.objects.select_related("supporting", "supported").filter(
        Q(supporting_id=school_id) | Q(supported_id=school_id)
    )


# --- Semester figures, and the hours of a school or pairing -------------------------------------------


def figures_reader_can_read(*, user) -> bool:
    """Whether `user` may read any figures at all (teachers and viewers may not)."""
    return _reader_in(user, FIGURES_READER_ROLES)


def figures_reader_sees_all(*, user) -> bool:
    return figures_reader_can_read(user=user) and _sees_every_school(user)


def figures_school_list(*, user) -> QuerySet[School]:
    """The schools whose figures (and hours table) `user` may read."""
    if figures_reader_sees_all(user=user):
        return School.objects.all()
    if figures_reader_can_read(user=user) and user.school_id:
        return School.objects.filter(pk=user.school_id)
    return School.objects.none()


def figures_pairing_list(*, user) -> QuerySet[SchoolPairing]:
    """The pairings whose figures (and hours table) `user` may read: every one, or those their school is in
    (ended ones too)."""
    if figures_reader_sees_all(user=user):
        return SchoolPairing.objects.select_related("supporting", "supported").all()
    if figures_reader_can_read(user=user) and user.school_id:
        return _pairings_of_school(user.school_id)
    return SchoolPairing.objects.none()


# --- One teacher's hours -------------------------------------------------------------------------------


def hours_reader_can_read_teacher(*, user, teacher: User) -> bool:
    """A teacher their own hours; a reader of figures those of the teachers in the schools and pairings
    they may read."""
    if not (user and user.is_authenticated):
        return False
    if user.pk == teacher.pk:
        return True
    if figures_reader_sees_all(user=user):
        return True
    if not (figures_reader_can_read(user=user) and user.school_id and teacher.school_id):
        return False
    if teacher.school_id == user.school_id:
        return True
    return figures_pairing_list(user=user).filter(
        Q(supporting_id=teacher.school_id) | Q(supported_id=teacher.school_id)
    ).exists()


# --- The pairing ledger --------------------------------------------------------------------------------


def _led_pairings(user) -> QuerySet[SchoolPairing]:
    """The pairings of the research groups `user` leads (a group's own role, whatever the account's role)."""
    return SchoolPairing.objects.filter(research_groups__memberships__user=user,
                                        research_groups__memberships__role="leader")


def ledger_reader_can_read(*, user) -> bool:
    """Whether `user` may read any ledger: school admins, leaders of a pairing's group, district researchers,
    superusers."""
    if _reader_in(user, LEDGER_READER_ROLES):
        return True
    # 教研组长s (the account's role, as for the hours of a pairing), and only of the pairings of groups they lead
    return _reader_in(user, (User.Role.GROUP_LEADER,)) and _led_pairings(user).exists()


def ledger_pairing_list(*, user) -> QuerySet[SchoolPairing]:
    """The pairings whose ledger `user` may read: all for district researchers and superusers, those of
    their own school for a school admin, those of the groups they lead for a group's leader."""
    if not ledger_reader_can_read(user=user):
        return SchoolPairing.objects.none()
    if _sees_every_school(user):
        return SchoolPairing.objects.select_related("supporting", "supported").all()
    readable = Q(pk__in=_led_pairings(user).values("pk"))
    if user.role == User.Role.SCHOOL_ADMIN and user.school_id:
        readable |= Q(supporting_id=user.school_id) | Q(supported_id=user.school_id)
    return SchoolPairing.objects.select_related("supporting", "supported").filter(readable)
