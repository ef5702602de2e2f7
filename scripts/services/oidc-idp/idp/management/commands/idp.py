"""The provider's people and its one client, for trials and tests:
    manage.py idp client ID SECRET REDIRECT_URI...   (made or reset; CAS lets in any loopback service)
    manage.py idp person LOGIN PASSWORD [--name N] [--phone P] [--staff S]"""
from cas_server.models import ReplaceAttributName, ServicePattern
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application

from idp.models import Claims


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["client", "person"])
        parser.add_argument("first")
        parser.add_argument("second")
        parser.add_argument("rest", nargs="*")
        parser.add_argument("--name", default="")
        parser.add_argument("--phone", default="")
        parser.add_argument("--staff", default="")

    def handle(self, *args, what, first, second, rest, name, phone, staff, **options):
        if what == "client":
            Application.objects.filter(client_id=first).delete()
            Application.objects.create(
                client_id=first, client_secret=second, name="Kexiang", redirect_uris=" ".join(rest),
                client_type=Application.CLIENT_CONFIDENTIAL, authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
                algorithm=Application.RS256_ALGORITHM, skip_authorization=True)
            ServicePattern.objects.filter(name=first).delete()
            service = ServicePattern.objects.create(name=first, pattern=r"^https?://(localhost|127\.0\.0\.1)(:\d+)?/")
            ReplaceAttributName.objects.create(name="*", service_pattern=service)
        else:
            user, _created = User.objects.get_or_create(username=first)
            user.set_password(second)
            user.save()
            Claims.objects.update_or_create(user=user, defaults={"name": name, "phone_number": phone,
                                                                 "employee_number": staff})
        self.stdout.write("ok")
