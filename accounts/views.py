"""Passwords without e-mail (accounts/password_reset.py): the page a teacher who forgot theirs reads, the list a
school admin or researcher resets from, and the page where a temporary password is replaced."""
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from core.text import bounded_query

from .models import User
from .password_reset import (
    password_changed, password_reset_allowed, password_reset_by_staff, people_for_password_reset,
)


@require_safe
def password_forgot(request):
    return render(request, "accounts/password_forgot.html")


@login_required
@require_safe
def people(request):
    if not password_reset_allowed(actor=request.user):
        raise PermissionDenied
    query = bounded_query(request.GET.get("q"), chars=50)
    found = people_for_password_reset(actor=request.user, query=query)
    return render(request, "accounts/people.html", {"people": found[:50], "more": found.count() > 50, "query": query})


@login_required
@require_POST
@never_cache
def password_reset(request, user_id):
    if not password_reset_allowed(actor=request.user):
        raise PermissionDenied
    person = get_object_or_404(User, pk=user_id)
    try:
        password = password_reset_by_staff(actor=request.user, user=person)
    except PermissionError:
        raise PermissionDenied from None
    return render(request, "accounts/password_reset_done.html", {"person": person, "password": password})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Choose a new password (and the one a temporary password must be replaced on)."""

    template_name = "accounts/password_change.html"

    def get_success_url(self):
        wanted = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts={self.request.get_host()},
                                               require_https=self.request.is_secure())
        return wanted if wanted and safe else "/"

    def form_valid(self, form):
        if self.request.user.must_change_password and form.cleaned_data["old_password"] == \
                form.cleaned_data["new_password1"]:
            form.add_error("new_password1", _("Choose a password of your own, not the temporary one you were given."))
            return self.form_invalid(form)
        response = super().form_valid(form)
        password_changed(user=self.request.user)
        messages.success(self.request, _("Your new password is saved."))
        return response


class SignOutView(auth_views.LogoutView):
    """Signing out of a session the district's CAS opened signs out of the cloud too, then comes back home: on a
    school office's shared computer the next teacher's "sign in with the district" must not walk into the
    previous one's account."""

    def post(self, request, *args, **kwargs):
        from django.conf import settings  # noqa: PLC0415  (read per request: tests switch it)
        from django.contrib.auth import BACKEND_SESSION_KEY  # noqa: PLC0415
        from django_cas_ng.utils import get_cas_client  # noqa: PLC0415

        through_cas = request.session.get(BACKEND_SESSION_KEY, "").endswith("DistrictCasBackend")
        response = super().post(request, *args, **kwargs)
        if through_cas and settings.KEXIANG_CAS_ENABLED:
            home = request.build_absolute_uri(settings.LOGOUT_REDIRECT_URL)
            return redirect(get_cas_client(service_url=home, request=request).get_logout_url(home))
        return response


class SignInView(auth_views.LoginView):
    """The password sign-in, and the district's single sign-on beside it when it is configured."""

    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs):
        from django.conf import settings  # noqa: PLC0415  (read per request: tests switch it)

        return {**super().get_context_data(**kwargs), "sso_enabled": settings.KEXIANG_SSO_ENABLED,
                "cas_enabled": settings.KEXIANG_CAS_ENABLED, "sso_name": settings.KEXIANG_SSO_NAME}
