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
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import content_disposition_header, http_date
from django.utils.translation import gettext

from . import media_storage
from .media_storage import CHANGING, StorageUnavailable, content_type_of
from .storage import storage_failed

# The roots: MEDIA_ROOT and PRIVATE_MEDIA_ROOT (this machine's disk or object storage), and KEXIANG_LIVE_ROOT (live
# lessons' HLS, always on the disk of the machine running nginx-rtmp).
MEDIA, PRIVATE, LIVE = "media", "private", "live"


@dataclass(frozen=True)
class StoredFile:
    root: str  # MEDIA or PRIVATE
    name: str  # relative to the root, as the storage names it
    kind: str  # "attachment", "preview", "captions", "ladder", "image", "document", "post_attachment"
    is_public: bool
    readable: Callable  # readable(user) -> bool

    def readable_by(self, user) -> bool:
        return self.is_public or self.readable(user)


PUBLIC_MAX_AGE, PUBLIC_CHANGING_MAX_AGE, PRIVATE_MAX_AGE = 86400, 60, 600
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_BLOCK = 256 * 1024


def root_path(root: str) -> Path:
    return Path({MEDIA: settings.MEDIA_ROOT, PRIVATE: settings.PRIVATE_MEDIA_ROOT, LIVE: settings.KEXIANG_LIVE_ROOT}[root])


def storage_of(root: str):
    if root == LIVE:
        return FileSystemStorage(location=settings.KEXIANG_LIVE_ROOT)
    return media_storage.media_storage() if root == MEDIA else media_storage.private_storage()


def cache_control(name: str, *, public: bool, root: str = MEDIA) -> str:
    if root == PRIVATE:  # a 教研 group's file: not even kept in the browser of a shared school computer
        return "private, no-store"
    if root == LIVE and (name.endswith(".m3u8") or name.endswith("/init.mp4")):
        # a live playlist grows every segment; a phone that reconnects may rewrite the init segment
        return f"{'public' if public else 'private'}, no-cache"
    changing = Path(name).suffix.lower() in CHANGING
    if public:
        return f"public, max-age={PUBLIC_CHANGING_MAX_AGE if changing else PUBLIC_MAX_AGE}"
    return "private, no-cache" if changing else f"private, max-age={PRIVATE_MAX_AGE}"


def send_file(request, stored, *, filename=None, as_attachment=False):
    """The response that delivers `stored` (an access.StoredFile the reader may read)."""
    storage = storage_of(stored.root)
    if not media_storage.is_local(storage):
        return _from_object_storage(request, stored, storage, filename=filename, as_attachment=as_attachment)
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


# ---------------------------------------------------------------------------------------------------
# Object storage: a signed link instead of the bytes
# ---------------------------------------------------------------------------------------------------

def _from_object_storage(request, stored, storage, *, filename=None, as_attachment=False):
    """A file in object storage, after the reader's check.

    - A playlist is read and sent as stored: its segments named relative to it, so any player (Safari's own too,
      which never reloads a video's playlist) asks the site for each and gets a redirect to a fresh link. With
      `?signed=1` (hls.js asks so: lib/hls-loader.js) its segments are named by signed links instead, fetched
      from the store directly, and hls.js comes back to the site for them when those links grow old.
    - A cue file (captions, storyboard, slides) is read and sent: a <track> may not follow a redirect to another
      origin.
    - Any other file is a redirect to a presigned link (or to the CDN, for a public file when KEXIANG_MEDIA_CDN_URL
      is set).
    A missing object is a 404; a store that cannot be reached is a 503 that says so, at once when it was found
    down moments ago (a media request must not wait out the client's retries while viewers queue behind it)."""
    reachable, why = media_storage.reachable(storage)
    if not reachable:
        return unavailable(StorageUnavailable(why))
    text = None
    try:
        if stored.name.endswith(".m3u8"):
            text = (_signed_playlist(stored, storage) if request.GET.get("signed")
                    else media_storage.read_text(storage, stored.name))
        elif stored.name.endswith(".vtt"):
            text = media_storage.read_text(storage, stored.name)
        else:
            media_storage.size_of(storage, stored.name)  # there at all? (a 404 here, not the store's 403/404)
            response = HttpResponseRedirect(_link(stored, storage, filename=filename, as_attachment=as_attachment))
    except FileNotFoundError:
        raise Http404 from None
    except StorageUnavailable as error:
        return unavailable(error)
    seconds = settings.KEXIANG_SIGNED_URL_SECONDS
    if text is not None:
        response = HttpResponse(text, content_type=content_type_of(stored.name))
        # a signed playlist names links valid `seconds`: never kept longer than a minute
        response["Cache-Control"] = cache_control(stored.name, public=stored.is_public, root=stored.root)
        if stored.is_public and request.GET.get("signed"):
            response["Cache-Control"] = f"public, max-age={min(60, seconds // 4)}"
    elif stored.root == PRIVATE:  # a 教研 group's file: not even kept in the browser of a shared school computer
        response["Cache-Control"] = "private, no-store"
    else:  # the redirect is kept a while, well within its link's life
        response["Cache-Control"] = f"{'public' if stored.is_public else 'private'}, max-age={seconds // 4}"
    if not stored.is_public:
        patch_vary_headers(response, ("Cookie",))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def unavailable(error):
    storage_failed("media storage", error)
    response = HttpResponse(gettext("Media storage cannot be reached right now. Try again in a few minutes."),
                            status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


def _link(stored, storage, *, filename=None, as_attachment=False, name=None):
    name = name or stored.name
    cdn = settings.KEXIANG_MEDIA_CDN_URL
    if stored.is_public and cdn and stored.root == MEDIA and not (filename or as_attachment):
        return cdn.rstrip("/") + "/" + quote(media_storage.key_of(storage, name))  # the object's key: prefix too
    disposition = None
    if as_attachment or filename:
        disposition = content_disposition_header(as_attachment, filename or Path(name).name)
    seconds = settings.KEXIANG_SIGNED_URL_SECONDS
    changing = Path(name).suffix.lower() in CHANGING
    cache = (f"{'public' if stored.is_public else 'private'}, "
             f"max-age={min(60, seconds) if changing else seconds}")
    if stored.root == PRIVATE:
        cache = "private, no-store"
    return media_storage.signed_url(storage, name, content_type=content_type_of(name), cache_control=cache,
                                    disposition=disposition)


def _signed_playlist(stored, storage) -> str:
    """An HLS playlist with its segments (and init segment) named by signed links; playlists it names stay
    relative, so players come back here for them (and get links of their own)."""
    folder = stored.name.rsplit("/", 1)[0] if "/" in stored.name else ""
    lines = []
    for line in media_storage.read_text(storage, stored.name).splitlines():
        text = line.strip()
        if text.startswith("#EXT-X-MAP:") and 'URI="' in text:
            head, _, rest = text.partition('URI="')
            uri, _, tail = rest.partition('"')
            line = f'{head}URI="{_segment_link(stored, storage, folder, uri)}"{tail}'
        elif text and not text.startswith("#") and not text.endswith(".m3u8"):
            line = _segment_link(stored, storage, folder, text)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _segment_link(stored, storage, folder, uri):
    if "://" in uri or uri.startswith("/"):
        return uri
    name = posixpath.normpath(posixpath.join(folder, uri))
    if name.startswith("../") or not name.startswith(folder):
        return uri
    return _link(stored, storage, name=name)
