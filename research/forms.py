"""Forms of research pages that are read by Django forms: scheduling a series, and the leader's edit of an
occurrence."""
import datetime
import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resources.selectors import resource_list_visible

from .models import ActivityKind, ActivitySeries, GroupMembership

RESOURCE_IDS = re.compile(r"(?:/resources/)?(\d{1,9})(?:/|\b)")


class ScheduleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ActivityKind.choices, initial=ActivityKind.SUBJECT_GROUP)
    frequency = forms.ChoiceField(label=gettext_lazy("Repeats"), choices=ActivitySeries.Frequency.choices)
    starts_on = forms.DateField(label=gettext_lazy("First date"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("Last date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=gettext_lazy("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(label=gettext_lazy("Duration (minutes)"), min_value=10, max_value=600, initial=90)
    location = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False,
                               help_text=gettext_lazy("A room, or the online meeting's link"))
    agenda = forms.CharField(label=gettext_lazy("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    skip_dates = forms.CharField(
        label=gettext_lazy("Dates to leave out"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Holidays and exam weeks: one date a line, like 2026-10-01"),
    )

    def clean_skip_dates(self):
        dates = []
        for line in self.cleaned_data["skip_dates"].replace(",", "\n").replace("，", "\n").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                dates.append(datetime.date.fromisoformat(line))
            except ValueError:
                raise forms.ValidationError(_("“%(value)s” is not a date like 2026-10-01.") % {"value": line[:20]}) from None
        return dates


class ActivityEditForm(forms.Form):
    """The leader's edit of an occurrence (research.services.activities.activity_update). The page sends it
    whole (with `edit_form`), and the minutes alone from a smaller form, so a field that was not sent
    leaves the activity as it is (None in cleaned_data): a checkbox and a multi-select send nothing when
    empty, so the published flag and the presenters change only with the whole form. Nothing sent is an
    error: ids of people not in the group, resources the leader may not see and a number of units outside
    1–99 are left out."""

    edit_form = forms.CharField(required=False, widget=forms.HiddenInput)
    agenda = forms.CharField(required=False, strip=False, widget=forms.Textarea)
    minutes = forms.CharField(required=False, strip=False, widget=forms.Textarea)
    location = forms.CharField(required=False, strip=False)
    resources = forms.CharField(required=False, strip=False, widget=forms.Textarea,
                                help_text=gettext_lazy("Resource links or numbers, one a line"))
    presenters = forms.Field(required=False, widget=forms.SelectMultiple)
    units = forms.CharField(required=False, strip=False)
    is_published = forms.BooleanField(required=False)

    def __init__(self, *args, activity, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity, self.user = activity, user

    def _sent(self, name):
        return name in self.data

    def clean_agenda(self):
        return self.cleaned_data["agenda"] if self._sent("agenda") else None

    def clean_minutes(self):
        return self.cleaned_data["minutes"] if self._sent("minutes") else None

    def clean_location(self):
        return self.cleaned_data["location"] if self._sent("location") else None

    def clean_resources(self):
        if not self._sent("resources"):
            return None
        # Only what the leader may see in the library is linked.
        wanted = {int(n) for n in RESOURCE_IDS.findall(self.cleaned_data["resources"])}
        return list(resource_list_visible(user=self.user).filter(pk__in=wanted))

    def clean_presenters(self):
        if not self._sent("edit_form"):
            return None
        members = set(GroupMembership.objects.filter(group=self.activity.group).values_list("user_id", flat=True))
        return [int(v) for v in self.cleaned_data["presenters"] or () if v.isdecimal() and int(v) in members]

    def clean_units(self):
        units = self.cleaned_data["units"]
        return int(units) if units.isdecimal() and 0 < int(units) < 100 else None

    def clean_is_published(self):
        return self.cleaned_data["is_published"] if self._sent("edit_form") else None

    def activity_changes(self) -> dict:
        """The keyword arguments of activity_update."""
        return {name: self.cleaned_data[name]
                for name in ("agenda", "minutes", "location", "is_published", "presenters", "units", "resources")}
