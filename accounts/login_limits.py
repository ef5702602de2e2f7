"""Sign-ins that resist guessing (django-axes, with the attempts kept in the database every web process sees).

- One account: after KEXIANG_LOGIN_FAILURES_PER_ACCOUNT wrong passwords (default 10) it is locked for
  KEXIANG_LOGIN_LOCK_MINUTES (default 15), whatever address they came from. A username and the account's
  mobile number are one account here, so switching between them gains nothing.
- One address: after KEXIANG_LOGIN_FAILURES_PER_ADDRESS failures (default 30, for any accounts) it is locked
  too. Higher than per account: a school's teachers often share one address behind its router.
- A right password forgets that account's failures (not the address's others: see reset_user_attempts).
- While locked, even the right password does not sign in, and every try starts the wait again. The page says
  so in the reader's language (429). A superuser unlocks at /django-admin/axes/accessattempt/ (delete the
  rows) or with `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS`.
- A district sign-on refused (OpenID or CAS: no account matches) is not a failure: nothing was guessed.
- The address is REMOTE_ADDR, or behind KEXIANG_PROXY_COUNT trusted proxies (nginx: 1) the one the nearest
  of them saw in X-Forwarded-For; a visitor cannot choose it by sending that header.

The site's sign-in, the Wagtail admin's and the Django admin's all authenticate through Django, so axes'
backend (first in AUTHENTICATION_BACKENDS) and middleware cover them all.
"""
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.utils.translation import gettext as _

from .forms import SignInForm
from .models import User


def client_ip(request):
    """The visitor's address: REMOTE_ADDR, or what the nearest of KEXIANG_PROXY_COUNT proxies saw."""
    proxies = settings.KEXIANG_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def account_key(request, credentials):
    """The account a sign-in names: its username, also when a mobile number was typed."""
    typed = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD) or (credentials or {}).get("username") or ""
    typed = str(typed).strip()[:150]
    candidates = User._default_manager.candidates_for_login(typed) if typed else []
    return candidates[0].username if len(candidates) == 1 else typed


class LoginAttemptHandler(AxesDatabaseHandler):
    """axes' database handler with a limit per account and another per address (see the module docstring).

    axes compares one number with AXES_FAILURE_LIMIT (the per-address limit); an account's failures are
    scaled so that reaching its own, lower limit reaches that number too."""

    def get_failures(self, request, credentials=None) -> int:
        limit = settings.AXES_FAILURE_LIMIT
        per = {"username": settings.KEXIANG_LOGIN_FAILURES_PER_ACCOUNT, "ip_address": limit}
        worst = 0
        for parameter, attempts in zip(get_lockout_parameters(request, credentials),
                                       self.get_user_attempts(request, credentials)):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            own_limit = per.get(parameter, limit) if isinstance(parameter, str) else limit
            worst = max(worst, math.ceil(failures * limit / own_limit))
        return worst

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        """Only a password can be guessed: a sign-on the education cloud vouched for but we refused (no account,
        two accounts: accounts/sso.py) is no guess, and must not lock a school's shared address."""
        if "password" not in (credentials or {}):
            return None
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a right password, forget that account's failures only. axes would also forget every failure
        counted at the address, other accounts' too: signing in to one's own account between guesses at
        another's would then never lock anything."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def locked_out(request, credentials, *args, **kwargs):
    """The sign-in page again, with why it is refused and what to do (429 Too Many Requests)."""
    minutes = settings.KEXIANG_LOGIN_LOCK_MINUTES
    message = _("Too many wrong sign-ins for this account or from this network. Signing in is locked for "
                "%(minutes)d minutes; each new try starts the wait again. Try later, or ask your school admin "
                "to unlock it now.") % {"minutes": minutes}
    username = (credentials or {}).get("username", "")
    return render(request, "accounts/login.html", {
        "form": SignInForm(request, initial={"username": username}), "locked_message": message,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }, status=429)
