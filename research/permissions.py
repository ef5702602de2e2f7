"""Who may do what in teaching research: the one rule, and the checks services make before they write.

A group's members (leader, member, guest expert) see everything in it: activities, threads, posts,
files, lesson reviews, records. Anyone else sees only what the group published on its public page
(research.selectors.groups.public_activities) — and for a private group without published activities,
not even that the group exists (views answer 404, never 403). The leader schedules, moves and cancels
activities, edits minutes and sets up mentorships. Superusers may do everything.
"""
from django.db.models import Q
from django.utils.translation import gettext as _

from .exceptions import NotAllowedError, NotAMemberError
from .models import GroupMembership, LessonReview, PolishingRound


def member_role(*, user, group) -> str | None:
    """The user's role in the group, or None when they are not a member (kept on `user` for the request)."""
    if not user.is_authenticated:
        return None
    cache = getattr(user, "_kexiang_group_roles", None)
    if cache is None:
        cache = user._kexiang_group_roles = {}
    if group.pk not in cache:
        cache[group.pk] = GroupMembership.objects.filter(group=group, user=user).values_list("role", flat=True).first()
    return cache[group.pk]


def is_member(*, user, group) -> bool:
    """Whether `user` is in the group itself (a superuser is not): for the people an action names — the
    teacher of a lesson, an apprentice, someone signed in from the paper list — not for the one acting."""
    return GroupMembership.objects.filter(group=group, user=user).exists()


def group_can_read(*, user, group) -> bool:
    """Everything inside the group: members and superusers."""
    if user.is_authenticated and user.is_superuser:
        return True
    return member_role(user=user, group=group) is not None


def group_can_manage(*, user, group) -> bool:
    """Schedule, move and cancel activities, edit minutes, set up reviews and records: the leader."""
    if user.is_authenticated and user.is_superuser:
        return True
    return member_role(user=user, group=group) == GroupMembership.Role.LEADER


def groups_readable_q(*, user, field="group") -> Q:
    """A filter for rows whose group (at `field`, "pk" for groups themselves) the user may read."""
    if user.is_authenticated and user.is_superuser:
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(**{f"{field}__in": GroupMembership.objects.filter(user=user).values("group")})


def _not_a_member():
    return NotAMemberError(_("Only members of this group can do that."))


def require_member(*, user, group):
    """NotAMemberError (a 404 in views) unless `user` may read the group."""
    if not group_can_read(user=user, group=group):
        raise _not_a_member()


def require_leader(*, user, group, message=None):
    """require_member, then NotAllowedError (a 403 with `message`) unless `user` leads the group."""
    require_member(user=user, group=group)
    if not group_can_manage(user=user, group=group):
        raise NotAllowedError(message or _("Only the group's leader can do that. Ask them, or ask to be made a leader."))


def asset_readable_in_groups(*, user, asset) -> bool:
    """True when a group `user` may read reviews or polishes this video (评课, 磨课): its members watch it there."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return (LessonReview.objects.filter(groups_readable_q(user=user), asset=asset).exists()
            or PolishingRound.objects.filter(groups_readable_q(user=user, field="record__group"), asset=asset).exists())


# -- polishing (磨课) ------------------------------------------------------------------------------

def record_can_add_rounds(*, user, record) -> bool:
    """Add and edit a polishing record's rounds: the group's leader (or a superuser) and the record's teacher."""
    if not user.is_authenticated or not group_can_read(user=user, group=record.group):
        return False
    return group_can_manage(user=user, group=record.group) or (record.teacher_id is not None and record.teacher_id == user.pk)


def require_round_editor(*, user, record):
    """require_member, then NotAllowedError unless `user` may add and edit the record's rounds."""
    require_member(user=user, group=record.group)
    if not record_can_add_rounds(user=user, record=record):
        raise NotAllowedError(_("Only the teacher of this lesson or the group's leader can add or change its rounds."))


# -- mentoring (师徒结对) ---------------------------------------------------------------------------

def require_mentorship_creator(*, user, group):
    """The group's leader sets a mentorship up (require_leader, with what to do instead)."""
    require_leader(user=user, group=group, message=_("Only the group's leader can set up a mentorship. Ask them to add it."))


def mentorship_can_read(*, user, mentorship) -> bool:
    """The mentor, the apprentices, the members of its group, superusers."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or mentorship.mentor_id == user.pk:
        return True
    if mentorship.group_id and group_can_read(user=user, group=mentorship.group):
        return True
    return mentorship.apprenticeships.filter(apprentice=user).exists()


def require_mentorship_reader(*, user, mentorship):
    """NotAMemberError (a 404 in views) unless `user` may read the mentorship."""
    if not mentorship_can_read(user=user, mentorship=mentorship):
        raise _not_a_member()


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
