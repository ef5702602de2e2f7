"""What kind of document a file is, read from its bytes alone (no converter, no network): the check an
upload makes before anything is saved (`document_check`), and the facts the converters need to know about a
file before they open it (`password_protected_office`).

Pure Python, so the web server needs no LibreOffice or poppler: those run in resources/converters.py.
"""
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from .exceptions import CorruptFileError, EmptyFileError, UnsupportedFileError

# Extensions (lower case, no dot) that get page previews.
PREVIEW_FORMATS = frozenset({"pdf", "ppt", "pptx", "doc", "docx", "odp", "odt"})
# What document_check accepts: the documents Wagtail takes (WAGTAILDOCS_EXTENSIONS) and pictures.
DOCUMENT_FORMATS = frozenset({"pdf", "ppt", "pptx", "doc", "docx", "xls", "xlsx", "odp", "odt", "txt", "zip",
                              "png", "jpg", "jpeg"})

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


def extension_of(filename) -> str:
    return PurePosixPath(str(filename or "").replace("\\", "/")).suffix.lower().lstrip(".")


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


def password_protected_office(path: Path, extension: str) -> bool:
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
