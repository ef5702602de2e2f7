"""Writes for schools and people."""
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
