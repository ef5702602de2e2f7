from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class SiteLanguageMiddleware(LocaleMiddleware):
    """Chinese unless the person chose English with the language switch (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; many teachers'
    phones and shared computers are set to English while they expect the site in Chinese.
    """

    def process_request(self, request):
        supported = {code for code, _name in settings.LANGUAGES}
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SiteCSPMiddleware(CSPMiddleware):
    """The site's Content-Security-Policy (settings.CONTENT_SECURITY_POLICY: no inline script anywhere on the
    site), with inline scripts and styles allowed in the Wagtail and Django admins, whose own templates still
    carry some (wagtail/wagtail#7053); everything there still comes from this site only."""

    ADMIN_EXTRA = {"script-src": ["'unsafe-inline'"], "style-src-elem": ["'unsafe-inline'"]}

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(settings.KEXIANG_CSP_ADMIN_PREFIXES):
            parts.update = {**(parts.update or {}), **self.ADMIN_EXTRA}
        if not report_only and settings.KEXIANG_CAS_ENABLED and settings.CAS_SERVER_URL:
            # Signing out of a CAS session goes on to the cloud's sign-out (accounts.views.SignOutView): a form's
            # redirect, which form-action governs.
            cloud = urlsplit(settings.CAS_SERVER_URL)
            parts.update = {**(parts.update or {}), "form-action": [f"{cloud.scheme}://{cloud.netloc}"]}
        return parts


class PasswordChangeRequiredMiddleware:
    """Someone signed in with a temporary password (a school admin or researcher reset it) chooses their own
    before anything else; signing out, static files and the health checks stay open."""

    OPEN = ("/accounts/password/change/", "/accounts/logout/", "/static/", "/i18n/", "/healthz", "/readyz")
    API = ("/api/", "/uploads/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and getattr(user, "must_change_password", False)
                and not request.path_info.startswith(self.OPEN)):
            message = gettext("You signed in with a temporary password. Choose your own now.")
            if request.path_info.startswith(self.API) or "text/html" not in request.headers.get("Accept", "text/html"):
                return JsonResponse({"error": message}, status=403)  # a script, a tus client: no HTML redirect
            target = reverse("accounts:password_change")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)
