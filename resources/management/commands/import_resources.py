from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from resources.exceptions import ResourceImportError
from resources.importing import read_resource_file
from resources.services import resources_import


class Command(BaseCommand):
    help = (
        "Import resources from a JSON-lines file in the import schema (DESIGN.md). Re-importing updates by "
        "external_id; bad rows are reported with their line number and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--limit", type=int, default=None, help="import at most this many good rows")

    def handle(self, *args, path, limit, **options):
        try:
            rows, errors = read_resource_file(path, limit=limit)
        except ResourceImportError as exc:
            raise CommandError(str(exc)) from exc
        for error in errors:
            self.stderr.write(_("Skipped %(what)s") % {"what": error})

        def progress(done, total):
            self.stdout.write(_("… %(done)d / %(total)d") % {"done": done, "total": total})

        counts = resources_import(rows=rows, progress=progress if options["verbosity"] >= 1 else None)
        if counts.created + counts.updated >= 5000:
            # Fresh statistics, or PostgreSQL plans searches over the new rows badly until autovacuum runs.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                _("Resources: %(created)d new, %(updated)d updated, %(unchanged)d unchanged, %(skipped)d bad rows skipped.")
                % {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged,
                   "skipped": len(errors)}
            )
        )
        self.stdout.write(mapped_line(counts.mapped))


def mapped_line(mapped):
    """The lessons that resources were found under in another version of their textbook (lesson_mapping)."""
    return _("Lessons mapped to another version of their textbook: %(lessons)d (resources: %(resources)d, "
             "newly linked: %(added)d).") % {
        "lessons": mapped.lessons, "resources": len(mapped.resources), "added": len(mapped.added)}
