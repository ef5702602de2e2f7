"""/notifications/email/: what a person receives by e-mail, per kind."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import PreferencesForm
from .services import preferences_of, preferences_save


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    form = PreferencesForm(request.POST or None, modes=preferences_of(user=request.user),
                           initial={"email": request.user.email})
    if request.method == "POST" and form.is_valid():
        preferences_save(user=request.user, email=form.cleaned_data["email"], modes=form.modes())
        messages.success(request, _("Saved. E-mail goes to %(email)s.") % {"email": form.cleaned_data["email"]}
                         if form.cleaned_data["email"] else _("Saved. Without an address you receive no e-mail."))
        return redirect("outbox:preferences")
    return render(request, "outbox/preferences.html", {"form": form})
