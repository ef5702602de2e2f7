"""Sending a stored file once its owner's rules (protected_media.access) have said who may read it.

Two ways, one setting (KEXIANG_FILE_SERVING):
- "django" (the embedded default): Django streams the file itself, with conditional GET (ETag,
  Last-Modified) and single byte ranges (206), which native HLS players and <video> seeking ask for;
- "nginx" (at scale): Django answers with `X-Accel-Redirect` to an `internal` nginx location
  (KEXIANG_ACCEL_PREFIXES) and nginx sends the bytes, ranges and all; Django never reads the file.

Caching: a public file may be kept by browsers and shared caches (a day; playlists and cue files, which a
transcode may still replace, a minute); any other file is `private` to the reader's browser and varies on
the session cookie, so no shared cache ever hands it to someone else.
"""
import mimetypes
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import content_disposition_header, http_date

MEDIA, PRIVATE = "media", "private"  # the two roots: MEDIA_ROOT and PRIVATE_MEDIA_ROOT


@dataclass(frozen=True)
class StoredFile:
    root: str  # MEDIA or PRIVATE
    name: str  # relative to the root, as the storage names it
    kind: str  # "attachment", "preview", "captions", "ladder", "image", "document", "post_attachment"
    is_public: bool
    readable: Callable  # readable(user) -> bool

    def readable_by(self, user) -> bool:
        return self.is_public or self.readable(user)


CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".ts": "video/mp2t",
    ".aac": "audio/aac",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
}
CHANGING = (".m3u8", ".vtt")  # a transcode may still replace these (early publish swaps the master playlist)
PUBLIC_MAX_AGE, PUBLIC_CHANGING_MAX_AGE, PRIVATE_MAX_AGE = 86400, 60, 600
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_BLOCK = 256 * 1024


def root_path(root: str) -> Path:
    return Path(settings.MEDIA_ROOT if root == MEDIA else settings.PRIVATE_MEDIA_ROOT)


def content_type_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control(name: str, *, public: bool, root: str = MEDIA) -> str:
    if root == PRIVATE:  # a 教研 group's file: not even kept in the browser of a shared school computer
        return "private, no-store"
    changing = Path(name).suffix.lower() in CHANGING
    if public:
        return f"public, max-age={PUBLIC_CHANGING_MAX_AGE if changing else PUBLIC_MAX_AGE}"
    return "private, no-cache" if changing else f"private, max-age={PRIVATE_MAX_AGE}"


def send_file(request, stored, *, filename=None, as_attachment=False):
    """The response that delivers `stored` (an access.StoredFile the reader may read)."""
    if settings.KEXIANG_FILE_SERVING == "nginx":
        response = HttpResponse(content_type=content_type_of(stored.name))
        response["X-Accel-Redirect"] = settings.KEXIANG_ACCEL_PREFIXES[stored.root] + quote(stored.name)
    else:
        response = _stream(request, _path_of(stored), content_type_of(stored.name))
    response["Cache-Control"] = cache_control(stored.name, public=stored.is_public, root=stored.root)
    if response.status_code in (412, 416):  # about this request's headers only: never to be reused
        response["Cache-Control"] = "no-store"
    if not stored.is_public:
        patch_vary_headers(response, ("Cookie",))
    if as_attachment or filename:
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename or Path(stored.name).name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _path_of(stored) -> Path:
    base = root_path(stored.root).resolve()
    path = (base / stored.name).resolve()
    if base not in path.parents:
        raise Http404
    return path


def _stream(request, path: Path, content_type: str):
    # Opened first and measured from the open file: a playlist swapped in meanwhile (early publish) is either
    # the old one or the new one, never the new bytes under the old length.
    try:
        handle = path.open("rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise Http404 from None
    try:
        response = _respond(request, handle, content_type)
    except BaseException:
        handle.close()
        raise
    if not isinstance(response, StreamingHttpResponse):
        handle.close()
    return response


def _respond(request, handle, content_type: str):
    stat = os.fstat(handle.fileno())
    size = stat.st_size
    etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
    last_modified = http_date(stat.st_mtime)
    headers = {"ETag": etag, "Last-Modified": last_modified, "Accept-Ranges": "bytes"}
    not_modified = get_conditional_response(request, etag=etag, last_modified=int(stat.st_mtime))
    if not_modified is not None:
        for key, value in headers.items():
            not_modified[key] = value
        return not_modified
    start, end, status = 0, size - 1, 200
    wanted = request.headers.get("Range", "").strip()
    if_range = request.headers.get("If-Range", "").strip()
    if wanted and (not if_range or if_range in (etag, last_modified)):
        parsed = _byte_range(wanted, size)
        if parsed is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        if parsed:
            (start, end), status = parsed, 206
    length = max(0, end - start + 1)
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=content_type)
    elif status == 200:  # the whole file: the app server may hand it to the kernel (wsgi.file_wrapper, sendfile)
        response = FileResponse(handle, content_type=content_type)
    else:
        response = StreamingHttpResponse(_Part(handle, start, length), status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    for key, value in headers.items():
        response[key] = value
    return response


def _byte_range(header: str, size: int):
    """(start, end) of a single `bytes=` range; () when the header is not one we serve (send it all);
    None when it cannot be satisfied (416)."""
    match = _RANGE_RE.match(header)
    if not match or not (match[1] or match[2]):
        return ()  # several ranges, or another unit: the whole file, as RFC 9110 allows
    if not match[1]:  # the last N bytes
        suffix = int(match[2])
        if suffix == 0 or size == 0:
            return None
        return max(0, size - suffix), size - 1
    start = int(match[1])
    end = min(int(match[2]), size - 1) if match[2] else size - 1
    if start >= size or (match[2] and int(match[2]) < start):
        return None
    return start, end


class _Part:
    """`length` bytes of an open file from `start`; closed with the response, read or not."""

    def __init__(self, handle, start: int, length: int):
        self.handle, self.start, self.length = handle, start, length

    def __iter__(self):
        self.handle.seek(self.start)
        left = self.length
        while left > 0:
            block = self.handle.read(min(_BLOCK, left))
            if not block:
                return
            left -= len(block)
            yield block

    def close(self):
        self.handle.close()
