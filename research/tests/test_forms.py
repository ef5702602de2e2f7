"""research.forms.ActivityEditForm: what the leader's edit of an occurrence reads from the page."""
import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from research.forms import ActivityEditForm
from research.services.activities import activity_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(people):
    starts_at = timezone.now() + datetime.timedelta(days=1)
    return activity_create(group=people.group, user=people.leader, title="集体备课", starts_at=starts_at,
                           ends_at=starts_at + datetime.timedelta(hours=1))


def changes(activity, user, data):
    form = ActivityEditForm(QueryDict(data), activity=activity, user=user)
    assert form.is_valid(), form.errors
    return form.activity_changes()


def test_what_was_not_sent_is_left_as_it_is(activity, people):
    assert changes(activity, people.leader, "minutes=%E7%BA%AA%E8%A6%81") == {
        "agenda": None, "minutes": "纪要", "location": None, "is_published": None, "presenters": None,
        "units": None, "resources": None,
    }


def test_the_whole_form_unticks_and_empties_and_keeps_what_was_typed_as_typed(activity, people):
    sent = changes(activity, people.leader, "edit_form=1&agenda=+%E8%AF%B4%E8%AF%BE+&location=&units=3")
    assert sent["agenda"] == " 说课 " and sent["location"] == "" and sent["units"] == 3
    assert sent["is_published"] is False and sent["presenters"] == []


def test_people_outside_the_group_and_units_out_of_range_are_left_out(activity, people):
    outsider = UserFactory(username="outsider2")
    data = f"edit_form=1&is_published=on&presenters={people.guest.pk}&presenters={outsider.pk}&presenters=x"
    for units in ("0", "100", "two", "²"):
        sent = changes(activity, people.leader, f"{data}&units={units}")
        assert sent["presenters"] == [people.guest.pk] and sent["is_published"] is True and sent["units"] is None
