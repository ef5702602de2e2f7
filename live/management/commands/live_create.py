"""manage.py live_create --group ID --title T [--public|--pairing] [--activity ID] [--at ISO]: schedule a
live lesson for operators and print its JSON (id, ingest_url, stream_key, watch_url, status_url)."""
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from live import services
from live.models import LiveLesson
from live.selectors import live_urls
from research.models import Activity, ResearchGroup


class Command(BaseCommand):
    help = "Schedule a live lesson of a research group and print its ingest URL and stream key (shown once) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--group", type=int, required=True)
        parser.add_argument("--title", required=True)
        audience = parser.add_mutually_exclusive_group()
        audience.add_argument("--public", action="store_true", help="anyone may watch (公开课)")
        audience.add_argument("--pairing", action="store_true", help="the pairing's schools may watch")
        parser.add_argument("--activity", type=int)
        parser.add_argument("--at", help="scheduled start, ISO 8601 (default: the activity's start, or now)")

    def handle(self, *args, group, title, public, pairing, activity, at, **options):
        found = ResearchGroup.objects.filter(pk=group).first()
        if found is None:
            raise CommandError(_("There is no research group %(id)s.") % {"id": group})
        act = None
        if activity is not None:
            act = Activity.objects.filter(pk=activity, group=found).first()
            if act is None:
                raise CommandError(_("Group %(group)s has no activity %(id)s.") % {"group": group, "id": activity})
        when = None
        if at:
            when = parse_datetime(at)
            if when is None:
                raise CommandError(_("--at must be a date and time such as 2026-12-08T09:00+08:00."))
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        audience = (LiveLesson.Audience.PUBLIC if public else LiveLesson.Audience.PAIRING if pairing
                    else LiveLesson.Audience.GROUP)
        try:
            live, key = services.live_create(user=None, group=found, title=title, scheduled_at=when, audience=audience,
                                             activity=act, check=False)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps({"id": live.pk, **live_urls(live), "stream_key": key}, ensure_ascii=False))
