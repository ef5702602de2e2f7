"""Plain helpers tests import (fixtures shared by every app are in the root conftest.py)."""
import datetime
from zoneinfo import ZoneInfo

from resources.models import Resource
from tests.factories import ResourceFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args):
    """A moment in Beijing time."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def resource(school, when, **kwargs):
    """A resource of `school` made at `when` (created_at is set on save, so it is changed after)."""
    made = ResourceFactory(school=school, **kwargs)
    Resource.objects.filter(pk=made.pk).update(created_at=when)
    return made
