"""Sign-in through the district's education cloud, by OpenID Connect (mozilla-django-oidc) or CAS (django-cas-ng):
the cloud says who the person is (their mobile number and staff number: the claims or attributes
KEXIANG_SSO_PHONE_CLAIM / KEXIANG_SSO_STAFF_CLAIM), and that names one account the district imported (roster) or a
school admin made. Nobody is made here:

- no account matches: refused, "ask your school admin to add you";
- the phone names one account and the staff number another, or either names two: refused, with the accounts in
  the log and a message for the admin to merge or correct them (never guess which one is the teacher).
"""
import logging
from xml.etree import ElementTree

import requests
from django.conf import settings
from django.contrib import messages
from django.utils.translation import gettext as _
from django_cas_ng.backends import CASBackend
from django_cas_ng.utils import get_cas_client
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .models import User
from .phone import normalize_phone

logger = logging.getLogger(__name__)


def _claim(claims, name) -> str:
    value = claims.get(name)
    if isinstance(value, list | tuple):  # CAS attributes may come as lists
        value = value[0] if value else ""
    return str(value or "").strip()


def accounts_for_claims(claims) -> list:
    """The active accounts the cloud's claims name, by phone and by staff number (username)."""
    phone = normalize_phone(_claim(claims, settings.KEXIANG_SSO_PHONE_CLAIM))
    staff = _claim(claims, settings.KEXIANG_SSO_STAFF_CLAIM)
    found = {}
    if phone:
        found.update({user.pk: user for user in User.objects.filter(phone=phone, is_active=True)})
    if staff:
        found.update({user.pk: user for user in User.objects.filter(username=staff, is_active=True)})
    return list(found.values())


def account_for_claims(request, claims):
    """The one account the claims name, or None with the reason said to the person (and logged for the admin)."""
    def say(text):
        if request is not None:
            messages.error(request, text)

    if not (_claim(claims, settings.KEXIANG_SSO_PHONE_CLAIM) or _claim(claims, settings.KEXIANG_SSO_STAFF_CLAIM)):
        say(_("The district's sign-in did not tell us your mobile number or staff number, so we cannot find "
              "your account. Ask your school admin."))
        return None
    users = accounts_for_claims(claims)
    who = claims.get("sub") or claims.get("cas:user")
    if not users:
        logger.info("sign-on refused: no account for %s (%s)", who, _claim(claims, "name"))
        say(_("You signed in with the district, but there is no Kexiang account with your mobile number "
              "or staff number yet. Ask your school admin to add you, then sign in again."))
        return None
    if len(users) > 1:
        names = sorted(user.username for user in users)
        logger.warning("sign-on refused: claims of %s match %s accounts: %s", who, len(users), ", ".join(names))
        say(_("Your district sign-in matches more than one Kexiang account (%(accounts)s). Ask your school "
              "admin to merge them or correct the mobile number; until then sign in with your password.")
            % {"accounts": "、".join(names)})
        return None
    return users[0]


class DistrictSignOnBackend(OIDCAuthenticationBackend):
    """OpenID Connect: the userinfo claims."""

    def verify_claims(self, claims):
        return True  # what we need of them is checked, and said, by account_for_claims

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        return account_for_claims(getattr(self, "request", None), claims)


class _CloudSession(requests.Session):
    """python-cas asks the cloud with no time limit: a stalled cloud would hold a web thread for ever."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", settings.KEXIANG_SSO_TIMEOUT)
        return super().request(*args, **kwargs)


class DistrictCasBackend(CASBackend):
    """CAS 3.0: the ticket's user and attributes, checked with the cloud (django-cas-ng's client)."""

    def authenticate(self, request, ticket=None, service=None, **kwargs):
        if not (ticket and service and settings.KEXIANG_CAS_ENABLED):
            return None
        client = get_cas_client(service_url=service, request=request)
        client.session = _CloudSession()
        try:
            username, attributes, _pgtiou = client.verify_ticket(ticket)
        except (OSError, ElementTree.ParseError, ValueError) as error:  # requests' errors are OSErrors
            logger.warning("CAS ticket check with %s failed: %r", settings.CAS_SERVER_URL, error)
            if request is not None:
                messages.error(request, _("The district's sign-in did not answer as it should, so you are not signed "
                                          "in. Try again in a few minutes, or sign in with your password."))
            return None
        if not username:
            logger.info("CAS ticket refused by the cloud for %s", service)
            return None
        user = account_for_claims(request, {**(attributes or {}), "cas:user": username})
        return user if self.user_can_authenticate(user) else None
