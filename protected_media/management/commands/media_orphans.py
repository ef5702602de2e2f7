import datetime

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from core import media_storage
from protected_media.stored_files import media_references, nested_prefix, private_references, stored_files


class Command(BaseCommand):
    help = (
        "List the files of the media and private storages (MEDIA_ROOT and PRIVATE_MEDIA_ROOT, or the buckets with "
        "KEXIANG_MEDIA_STORAGE=s3) that no row refers to, one a line: storage, name, bytes; then how many and "
        "how large. With --delete, remove them. Files changed in the last --older-than hours are left alone (an "
        "upload, a transcode or a preview may be writing them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="delete the files listed")
        parser.add_argument("--older-than", type=float, default=24.0, metavar="HOURS",
                            help="only files not changed for this many hours (default 24)")

    def handle(self, *args, delete, older_than, **options):
        if older_than < 0:
            raise CommandError("--older-than is a number of hours, 0 or more")
        media, private = media_storage.media_storage(), media_storage.private_storage()
        inside = nested_prefix(media, private)
        if inside == "" or nested_prefix(private, media) is not None:
            raise CommandError("The media and private storages overlap: every file would look unused to one of "
                               "them. Give research files a folder or bucket of their own.")
        cutoff = timezone.now() - datetime.timedelta(hours=older_than)
        found = found_bytes = deleted = recent = failed = 0
        try:
            # References first, then the listing: a file stored after this read is newer than the cutoff.
            for label, storage, references, leave_out in (("media", media, media_references(), inside),
                                                          ("private", private, private_references(), None)):
                for name, size, modified in stored_files(storage, leave_out=leave_out):
                    if name in references:
                        continue
                    if modified > cutoff:
                        recent += 1
                        continue
                    found, found_bytes = found + 1, found_bytes + size
                    self.stdout.write(f"{label}\t{name}\t{size}")
                    if delete:
                        try:
                            media_storage.delete_file(storage, name)
                            deleted += 1
                        except media_storage.StorageUnavailable:
                            raise
                        except OSError as error:
                            failed += 1
                            self.stderr.write(f"could not delete {label} {name}: {error}")
        except media_storage.StorageUnavailable as error:
            raise CommandError(f"The media storage cannot be reached: {error}") from error
        summary = f"{found} unused files, {found_bytes} bytes ({filesizeformat(found_bytes)})"
        if delete:
            summary += f"; {deleted} deleted"
        if recent:
            summary += f"; {recent} newer than {older_than:g} h left alone"
        self.stdout.write(summary)
        if failed:
            raise CommandError(f"{failed} files could not be deleted (see above)")
