from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm
from wagtail.users.forms import UserCreationForm, UserEditForm

from .phone import normalize_phone

KEXIANG_USER_FIELDS = ["full_name", "phone", "role", "school"]


class _PhoneCleaningMixin:
    """Kexiang's user fields in Wagtail's forms: one full name and a phone, no required first/last name or e-mail."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):  # many rural teachers have no e-mail address
            if name in self.fields:
                self.fields[name].required = False

    def clean_phone(self):
        value = self.cleaned_data.get("phone")
        if not value:
            return None
        phone = normalize_phone(value)
        if not phone:
            raise forms.ValidationError(_("Enter an 11-digit mainland mobile number, such as 13800138000."))
        return phone


class KexiangUserCreationForm(_PhoneCleaningMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | set(KEXIANG_USER_FIELDS)


class KexiangUserEditForm(_PhoneCleaningMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | set(KEXIANG_USER_FIELDS)


class SignInForm(AuthenticationForm):
    """The site's sign-in form: one field takes a username or a mobile number."""

    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "inputmode": "text"}),
    )
    error_messages = {
        "invalid_login": _("The username/mobile number or password is wrong. Check them and try again."),
        "inactive": _("This account is disabled. Ask your school admin to enable it."),
    }


class AdminLoginForm(WagtailLoginForm):
    """The Wagtail admin's sign-in, saying that a mobile number works too."""

    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"placeholder": _("Enter password")})
    )
    error_messages = {**WagtailLoginForm.error_messages, "invalid_login": SignInForm.error_messages["invalid_login"]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or mobile number")
        self.fields["username"].widget.attrs["placeholder"] = _("Username or mobile number")
