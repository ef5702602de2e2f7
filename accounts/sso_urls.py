"""The sign-on views: mozilla-django-oidc's two (under /oidc/) and django-cas-ng's login (under /cas/), each
answering 404 while its protocol is not configured. A CAS sign-in the cloud or our matching refuses goes back to the
sign-in page with the reason, not to a bare 403."""
from functools import wraps

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_cas_ng import views as cas_views
from mozilla_django_oidc import views


def _when(flag):
    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not getattr(settings, flag):
                raise Http404
            return view(request, *args, **kwargs)
        return wrapped
    return decorate


class CasSignInView(cas_views.LoginView):
    def get(self, request):
        # django-cas-ng follows ?next= unchecked once signed in: only this site's own pages are kept.
        if not url_has_allowed_host_and_scheme(request.GET.get(REDIRECT_FIELD_NAME), {request.get_host()},
                                               require_https=request.is_secure()):
            request.GET = request.GET.copy()
            request.GET.pop(REDIRECT_FIELD_NAME, None)
        try:
            return super().get(request)
        except PermissionDenied:  # the backend has said why (accounts.sso.account_for_claims) or the ticket was bad
            next_page = request.GET.get(REDIRECT_FIELD_NAME)
            query = f"?{urlencode({REDIRECT_FIELD_NAME: next_page})}" if next_page else ""
            return redirect(f"{settings.LOGIN_REDIRECT_URL_FAILURE}{query}")


oidc_urlpatterns = [
    path("callback/", _when("KEXIANG_SSO_ENABLED")(views.OIDCAuthenticationCallbackView.as_view()),
         name="oidc_authentication_callback"),
    path("authenticate/", _when("KEXIANG_SSO_ENABLED")(views.OIDCAuthenticationRequestView.as_view()),
         name="oidc_authentication_init"),
]
cas_urlpatterns = [
    path("login/", _when("KEXIANG_CAS_ENABLED")(CasSignInView.as_view()), name="cas_ng_login"),
]
urlpatterns = oidc_urlpatterns
