from django import forms
from django.utils.translation import gettext_lazy as _

from research.models import Notification

from .models import Mode


class PreferencesForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), required=False, max_length=254,
                             help_text=_("Empty: no e-mail at all."))

    def __init__(self, *args, modes=None, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Notification.Kind.choices:
            self.fields[f"kind_{kind}"] = forms.ChoiceField(label=label, choices=Mode.choices, widget=forms.RadioSelect,
                                                            initial=(modes or {}).get(kind, Mode.DIGEST))

    def modes(self):
        return {kind: self.cleaned_data[f"kind_{kind}"] for kind in Notification.Kind.values}

    def kind_fields(self):
        return [self[f"kind_{kind}"] for kind in Notification.Kind.values]
