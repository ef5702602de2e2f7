"""manage.py export_people FILE: the people list in the format import_people reads (.csv or .xlsx by the name)."""
from pathlib import Path

from django.core.management.base import BaseCommand

from accounts.models import School
from roster.exporting import people_csv, people_rows, people_xlsx


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", help="one school's people (its name)")

    def handle(self, *args, file, school, **options):
        only = School.objects.get(name=school) if school else None
        rows = people_rows(school=only)
        file.write_bytes(people_xlsx(rows) if file.suffix.lower() == ".xlsx" else people_csv(rows))
        self.stdout.write(f"wrote {file}")
