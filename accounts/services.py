"""Writes for schools and people."""
from django.contrib.auth.models import Group
from django.db import transaction

from .models import School, SchoolPairing, User


def user_create(*, username, password, full_name="", phone=None, role=User.Role.TEACHER, school=None, **extra) -> User:
    user = User(username=username, full_name=full_name, phone=phone or None, role=role, school=school, **extra)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def school_pairing_create(*, supporting: School, supported: School, starts_on, ends_on=None, programme="") -> SchoolPairing:
    pairing = SchoolPairing(
        supporting=supporting, supported=supported, starts_on=starts_on, ends_on=ends_on, programme=programme
    )
    pairing.full_clean()
    pairing.save()
    return pairing


REVIEWER_ROLES = (User.Role.SCHOOL_ADMIN, User.Role.DISTRICT_RESEARCHER)


def user_groups_sync(*, user: User) -> None:
    """School admins and district researchers review resources in the Wagtail admin; others do not."""
    from resources.services import REVIEWERS_GROUP, review_setup_ensure

    group = Group.objects.filter(name=REVIEWERS_GROUP).first()
    reviewer = user.role in REVIEWER_ROLES and user.is_active
    if group is None and reviewer:
        review_setup_ensure()
        group = Group.objects.get(name=REVIEWERS_GROUP)
    if group is None:
        return
    if reviewer:
        user.groups.add(group)
    else:
        user.groups.remove(group)
