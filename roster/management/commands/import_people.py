"""manage.py import_people FILE: the district's people list (CSV or XLSX) into schools, pairings, accounts, roles
and research-group memberships. All of the file or nothing: every bad row is named by its line."""
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from roster.exceptions import RosterFileError
from roster.reading import read_rows
from roster.services import RosterInvalid, people_import


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--create-schools", action="store_true",
                            help="make the schools the file names that the site does not know yet (a district's "
                                 "first import); without it an unknown school is a bad row (a typo)")
        parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")

    def handle(self, *args, file, create_schools, dry_run, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        started = time.monotonic()

        def progress(count):
            self.stderr.write(f"  {count} rows read ({count / (time.monotonic() - started):.0f} rows/s)")

        try:
            plan = people_import(rows=read_rows(file.read_bytes(), file.name), create_schools=create_schools,
                                 dry_run=dry_run, progress=progress)
        except RosterFileError as error:
            raise CommandError(str(error)) from error
        except RosterInvalid as invalid:
            for line, message in invalid.plan.errors:
                self.stderr.write(f"line {line}: {message}")
            more = invalid.plan.error_count - len(invalid.plan.errors)
            if more:
                self.stderr.write(f"… and {more} more")
            raise CommandError(f"{invalid.plan.error_count} of {invalid.plan.rows} rows are bad: nothing was changed. "
                               "Correct them and import the file again.") from None
        took = time.monotonic() - started
        summary = plan.summary()
        self.stdout.write(("would change: " if dry_run else "")
                          + ", ".join(f"{name} {count}" for name, count in summary.items())
                          + f" ({took:.1f} s, {plan.rows / took if took else 0:.0f} rows/s)")
