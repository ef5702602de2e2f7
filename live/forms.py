import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LiveLesson


class LiveLessonForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    scheduled_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    audience = forms.ChoiceField(label=_("Who may watch"), choices=LiveLesson.Audience.choices,
                                 initial=LiveLesson.Audience.GROUP)
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=None, required=False,
                                      empty_label=_("None (a lesson of its own)"))

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.now()
        self.fields["activity"].queryset = group.activities.filter(ends_at__gte=now - datetime.timedelta(days=1)) \
            .order_by("starts_at")
        if not self.is_bound:
            self.initial.setdefault("scheduled_at", timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"))
