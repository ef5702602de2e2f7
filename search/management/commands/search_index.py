from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from elasticsearch.exceptions import ElasticsearchException

from search import services
from search.backends import elastic


class Command(BaseCommand):
    help = (
        "Search indexes. --rebuild builds a new Elasticsearch index and swaps the alias to it (search keeps "
        "answering meanwhile) and rebuilds the database search entries; --replay writes what the outbox holds; "
        "--database rebuilds only the database search entries."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--rebuild", action="store_true")
        group.add_argument("--replay", action="store_true")
        group.add_argument("--database", action="store_true")

    def handle(self, *args, rebuild, replay, database, **options):
        def progress(done, total):
            if options["verbosity"] >= 1:
                self.stdout.write(_("… %(done)d / %(total)d") % {"done": done, "total": total})

        if rebuild or database:
            self.stdout.write(_("Database search entries:"))
            written = services.search_entries_rebuild(progress=progress)
            self.stdout.write(self.style.SUCCESS(_("%(n)d resources in the database search.") % {"n": written}))
        if database:
            return
        if not elastic.configured():
            if replay:
                raise CommandError(_("ELASTICSEARCH_URL is not set: there is no Elasticsearch to write to."))
            self.stdout.write(_("ELASTICSEARCH_URL is not set; search uses the database."))
            return
        try:
            if rebuild:
                self.stdout.write(_("Elasticsearch:"))
                name = services.search_index_rebuild(progress=progress)
                services.outbox_replay()
                self.stdout.write(self.style.SUCCESS(_("Search now reads index %(name)s.") % {"name": name}))
            else:
                n = services.outbox_replay()
                self.stdout.write(self.style.SUCCESS(_("%(n)d resources written to Elasticsearch.") % {"n": n}))
        except Exception as exc:
            if isinstance(exc, ElasticsearchException):
                raise CommandError(
                    _("Elasticsearch at %(url)s did not answer (%(error)s). Nothing was lost: start it and run this again.")
                    % {"url": settings.ELASTICSEARCH_URL, "error": exc.__class__.__name__}
                ) from exc
            raise
