"""Page previews of documents (PDF, PPT/PPTX, DOC/DOCX, ODP/ODT) as JPEGs a phone can show: the services the
Celery task runs (resources/tasks.py) and the job they drive, as media_pipeline/services.py does for transcodes.

What kind of file a resource holds is read in resources/documents.py; the converters (LibreOffice, poppler) run
in their sandbox in resources/converters.py. The uploaded attachment is only ever read: a preview that fails
leaves the file as it was.

The claim on a pending preview is in columns of Resource, as a media asset's is: `preview_queued_at` (when it
was asked for, or handed back), `preview_claimed_at` and `preview_claimed_by` (the worker making it, since
when), `preview_attempts` (claims since it was asked for). `preview_detail` is the operators' note: how it
was queued while pending, what was made or why it failed afterwards.
"""
import datetime
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from core.media_storage import storage_errors

from .converters import render_pages
from .documents import PREVIEW_FORMATS, extension_of
from .exceptions import PreviewTimeoutError, PreviewUnavailableError, ResourceFileError
from .models import Resource

log = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died; the task's own hard limit is well below it.
CLAIM_EXPIRES = datetime.timedelta(minutes=15)
PREVIEW_FIELDS = list(Resource.PREVIEW_FIELDS)
TRANSIENT = (OSError, subprocess.TimeoutExpired)  # retried by the task; the file's own problems are not


def preview_page_limit() -> int:
    """How many pages a preview shows (KEXIANG_PREVIEW_PAGES, default 6)."""
    return max(1, int(getattr(settings, "KEXIANG_PREVIEW_PAGES", 6)))


def resource_preview_format(resource: Resource) -> str:
    """The extension that decides how `resource`'s attachment is previewed ("" without an attachment)."""
    if not resource.attachment:
        return ""
    return (extension_of(resource.original_filename) or extension_of(resource.attachment.name)
            or (resource.format or "").lower().lstrip("."))


def resource_is_previewable(resource: Resource) -> bool:
    return resource_preview_format(resource) in PREVIEW_FORMATS


def _set_unclaimed(resource: Resource):
    resource.preview_claimed_at, resource.preview_claimed_by = None, ""


def resource_preview_request(*, resource: Resource) -> Resource:
    """Ask for `resource`'s page previews: state pending, and the task queued once the transaction commits.

    A resource without an attachment of a previewable format goes (back) to "none" and loses old pages.
    Safe to call again, e.g. after the attachment changed: a preview still being made for the old file is
    then thrown away.
    """
    from .tasks import resource_preview_task  # noqa: PLC0415  (resources.tasks imports this module)

    if resource.pk is None:
        raise ValueError("Save the resource before asking for its preview.")
    # From the row: a worker may have finished since `resource` was read.
    old_pages = Resource.objects.filter(pk=resource.pk).values_list("preview_pages", flat=True).first() or []
    if not resource_is_previewable(resource):
        if resource.preview_state != Resource.PreviewState.NONE or old_pages:
            resource.preview_state, resource.preview_pages = Resource.PreviewState.NONE, []
            resource.preview_error = resource.preview_detail = ""
            resource.preview_queued_at, resource.preview_attempts = None, 0
            _set_unclaimed(resource)
            resource.save(update_fields=PREVIEW_FIELDS)
            _delete_on_commit(resource, old_pages)
        return resource
    resource.preview_state, resource.preview_error, resource.preview_detail = Resource.PreviewState.PENDING, "", "queued"
    resource.preview_queued_at, resource.preview_attempts = timezone.now(), 0
    _set_unclaimed(resource)
    resource.save(update_fields=PREVIEW_FIELDS)
    pk = resource.pk
    transaction.on_commit(lambda: resource_preview_task.delay(pk))
    return resource


def resource_preview_make(*, resource: Resource, last_attempt: bool = True) -> Resource:
    """Make the previews of a pending resource; anything else (done, failed, being made elsewhere) is left.

    The file's problems mark the preview failed with a sentence for people. Passing problems (OSError,
    a tool's timeout) are raised for the task to retry, unless `last_attempt`: then they fail it too.
    """
    job = PreviewJob(resource)
    if not job.claim():
        resource.refresh_from_db(fields=PREVIEW_FIELDS)
        return resource
    try:
        job.run()
    except ResourceFileError as error:
        job.fail(error)
    except TRANSIENT as error:
        if not last_attempt:
            job.release(error)
            raise
        timed_out = isinstance(error, subprocess.TimeoutExpired)
        job.fail((PreviewTimeoutError if timed_out else PreviewUnavailableError)(f"{type(error).__name__}: {error}"))
    except SoftTimeLimitExceeded:
        job.fail(PreviewTimeoutError("the task's soft time limit was reached"))
    except Exception as error:
        job.fail(PreviewUnavailableError(f"{type(error).__name__}: {error}"))
        raise
    return resource


def resource_previews_stuck(now=None):
    """Pending previews whose task was lost or whose worker died: claimed longer than CLAIM_EXPIRES ago, or
    queued that long ago and never claimed since (or with neither time at all)."""
    cutoff = (now or timezone.now()) - CLAIM_EXPIRES
    unclaimed = Q(preview_claimed_at__isnull=True)
    return Resource.objects.filter(preview_state=Resource.PreviewState.PENDING).filter(
        Q(preview_claimed_at__lt=cutoff)
        | unclaimed & Q(preview_queued_at__lt=cutoff)
        | unclaimed & Q(preview_queued_at__isnull=True)
    ).only("pk", "preview_queued_at", "preview_claimed_at")


def resource_preview_requeue(*, resource: Resource) -> bool:
    """Queue a stuck pending preview again (only if nobody touched it since it was read)."""
    from .tasks import resource_preview_task  # noqa: PLC0415  (resources.tasks imports this module)

    handed_back = Resource.objects.filter(
        pk=resource.pk, preview_state=Resource.PreviewState.PENDING,
        preview_queued_at=resource.preview_queued_at, preview_claimed_at=resource.preview_claimed_at,
    ).update(preview_queued_at=timezone.now(), preview_claimed_at=None, preview_claimed_by="",
             preview_detail="queued again by the sweeper")
    if handed_back:
        pk = resource.pk
        transaction.on_commit(lambda: resource_preview_task.delay(pk))
    return bool(handed_back)


def _worker() -> str:
    """Who holds a claim, for the operators: this machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


class PreviewJob:
    """One attempt at a resource's previews: claim, run, then finish, fail or release. Idempotent."""

    def __init__(self, resource: Resource):
        self.resource = resource
        self.claimed_at = None
        self.worker = _worker()
        self.stored = []

    @property
    def storage(self):
        return self.resource.attachment.storage

    def claim(self, now=None) -> bool:
        """Take the work if the resource is pending and no live worker has it (a claim younger than
        CLAIM_EXPIRES). One conditional UPDATE decides, so two copies of the task cannot both start."""
        now = now or timezone.now()
        claimed = (
            Resource.objects.filter(pk=self.resource.pk, preview_state=Resource.PreviewState.PENDING)
            .exclude(preview_claimed_at__gte=now - CLAIM_EXPIRES)
            .update(preview_claimed_at=now, preview_claimed_by=self.worker, preview_attempts=F("preview_attempts") + 1)
        )
        if claimed:
            self.claimed_at = now
            self.resource.refresh_from_db()
        return bool(claimed)

    def _ours(self):
        """The rows that are still this job's claim."""
        return Resource.objects.filter(pk=self.resource.pk, preview_state=Resource.PreviewState.PENDING,
                                       preview_claimed_at=self.claimed_at, preview_claimed_by=self.worker)

    def run(self):
        resource, started = self.resource, time.monotonic()
        extension = resource_preview_format(resource)
        with tempfile.TemporaryDirectory(prefix=f"kexiang-preview-{resource.pk}-") as work:
            work = Path(work)
            source = work / f"source.{extension or 'bin'}"
            try:
                with (storage_errors(f"read {resource.attachment.name}"),
                      self.storage.open(resource.attachment.name, "rb") as original, source.open("wb") as copy):
                    shutil.copyfileobj(original, copy, 1 << 20)
            except FileNotFoundError as error:
                log.error("preview of resource %s: attachment %s is missing", resource.pk, resource.attachment.name)
                raise PreviewUnavailableError(f"attachment missing from storage: {error}") from error
            rendered = render_pages(source, extension, work, pages=preview_page_limit())
            # The resource's id tells protected_media whose pages these are; the random part keeps an old
            # set's URLs from showing a new file's pages.
            folder = f"previews/{resource.pk}-{uuid.uuid4().hex}"
            for number, image in enumerate(rendered.images, start=1):
                with image.open("rb") as handle, storage_errors(f"store {folder}"):
                    self.stored.append(self.storage.save(f"{folder}/page-{number}.jpg", File(handle)))
        seconds = time.monotonic() - started
        self.finish(f"{len(self.stored)} of {rendered.page_count} pages shown; made in {seconds:.1f} s")

    def _still_ours(self):
        """(whether the claim is still this job's, the pages the row has now), the row locked."""
        row = self._ours().select_for_update().values("preview_pages").first()
        if row is None:
            return False, []
        return True, row["preview_pages"] or []

    @transaction.atomic
    def finish(self, detail):
        ours, old_pages = self._still_ours()
        if not ours:  # asked again meanwhile (a new attachment?): these pages may show the old file
            log.info("preview of resource %s was superseded; dropping %d pages", self.resource.pk, len(self.stored))
            _delete_on_commit(self.resource, self.stored)
            return
        resource = self.resource
        resource.preview_state, resource.preview_pages = Resource.PreviewState.READY, list(self.stored)
        resource.preview_error, resource.preview_detail = "", detail
        _set_unclaimed(resource)
        resource.save(update_fields=PREVIEW_FIELDS)
        _delete_on_commit(resource, [name for name in old_pages if name not in self.stored])
        log.info("preview of resource %s ready: %s", resource.pk, detail)

    @transaction.atomic
    def fail(self, error: ResourceFileError):
        _delete_on_commit(self.resource, self.stored)
        ours, old_pages = self._still_ours()
        if not ours:
            return
        log.warning("preview of resource %s failed: %s: %s", self.resource.pk, type(error).__name__, error.detail)
        resource = self.resource
        resource.preview_state, resource.preview_pages = Resource.PreviewState.FAILED, []
        # Stored as the English message id and translated when shown, in the reader's language.
        with translation.override(None):
            resource.preview_error = str(error.user_message)
        resource.preview_detail = f"{type(error).__name__}: {error.detail}"[:2000]
        _set_unclaimed(resource)
        resource.save(update_fields=PREVIEW_FIELDS)
        _delete_on_commit(resource, old_pages)

    def release(self, error):
        """Hand the claim back before a retry, so the retried task can take it."""
        _delete_on_commit(self.resource, self.stored)
        self._ours().update(preview_queued_at=timezone.now(), preview_claimed_at=None, preview_claimed_by="",
                            preview_detail=f"queued to retry after {type(error).__name__}: {error}"[:2000])


def _delete_on_commit(resource: Resource, names):
    names = [name for name in names if name]
    if not names:
        return
    storage = resource.attachment.storage

    def delete():
        for name in names:
            try:
                storage.delete(name)
            except OSError as error:  # a leftover picture is not worth failing for
                log.warning("could not delete preview page %s: %s", name, error)

    transaction.on_commit(delete)
