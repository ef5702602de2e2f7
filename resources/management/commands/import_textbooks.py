from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from resources.catalogue import read_catalogue
from resources.exceptions import CatalogueError
from resources.services import textbooks_import

from .import_resources import mapped_line


class Command(BaseCommand):
    help = (
        "Import the national textbook catalogue (nl_tm_part_*.json) and chapter trees (<textbook id>.json) "
        "found under PATH. Safe to run again: only changes are written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a folder such as ../shared/data, or one catalogue or tree file")

    def handle(self, *args, path, **options):
        try:
            catalogue = read_catalogue(path)
        except CatalogueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Read %(books)d textbooks from %(cfiles)d catalogue files and %(nodes)d chapter nodes from %(tfiles)d trees.")
            % {
                "books": len(catalogue.books),
                "cfiles": catalogue.catalogue_files,
                "nodes": len(catalogue.nodes),
                "tfiles": catalogue.tree_files,
            }
        )
        report = textbooks_import(catalogue=catalogue)
        for line in report.skipped:
            self.stderr.write(_("Skipped %(what)s") % {"what": line})
        for label, counts in ((_("Textbooks"), report.books), (_("Chapter nodes"), report.chapters)):
            self.stdout.write(
                _("%(label)s: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
                % {"label": label, "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
            )
        if report.filed:
            self.stdout.write(_("Resources already in the library filed under their chapter in the new trees: %(count)d.")
                              % {"count": report.filed})
        self.stdout.write(mapped_line(report.mapped))
        if report.changed:
            self.stdout.write(self.style.SUCCESS(_("Import finished.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("No changes: the catalogue is already up to date.")))
