"""Every call of an external tool for document previews, as media_pipeline/ffmpeg.py is for FFmpeg, so the
commands can be read, logged, tested and changed in one place: LibreOffice (`soffice`) turns office files into a
PDF, poppler's `pdfinfo` counts the pages and `pdftoppm` draws the first of them as JPEGs.

Arguments are lists (never a shell), each call has a timeout, and its whole process group is killed when the
timeout hits. Every tool runs in the sandbox: network and mount namespaces of its own (`unshare`), with the
site's data, code and home folders hidden under empty tmpfs mounts made inside that namespace only.
`render_pages` is the whole way from a document to its page pictures; resources/previews.py stores them.
"""
import contextlib
import functools
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .documents import PREVIEW_FORMATS, document_check, password_protected_office
from .exceptions import (
    CorruptFileError,
    PasswordProtectedError,
    PasswordProtectedPdfError,
    PreviewUnavailableError,
    UnsupportedFileError,
)

log = logging.getLogger(__name__)

SOFFICE_TIMEOUT = 180  # seconds; a large deck converts in well under a minute
PDFINFO_TIMEOUT = 30
PDFTOPPM_TIMEOUT = 120
LONG_SIDE_PX = 1000  # 707×1000 for an A4 page, 1000×563 for a 16:9 slide: sharp on a phone, ~10–100 KB
JPEG_OPTIONS = "quality=80,progressive=y,optimize=y"


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
        if password_protected_office(source, extension):
            raise PasswordProtectedError(f".{extension} file is encrypted")
        pdf = office_to_pdf(_without_external_parts(source), workdir / "pdf")
    count = pdf_page_count(pdf)
    return RenderedPages(images=pdf_to_jpegs(pdf, workdir / "pages", pages=min(pages, count)), page_count=count)
