"""Passwords without e-mail: until the site sends e-mail, a teacher who forgot their password asks their school
admin or a district researcher, who gives them a temporary one here.

- A school admin resets the teachers, group leaders and viewers of their own school; a district researcher
  those of any school and school admins too. Nobody resets a peer's of the same rank, a superuser's, a
  researcher's, anyone's with admin rights of their own (is_staff) or their own. Superusers reset anyone's.
- The new password chosen after a temporary one must differ from it (whoever gave it knows it).
- The temporary password is shown once to the one who reset it; the person must choose their own at the next
  sign-in (User.must_change_password, enforced by config.middleware.PasswordChangeRequiredMiddleware). The old
  password and every session signed in with it stop working at once, and a sign-in lock-out is lifted.
- Each reset leaves an audit line: an entry "kexiang.password_reset" in Wagtail's history (who, whose, when)
  and a line in the log.
"""
import logging
import secrets

from axes.models import AccessAttempt
from django.db import transaction
from django.db.models import Q
from wagtail.log_actions import log

from .models import User

logger = logging.getLogger(__name__)
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read out over the phone
RESET_ACTION = "kexiang.password_reset"


def password_reset_allowed(*, actor) -> bool:
    return actor.is_authenticated and actor.is_active and (
        actor.is_superuser or actor.role == User.Role.DISTRICT_RESEARCHER
        or (actor.role == User.Role.SCHOOL_ADMIN and actor.school_id is not None))


def people_for_password_reset(*, actor, query=""):
    """The people `actor` may give a temporary password, matching `query` (name, username or phone)."""
    if not password_reset_allowed(actor=actor):
        return User.objects.none()
    people = User.objects.exclude(pk=actor.pk)
    if not actor.is_superuser:
        reachable = [User.Role.TEACHER, User.Role.GROUP_LEADER, User.Role.VIEWER]
        if actor.role == User.Role.DISTRICT_RESEARCHER:
            reachable.append(User.Role.SCHOOL_ADMIN)
        people = people.filter(is_superuser=False, is_staff=False, role__in=reachable)
        if actor.role != User.Role.DISTRICT_RESEARCHER:
            people = people.filter(school_id=actor.school_id)
    query = (query or "").strip()[:50]
    if query:
        people = people.filter(Q(full_name__icontains=query) | Q(username__icontains=query) | Q(phone__contains=query))
    return people.select_related("school").order_by("full_name", "username")


def temporary_password() -> str:
    return "-".join("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3))


@transaction.atomic
def password_reset_by_staff(*, actor, user) -> str:
    """Give `user` a temporary password and return it; PermissionError when `actor` may not."""
    if not people_for_password_reset(actor=actor).filter(pk=user.pk).exists():
        raise PermissionError(f"{actor.pk} may not reset the password of {user.pk}")
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    AccessAttempt.objects.filter(username=user.username).delete()
    log(instance=user, action=RESET_ACTION, user=actor, data={"by": actor.username, "for": user.username})
    logger.warning("password of %s (%s) reset by %s (%s)", user.username, user.pk, actor.username, actor.pk)
    return password


def password_changed(*, user) -> None:
    """The person chose their own password: no more temporary one."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
