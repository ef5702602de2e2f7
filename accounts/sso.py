"""Sign-in through the district's education cloud (OpenID Connect, mozilla-django-oidc): the provider says who the
person is (their mobile number and staff number, the claims KEXIANG_SSO_PHONE_CLAIM / KEXIANG_SSO_STAFF_CLAIM),
and that names one account the district imported (roster) or a school admin made. Nobody is made here:

- no account matches: refused, "ask your school admin to add you";
- the phone names one account and the staff number another, or either names two: refused, with the accounts in
  the log and a message for the admin to merge or correct them (never guess which one is the teacher).
"""
import logging

from django.conf import settings
from django.contrib import messages
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .models import User
from .phone import normalize_phone

logger = logging.getLogger(__name__)


def accounts_for_claims(claims) -> list:
    """The active accounts the provider's claims name, by phone and by staff number (username)."""
    phone = normalize_phone(str(claims.get(settings.KEXIANG_SSO_PHONE_CLAIM) or ""))
    staff = str(claims.get(settings.KEXIANG_SSO_STAFF_CLAIM) or "").strip()
    found = {}
    if phone:
        found.update({user.pk: user for user in User.objects.filter(phone=phone, is_active=True)})
    if staff:
        found.update({user.pk: user for user in User.objects.filter(username=staff, is_active=True)})
    return list(found.values())


class DistrictSignOnBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims):
        return super().verify_claims(claims) and bool(
            claims.get(settings.KEXIANG_SSO_PHONE_CLAIM) or claims.get(settings.KEXIANG_SSO_STAFF_CLAIM))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            self._say(_("The district's sign-in did not tell us your mobile number or staff number, so we cannot find "
                        "your account. Ask your school admin."))
            return None
        users = accounts_for_claims(claims)
        if not users:
            logger.info("sign-on refused: no account for %s", {k: claims.get(k) for k in ("sub", "name")})
            self._say(_("You signed in with the district, but there is no Kexiang account with your mobile number "
                        "or staff number yet. Ask your school admin to add you, then sign in again."))
            return None
        if len(users) > 1:
            logger.warning("sign-on refused: claims of %s match %s accounts: %s", claims.get("sub"), len(users),
                           ", ".join(sorted(user.username for user in users)))
            self._say(_("Your district sign-in matches more than one Kexiang account (%(accounts)s). Ask your school "
                        "admin to merge them or correct the mobile number; until then sign in with your password.")
                      % {"accounts": "、".join(sorted(user.username for user in users))})
            return None
        return users[0]

    def _say(self, text):
        if getattr(self, "request", None) is not None:
            messages.error(self.request, text)
