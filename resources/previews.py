"""Page previews of documents (PDF, PPT/PPTX, DOC/DOCX, ODP/ODT) as JPEGs a phone can show.

Every call to an external tool for previews is here, so the commands can be read, logged, tested and
changed in one place: LibreOffice (`soffice`) turns office files into a PDF, poppler's `pdfinfo` counts
the pages and `pdftoppm` draws the first KEXIANG_PREVIEW_PAGES of them. Arguments are lists (never a
shell), each call has a timeout, and its whole process group is killed when the timeout hits.

`document_check` is the cheap check an upload makes before saving (no tools, only the bytes);
`resource_preview_request` / `resource_preview_make` are the services the Celery task runs.
The uploaded attachment is only ever read: a preview that fails leaves the file as it was.
"""
import contextlib
import datetime
import functools
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation

from .exceptions import (
    CorruptFileError,
    EmptyFileError,
    PasswordProtectedError,
    PasswordProtectedPdfError,
    PreviewTimeoutError,
    PreviewUnavailableError,
    ResourceFileError,
    UnsupportedFileError,
)
from .models import Resource

log = logging.getLogger(__name__)

# Extensions (lower case, no dot) that get page previews.
PREVIEW_FORMATS = frozenset({"pdf", "ppt", "pptx", "doc", "docx", "odp", "odt"})
# What document_check accepts: the documents Wagtail takes (WAGTAILDOCS_EXTENSIONS) and pictures.
DOCUMENT_FORMATS = frozenset({"pdf", "ppt", "pptx", "doc", "docx", "xls", "xlsx", "odp", "odt", "txt", "zip",
                              "png", "jpg", "jpeg"})

SOFFICE_TIMEOUT = 180  # seconds; a large deck converts in well under a minute
PDFINFO_TIMEOUT = 30
PDFTOPPM_TIMEOUT = 120
LONG_SIDE_PX = 1000  # 707×1000 for an A4 page, 1000×563 for a 16:9 slide: sharp on a phone, ~10–100 KB
JPEG_OPTIONS = "quality=80,progressive=y,optimize=y"
# A claim older than this belongs to a worker that died; the task's own hard limit is well below it.
CLAIM_EXPIRES = datetime.timedelta(minutes=15)

PDF_MAGIC = b"%PDF-"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
# Office saves a password-protected PPTX/DOCX/XLSX as an OLE2 file holding this stream (name in UTF-16).
ENCRYPTED_OOXML_STREAM = "EncryptedPackage".encode("utf-16-le")
OOXML_FAMILY = {"pptx": "ppt", "docx": "word", "xlsx": "xl", "ppt": "ppt", "doc": "word", "xls": "xl"}
ODF_MIMETYPE = {"odp": "application/vnd.oasis.opendocument.presentation",
                "odt": "application/vnd.oasis.opendocument.text"}
# Word and Excel also open these text formats under .doc/.xls, and websites often hand them out so.
OFFICE_TEXT_STARTS = (b"{\\rtf", b"<html", b"<!doctype html", b"mime-version:", b"<?xml")
OFFICE_DOCUMENT_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
                       "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument")


def preview_page_limit() -> int:
    """How many pages a preview shows (KEXIANG_PREVIEW_PAGES, default 6)."""
    return max(1, int(getattr(settings, "KEXIANG_PREVIEW_PAGES", 6)))


def extension_of(filename) -> str:
    return PurePosixPath(str(filename or "").replace("\\", "/")).suffix.lower().lstrip(".")


# ---------------------------------------------------------------------------------------------------------
# The cheap check an upload makes (pure Python: the web server needs no converter).


def document_check(path, filename) -> None:
    """Raise EmptyFileError, UnsupportedFileError or CorruptFileError if `path` cannot be the document its
    name (`filename`, as the uploader called it) says; return None when it may be.

    Only the first bytes and, for ZIP-based formats, the archive's directory are read. A password-protected
    file passes (readers who know the password can still use it); only its preview will fail.
    """
    path = Path(path)
    extension = extension_of(filename)
    size = path.stat().st_size
    if size == 0:
        raise EmptyFileError(f"{filename}: 0 bytes")
    if extension not in DOCUMENT_FORMATS:
        raise UnsupportedFileError(f"{filename}: .{extension or '(none)'} is not accepted")
    with path.open("rb") as handle:
        head = handle.read(1024)
    problem = _format_problem(path, extension, head)
    if problem:
        raise CorruptFileError(f"{filename}: {problem} (starts {head[:8].hex()})")


def _format_problem(path: Path, extension: str, head: bytes):
    """Why the bytes cannot be a .`extension` file, or None."""
    if extension == "pdf":
        return None if PDF_MAGIC in head else "no %PDF- header in the first 1024 bytes"
    if extension == "png":
        return None if head.startswith(PNG_MAGIC) else "not a PNG picture"
    if extension in ("jpg", "jpeg"):
        return None if head.startswith(JPEG_MAGIC) else "not a JPEG picture"
    if extension == "txt":
        text_like = b"\x00" not in head or head[:2] in (b"\xff\xfe", b"\xfe\xff")
        return None if text_like else "binary data in a .txt file"
    if extension == "zip":
        return _zip_problem(path)
    if extension in ("pptx", "docx", "xlsx"):
        if head.startswith(OLE2_MAGIC):
            return None  # an encrypted OOXML file, or an older .ppt/.doc renamed: LibreOffice tells them apart
        return _ooxml_problem(path, OOXML_FAMILY[extension])
    if extension in ("ppt", "doc", "xls"):
        if head.startswith(OLE2_MAGIC):
            return None
        if head.startswith(ZIP_MAGIC):  # a newer file renamed to the old extension
            return _ooxml_problem(path, OOXML_FAMILY[extension])
        if extension != "ppt" and head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(OFFICE_TEXT_STARTS):
            return None
        return "not an Office (OLE2) file"
    if extension in ODF_MIMETYPE:
        return _odf_problem(path, ODF_MIMETYPE[extension])
    return f"no check for .{extension}"


def _zip_problem(path: Path):
    try:
        with zipfile.ZipFile(path) as archive:
            archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as error:
        return f"not a readable ZIP archive ({error})"
    return None


def _ooxml_problem(path: Path, family: str):
    """A PPTX/DOCX/XLSX is a ZIP with [Content_Types].xml and its main part under ppt/, word/ or xl/."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                return "a ZIP without [Content_Types].xml"
            if not any(name.startswith(f"{family}/") for name in names):
                return f"an Office file without {family}/ (another kind of Office file renamed?)"
            main = _ooxml_main_part(archive, names)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError,
            RuntimeError, KeyError, ElementTree.ParseError) as error:
        return f"not a readable Office file ({type(error).__name__}: {error})"
    if main is None:
        return "no main part (_rels/.rels names no officeDocument)"
    if main not in names:
        return f"its main part {main} is missing"
    if not main.startswith(f"{family}/"):
        return f"its main part is {main}, not under {family}/ (another kind of Office file renamed?)"
    return None


def _ooxml_main_part(archive: zipfile.ZipFile, names):
    if "_rels/.rels" not in names or archive.getinfo("_rels/.rels").file_size > 1_000_000:
        return None
    root = ElementTree.fromstring(archive.read("_rels/.rels"))
    for relation in root:
        if relation.get("Type") in OFFICE_DOCUMENT_REL and relation.get("TargetMode") != "External":
            return relation.get("Target", "").lstrip("/")
    return None


def _odf_problem(path: Path, mimetype: str):
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                found = archive.read("mimetype")[:200].decode("ascii", "replace").strip()
                return None if found == mimetype else f"an OpenDocument file of type {found!r}, not {mimetype}"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError,
            RuntimeError) as error:
        return f"not a readable OpenDocument file ({error})"
    return None if "content.xml" in names else "a ZIP without content.xml"


def _password_protected_office(path: Path, extension: str) -> bool:
    """True for a PPTX/DOCX saved with a password (an OLE2 file with an EncryptedPackage stream) or an
    encrypted ODP/ODT. An encrypted legacy .ppt/.doc is not detected here: LibreOffice then fails to open it."""
    with path.open("rb") as handle:
        head = handle.read(8)
        if extension in ("pptx", "docx") and head == OLE2_MAGIC:
            handle.seek(0)
            tail = b""
            while chunk := handle.read(1 << 20):
                if ENCRYPTED_OOXML_STREAM in tail + chunk:
                    return True
                tail = chunk[-len(ENCRYPTED_OOXML_STREAM):]
            return False
    if extension in ODF_MIMETYPE:
        with zipfile.ZipFile(path) as archive:
            if "META-INF/manifest.xml" in archive.namelist():
                return b"encryption-data" in archive.read("META-INF/manifest.xml")
    return False


# ---------------------------------------------------------------------------------------------------------
# The tools.


# Runs in the new namespaces: an empty, private tmpfs over each folder named before "--", then the tool. It
# refuses to mount anything unless it is in a mount namespace of its own (never over the machine's folders).
HIDE_SCRIPT = ('[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/$PPID/ns/mnt)" ] '
               '|| { echo "kexiang-sandbox: no mount namespace of its own" >&2; exit 97; }; '
               'while [ "$1" != -- ]; do [ -d "$1" ] && mount -t tmpfs -o size=1m,mode=700 kexiang-hidden "$1"; '
               'shift; done; shift; exec "$@"')


@functools.lru_cache(maxsize=1)
def offline_prefix() -> tuple[str, ...] | None:
    """The command prefix that runs a tool in network and mount namespaces of its own (no network at all, not
    even the machine's loopback; its own view of the folders), or None when this machine allows none. As
    root `unshare` does; anyone else needs an unprivileged user namespace (`--map-root-user`), which most
    distributions allow."""
    unshare = shutil.which("unshare") or "/usr/bin/unshare"
    for prefix in ((unshare, "--net", "--mount"), (unshare, "--net", "--mount", "--map-root-user")):
        try:
            probe = [*prefix, "sh", "-c", HIDE_SCRIPT, "kexiang-sandbox", tempfile.gettempdir(), "--", "true"]
            if subprocess.run(probe, capture_output=True, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None


def _sandboxed(args) -> list:
    """`args` to run with no network and the site's data hidden; PreviewUnavailableError without a sandbox."""
    prefix = offline_prefix()
    if not prefix:
        raise PreviewUnavailableError("no sandbox: `unshare --net --mount` fails here; see manage.py check")
    return [*prefix, "sh", "-c", HIDE_SCRIPT, "kexiang-sandbox", *hidden_folders(), "--", *args]


def hidden_folders() -> list[str]:
    """What a converter must not read, whatever a document links to (file:///…): the site's data (database,
    secret key, every school's files, uploads) and code, and people's home folders. It reads its own
    work folder (under the system's temporary folder) and the system (fonts, libraries)."""
    folders = [settings.VAR_DIR, settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT, settings.KEXIANG_UPLOAD_DIR,
               settings.BASE_DIR, "/root", "/home", "/srv"]
    work = Path(tempfile.gettempdir()).resolve()
    return [str(Path(folder)) for folder in folders
            if Path(folder).is_dir() and not work.is_relative_to(Path(folder).resolve())]


def _run(args, *, timeout):
    """Run a tool with no network in its own process group: (returncode, stdout, stderr) as text.

    A document can name pictures or links on other machines or on this one (an HTML file saved as .doc, a
    DOCX with an external image, a field in an RTF, file:///…); a converter opening it must not fetch them,
    so every tool runs with no network and with the site's data hidden (`offline_prefix`, `hidden_folders`). Raises PreviewUnavailableError when there is none (see
    `manage.py check`) or the tool is not installed, and subprocess.TimeoutExpired after killing the whole
    group (soffice starts soffice.bin under it).
    """
    tool = shutil.which(str(args[0]))
    if tool is None:
        raise PreviewUnavailableError(f"{args[0]} is not installed; see manage.py check")
    args = _sandboxed([tool, *args[1:]])
    log.debug("preview: %s", " ".join(map(str, args)))
    try:
        process = subprocess.Popen([str(arg) for arg in args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
    except FileNotFoundError as error:
        raise PreviewUnavailableError(f"{args[0]} is not installed: {error}; see manage.py check") from error
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        if process.returncode is None:  # timed out, or the task's soft time limit struck meanwhile
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    return process.returncode, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")


def _pdf_error(stderr: str, what: str):
    if "Incorrect password" in stderr:
        return PasswordProtectedPdfError(f"{what}: {stderr.strip()[:500]}")
    return CorruptFileError(f"{what}: {stderr.strip()[:2000] or 'failed'}")


def pdf_page_count(pdf: Path) -> int:
    """The number of pages (pdfinfo). Raises PasswordProtectedPdfError or CorruptFileError."""
    code, stdout, stderr = _run(["pdfinfo", pdf], timeout=PDFINFO_TIMEOUT)
    if code != 0:
        raise _pdf_error(stderr, f"pdfinfo exit {code}")
    for line in stdout.splitlines():
        if line.startswith("Pages:"):
            pages = int(line.split(":", 1)[1].strip() or 0)
            if pages < 1:
                raise CorruptFileError("pdfinfo: the PDF has no pages")
            return pages
    raise CorruptFileError(f"pdfinfo printed no page count: {stdout[:500]}")


def pdf_to_jpegs(pdf: Path, outdir: Path, *, pages: int) -> list[Path]:
    """Draw pages 1..`pages` as JPEGs whose long side is LONG_SIDE_PX; the files in page order."""
    outdir.mkdir(parents=True, exist_ok=True)
    code, _stdout, stderr = _run(
        ["pdftoppm", "-jpeg", "-jpegopt", JPEG_OPTIONS, "-scale-to", LONG_SIDE_PX, "-f", 1, "-l", pages,
         pdf, outdir / "page"],
        timeout=PDFTOPPM_TIMEOUT,
    )
    if code != 0:
        raise _pdf_error(stderr, f"pdftoppm exit {code}")
    # pdftoppm pads the number to the width of the last page's (page-01.jpg in a 24-page file).
    images = sorted(outdir.glob("page-*.jpg"), key=lambda image: int(image.stem.rsplit("-", 1)[1]))
    if not images:
        raise CorruptFileError(f"pdftoppm drew no page: {stderr.strip()[:2000]}")
    return images


def office_to_pdf(source: Path, outdir: Path) -> Path:
    """Convert with LibreOffice, using a profile of its own so conversions can run side by side.

    Raises CorruptFileError when LibreOffice cannot open the file (it then exits 0 without a PDF).
    """
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir.parent / "lo-profile"
    code, stdout, stderr = _run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
         "--convert-to", "pdf", "--outdir", outdir, source],
        timeout=SOFFICE_TIMEOUT,
    )
    pdf = outdir / f"{source.stem}.pdf"
    if not pdf.is_file() or pdf.stat().st_size == 0:
        said = " ".join(line for line in (stdout + stderr).splitlines() if "javaldx" not in line).strip()
        raise CorruptFileError(f"LibreOffice made no PDF (exit {code}): {said[:2000]}")
    return pdf


_EXTERNAL_RE = re.compile(rb"<Relationship\b[^>]*\bTargetMode\s*=\s*[\"']External[\"'][^>]*/?>", re.I)


def _without_external_parts(source: Path) -> Path:
    """An OOXML file (PPTX/DOCX/XLSX) without the relationships that point outside it (linked pictures,
    templates, OLE objects on other machines): a second guard behind the network namespace. The original
    file is not touched; other formats come back as they are."""
    if not zipfile.is_zipfile(source):
        return source
    with zipfile.ZipFile(source) as archive:
        rels = [n for n in archive.namelist() if n.endswith(".rels")]
        if not any(_EXTERNAL_RE.search(archive.read(n)) for n in rels):
            return source
        clean = source.with_name(f"offline-{source.name}")
        with zipfile.ZipFile(clean, "w", zipfile.ZIP_DEFLATED) as copy:
            for item in archive.infolist():
                data = archive.read(item)
                if item.filename in rels:
                    data = _EXTERNAL_RE.sub(b"", data)
                copy.writestr(item, data)
    log.info("preview: %s names parts outside the file; made without them", source.name)
    return clean


@dataclass
class RenderedPages:
    images: list[Path]  # local JPEGs, in page order
    page_count: int  # pages in the whole document


def render_pages(source: Path, extension: str, workdir: Path, *, pages: int) -> RenderedPages:
    """The first `pages` pages of `source` (a .`extension` file) as JPEGs under `workdir`.

    Raises the ResourceFileError subclasses for the file's own problems, subprocess.TimeoutExpired and
    OSError for passing ones.
    """
    if extension not in PREVIEW_FORMATS:
        raise UnsupportedFileError(f".{extension} gets no preview")
    document_check(source, f"source.{extension}")
    if extension == "pdf":
        pdf = source
    else:
        if _password_protected_office(source, extension):
            raise PasswordProtectedError(f".{extension} file is encrypted")
        pdf = office_to_pdf(_without_external_parts(source), workdir / "pdf")
    count = pdf_page_count(pdf)
    return RenderedPages(images=pdf_to_jpegs(pdf, workdir / "pages", pages=min(pages, count)), page_count=count)


# ---------------------------------------------------------------------------------------------------------
# The services.

PREVIEW_FIELDS = ["preview_state", "preview_pages", "preview_error", "preview_detail"]
TRANSIENT = (OSError, subprocess.TimeoutExpired)  # retried by the task; the file's own problems are not


def resource_preview_format(resource: Resource) -> str:
    """The extension that decides how `resource`'s attachment is previewed ("" without an attachment)."""
    if not resource.attachment:
        return ""
    return (extension_of(resource.original_filename) or extension_of(resource.attachment.name)
            or (resource.format or "").lower().lstrip("."))


def resource_is_previewable(resource: Resource) -> bool:
    return resource_preview_format(resource) in PREVIEW_FORMATS


def resource_preview_request(*, resource: Resource) -> Resource:
    """Ask for `resource`'s page previews: state pending, and the task queued once the transaction commits.

    A resource without an attachment of a previewable format goes (back) to "none" and loses old pages.
    Safe to call again, e.g. after the attachment changed: a preview still being made for the old file is
    then thrown away.
    """
    from .tasks import resource_preview_task

    if resource.pk is None:
        raise ValueError("Save the resource before asking for its preview.")
    # From the row: a worker may have finished since `resource` was read.
    old_pages = Resource.objects.filter(pk=resource.pk).values_list("preview_pages", flat=True).first() or []
    if not resource_is_previewable(resource):
        if resource.preview_state != Resource.PreviewState.NONE or old_pages:
            resource.preview_state, resource.preview_pages = Resource.PreviewState.NONE, []
            resource.preview_error = resource.preview_detail = ""
            resource.save(update_fields=PREVIEW_FIELDS)
            _delete_on_commit(resource, old_pages)
        return resource
    resource.preview_state = Resource.PreviewState.PENDING
    resource.preview_error, resource.preview_detail = "", _marker("queued")
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


def _marker(kind: str, note: str = "") -> str:
    """The operators' note while pending, which is also the claim: '<kind> <ISO time> <who> <note>'."""
    text = f"{kind} {timezone.now().isoformat()} {socket.gethostname()}:{os.getpid()}"
    return f"{text} {note}"[:2000].strip()


def _marker_time(detail: str, kind: str):
    parts = (detail or "").split(" ", 2)
    if len(parts) < 2 or parts[0] != kind:
        return None
    try:
        return datetime.datetime.fromisoformat(parts[1])
    except ValueError:
        return None


def resource_previews_stuck(now=None):
    """Pending previews whose task was lost or whose worker died: queued or claimed longer than
    CLAIM_EXPIRES ago (or with a note that is no claim at all)."""
    cutoff = (now or timezone.now()) - CLAIM_EXPIRES
    stuck = []
    for resource in Resource.objects.filter(preview_state=Resource.PreviewState.PENDING).only("pk", "preview_detail"):
        since = _marker_time(resource.preview_detail, "working") or _marker_time(resource.preview_detail, "queued")
        if since is None or since < cutoff:
            stuck.append(resource)
    return stuck


def resource_preview_requeue(*, resource: Resource) -> bool:
    """Queue a stuck pending preview again (only if nobody touched it since it was read)."""
    from .tasks import resource_preview_task

    handed_back = Resource.objects.filter(
        pk=resource.pk, preview_state=Resource.PreviewState.PENDING, preview_detail=resource.preview_detail
    ).update(preview_detail=_marker("queued", "again by the sweeper"))
    if handed_back:
        pk = resource.pk
        transaction.on_commit(lambda: resource_preview_task.delay(pk))
    return bool(handed_back)


class PreviewJob:
    """One attempt at a resource's previews: claim, run, then finish, fail or release. Idempotent."""

    def __init__(self, resource: Resource):
        self.resource = resource
        self.marker = None
        self.stored = []

    @property
    def storage(self):
        return self.resource.attachment.storage

    def claim(self, now=None) -> bool:
        """Take the work if the resource is pending and no live worker has it.

        The claim is the operators' note in preview_detail, swapped by one conditional UPDATE on the value
        just read, so two copies of the task cannot both start.
        """
        now = now or timezone.now()
        row = Resource.objects.filter(pk=self.resource.pk).values("preview_state", "preview_detail").first()
        if row is None or row["preview_state"] != Resource.PreviewState.PENDING:
            return False
        started = _marker_time(row["preview_detail"], "working")
        if started is not None and started >= now - CLAIM_EXPIRES:
            return False
        marker = _marker("working")
        claimed = Resource.objects.filter(
            pk=self.resource.pk, preview_state=Resource.PreviewState.PENDING, preview_detail=row["preview_detail"]
        ).update(preview_detail=marker)
        if claimed:
            self.marker = marker
            self.resource.refresh_from_db()
        return bool(claimed)

    def run(self):
        resource, started = self.resource, time.monotonic()
        extension = resource_preview_format(resource)
        with tempfile.TemporaryDirectory(prefix=f"kexiang-preview-{resource.pk}-") as work:
            work = Path(work)
            source = work / f"source.{extension or 'bin'}"
            try:
                with self.storage.open(resource.attachment.name, "rb") as original, source.open("wb") as copy:
                    shutil.copyfileobj(original, copy, 1 << 20)
            except FileNotFoundError as error:
                log.error("preview of resource %s: attachment %s is missing", resource.pk, resource.attachment.name)
                raise PreviewUnavailableError(f"attachment missing from storage: {error}") from error
            rendered = render_pages(source, extension, work, pages=preview_page_limit())
            # The resource's id tells protected_media whose pages these are; the random part keeps an old
            # set's URLs from showing a new file's pages.
            folder = f"previews/{resource.pk}-{uuid.uuid4().hex}"
            for number, image in enumerate(rendered.images, start=1):
                with image.open("rb") as handle:
                    self.stored.append(self.storage.save(f"{folder}/page-{number}.jpg", File(handle)))
        seconds = time.monotonic() - started
        self.finish(f"{len(self.stored)} of {rendered.page_count} pages shown; made in {seconds:.1f} s")

    def _still_ours(self):
        row = Resource.objects.select_for_update().filter(pk=self.resource.pk).values(
            "preview_state", "preview_detail", "preview_pages").first()
        ours = (row is not None and row["preview_state"] == Resource.PreviewState.PENDING
                and row["preview_detail"] == self.marker)
        return ours, (row or {}).get("preview_pages") or []

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
        resource.save(update_fields=PREVIEW_FIELDS)
        _delete_on_commit(resource, old_pages)

    def release(self, error):
        """Hand the claim back before a retry, so the retried task can take it."""
        _delete_on_commit(self.resource, self.stored)
        Resource.objects.filter(pk=self.resource.pk, preview_detail=self.marker).update(
            preview_detail=_marker("queued", f"to retry after {type(error).__name__}: {error}"))


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
