import os
import time
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from core import media_storage
from core.s3_settings import s3_storages_from
from media_pipeline import publishing, tus
from media_pipeline.models import MediaAsset
from protected_media.stored_files import is_safe, is_temporary, nested_prefix, stored_files

PROGRESS_FILES, PROGRESS_SECONDS = 100, 5.0
LABELS = ("media", "private")


def s3_storages():
    """The media and private buckets: those in use (KEXIANG_MEDIA_STORAGE=s3), else made from the AWS_* settings."""
    media, private = media_storage.media_storage(), media_storage.private_storage()
    if media_storage.local_root(media) is None and media_storage.local_root(private) is None:
        return media, private
    media, private = s3_storages_from(settings)
    return storages.create_storage(media), storages.create_storage(private)


def local_storages():
    """MEDIA_ROOT and PRIVATE_MEDIA_ROOT on this machine's disk."""
    return FileSystemStorage(location=settings.MEDIA_ROOT), media_storage.PrivateFileSystemStorage()


class Tally:
    """What was done so far, written to stderr every PROGRESS_FILES files or PROGRESS_SECONDS seconds."""

    def __init__(self, write, *, dry_run=False):
        self.write, self.verb = write, "to copy" if dry_run else "copied"
        self.files = self.copied = self.skipped = self.failed = self.bytes = self.originals = 0
        self.last = time.monotonic()

    def __str__(self):
        return (f"{self.copied} files {self.verb}, {self.skipped} skipped, {self.failed} failed, {self.bytes} bytes "
                f"({filesizeformat(self.bytes)})")

    def note(self, label):
        self.files += 1
        now = time.monotonic()
        if self.files % PROGRESS_FILES == 0 or now - self.last >= PROGRESS_SECONDS:
            self.last = now
            self.write(f"{label}: {self.files} files looked at: {self}")


class Command(BaseCommand):
    help = (
        "Copy every file of the media and private storages from this machine's disk (MEDIA_ROOT, "
        "PRIVATE_MEDIA_ROOT) to the S3 buckets (AWS_STORAGE_BUCKET_NAME, KEXIANG_PRIVATE_BUCKET_NAME or the media "
        "bucket's private/ folder, under KEXIANG_S3_PREFIX), or back with --to local. A file already there with "
        "the same size is skipped, so it may be stopped and run again. With --to s3, videos' originals still in "
        "the upload folder (an absolute source_path) are copied to originals/<uid>/ in the bucket and their "
        "assets point there. Stop the workers and uploads while it runs; switch KEXIANG_MEDIA_STORAGE after."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", choices=("s3", "local"), required=True, help="where the files go")
        parser.add_argument("--dry-run", action="store_true", help="count what would be copied; change nothing")

    def handle(self, *args, to, dry_run, **options):
        self.verbosity, self.dry_run = options["verbosity"], dry_run
        local, remote = local_storages(), s3_storages()
        for storage in remote:
            ok, why = media_storage.reachable(storage)
            if not ok:
                raise CommandError(f"S3 bucket {storage.bucket_name!r} cannot be reached: {why}")
        inside = {nested_prefix(*local), nested_prefix(*remote)} - {None}
        if "" in inside:
            raise CommandError("The media and private storages are the same place: give research files a folder "
                               "or bucket of their own (PRIVATE_MEDIA_ROOT, KEXIANG_PRIVATE_BUCKET_NAME).")
        sources, targets = (local, remote) if to == "s3" else (remote, local)
        tally = Tally(self.stderr.write, dry_run=dry_run)
        try:
            for label, source, target in zip(LABELS, sources, targets):
                leave_out = inside if label == "media" else ()
                existing = self.copy_all(label, source, target, leave_out, tally)
                if to == "s3" and label == "media":
                    self.originals(target, existing, tally)
        except media_storage.StorageUnavailable as error:
            raise CommandError(f"S3 cannot be reached: {error} (what was copied stays; run again to go on)") from error
        moved = "to move" if dry_run else "moved"
        summary = str(tally) + (f"; {tally.originals} videos' originals {moved} to the bucket" if tally.originals else "")
        self.stdout.write(("dry run, nothing changed: " if dry_run else "") + summary)
        if tally.failed:
            raise CommandError(f"{tally.failed} files could not be copied (see above); run again to retry them")

    def copy_all(self, label, source, target, leave_out, tally):
        """Every file of `source` into `target` but those there already; returns the target's names and sizes."""
        existing = {name: size for name, size, _modified in self.files(target, leave_out)}
        for name, size, _modified in self.files(source, leave_out):
            if is_temporary(name):
                continue
            if not is_safe(name):
                tally.failed += 1
                self.stderr.write(f"{label} {name!r}: not a name that can be copied, left out")
            elif existing.get(name) == size:
                tally.skipped += 1
            elif self.transfer(label, name, size, tally, lambda: copy_file(source, target, name)):
                existing[name] = size
            tally.note(label)
        return existing

    @staticmethod
    def files(storage, leave_out):
        for name, size, modified in stored_files(storage):
            if not any((name + "/").startswith(folder + "/") for folder in leave_out):
                yield name, size, modified

    def transfer(self, label, name, size, tally, send):
        """`send()` the file (not on a dry run) and count it; True when it is there now (or would be)."""
        if self.verbosity >= 2:
            self.stderr.write(f"{label} {name} ({size} bytes)")
        if not self.dry_run:
            try:
                send()
            except media_storage.StorageUnavailable:
                raise
            except OSError as error:
                tally.failed += 1
                self.stderr.write(f"{label} {name}: {error}")
                return False
        tally.copied, tally.bytes = tally.copied + 1, tally.bytes + size
        return True

    def originals(self, target, existing, tally):
        """Videos' originals at an absolute path (an upload's file under KEXIANG_UPLOAD_DIR, or a file an operator
        named) into the bucket as originals/<asset uid>/original.<ext>, where any worker finds them; their assets
        then name them there. The file at the absolute path stays."""
        assets = [asset for asset in MediaAsset.objects.filter(source_path__startswith="/")
                  .only("pk", "uid", "owner_id", "upload_id", "source_path") if os.path.isabs(asset.source_path)]
        owners = {asset.owner_id for asset in assets if asset.upload_id}
        uploads = {str(upload.id): upload for upload in tus.uploads_of(owner_ids=owners)} if owners else {}
        for asset in assets:
            path = Path(asset.source_path)
            upload = uploads.get(str(asset.upload_id))
            name = publishing.original_name(str(asset.uid), upload.filename if upload else path.name)
            try:
                size = path.stat().st_size
            except OSError as error:
                tally.failed += 1
                self.stderr.write(f"video {asset.pk}: its original {path} cannot be read ({error}); it stays as it is")
                tally.note("originals")
                continue
            there = existing.get(name) == size
            if there:
                tally.skipped += 1
            else:
                there = self.transfer("original", name, size, tally,
                                      lambda: media_storage.upload_file(target, path, name))
            if there:
                tally.originals += 1
            if there and not self.dry_run:
                existing[name] = size
                MediaAsset.objects.filter(pk=asset.pk, source_path=asset.source_path).update(source_path=name)
            tally.note("originals")


def copy_file(source, target, name):
    """One file from one storage to the other, one of them on this machine's disk."""
    source_root = media_storage.local_root(source)
    if source_root is not None:
        media_storage.upload_file(target, source_root / name, name)
    else:
        media_storage.download(source, name, media_storage.local_root(target) / name)
