"""Where media lives: this machine's disk or S3-compatible object storage, one switch (KEXIANG_MEDIA_STORAGE).

Everything reaches files through Django's storage API: `media_storage()` (STORAGES["default"]: attachments,
previews, captions, ladders, posters, storyboards, stills, the library's images and documents, originals) and
`private_storage()` (STORAGES["private"]: files posted in 教研 threads). What the API does not offer is here,
for both kinds of storage:
- `local_root(storage)`: the folder on this machine, or None for object storage;
- `upload_tree`, `download`, `delete_prefix`, `walk`: whole folders, fast (boto3's transfer manager, threads);
- `signed_url`: a short-lived presigned link to one object (object storage only);
- `storage_errors()`: what the client raises, as `StorageUnavailable` (an OSError, so Celery tasks retry it)
  or `FileNotFoundError`, with a sentence for the user;
- `reachable()`: can the media storage be reached now (cached a little: pages and /readyz ask).
"""
import contextlib
import datetime
import mimetypes
import os
import posixpath
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _


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


def content_type_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


UNAVAILABLE_MESSAGE = _("Media storage cannot be reached right now. What you saved is kept; try again in a few "
                        "minutes, and tell your school admin if it goes on.")


class StorageUnavailable(OSError):
    """The object store is down, unreachable or refuses our credentials. An OSError: Celery's media tasks retry
    it (media_pipeline.tasks.TRANSIENT), the tus views answer 503."""

    user_message = UNAVAILABLE_MESSAGE


class PrivateFileSystemStorage(FileSystemStorage):
    """Research files on this machine's disk: PRIVATE_MEDIA_ROOT (read on each use), outside MEDIA_ROOT."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def media_storage():
    return storages["default"]


def private_storage():
    return storages["private"]


class _PrivateStorage(LazyObject):
    """STORAGES["private"], looked up on first use and again after the setting changes (tests switch it)."""

    def _setup(self):
        self._wrapped = storages["private"]


private_media = _PrivateStorage()


def _reset_private(*, setting, **kwargs):
    if setting == "STORAGES":
        private_media._wrapped = empty
        _reachable_cache.clear()


setting_changed.connect(_reset_private, dispatch_uid="core.media_storage.reset_private")


def private_media_storage():
    """The `storage` of a FileField in the private storage (a callable, so migrations name this function)."""
    return private_media


def local_root(storage) -> Path | None:
    """The folder holding `storage`'s files on this machine; None when they are in object storage."""
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        storage = storage._wrapped
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    return None


def is_local(storage=None) -> bool:
    return local_root(storage if storage is not None else media_storage()) is not None


# ---------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------

def _missing(error) -> bool:
    response = getattr(error, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or code in ("404", "NoSuchKey", "NotFound")


@contextlib.contextmanager
def storage_errors(what=""):
    """Turns the S3 client's errors into FileNotFoundError (no such object) and StorageUnavailable (anything
    else: connection refused, timeouts, wrong credentials, a missing bucket, 5xx)."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415  (only with object storage)

    try:
        yield
    except ClientError as error:
        if _missing(error):
            raise FileNotFoundError(f"{what}: {error}") from error
        raise StorageUnavailable(f"{what}: {error}") from error
    except BotoCoreError as error:
        raise StorageUnavailable(f"{what}: {error}") from error


# ---------------------------------------------------------------------------------------------------
# Objects of an S3 storage
# ---------------------------------------------------------------------------------------------------

def key_of(storage, name: str) -> str:
    """The object key of `name` in its bucket (with the storage's location, e.g. KEXIANG_S3_PREFIX)."""
    return storage._normalize_name(name)


def _client(storage):
    return storage.connection.meta.client


def object_parameters(name: str) -> dict:
    """Content type and caching of an object as it is written: segments and pictures never change once written;
    playlists and cue files may be replaced (a ladder's master gains its higher rungs)."""
    changing = Path(name).suffix.lower() in CHANGING
    cache = "max-age=60" if changing else "max-age=31536000, immutable"
    return {"ContentType": content_type_of(name), "CacheControl": cache}


UPLOAD_THREADS = 8


def upload_tree(storage, folder, prefix: str, *, names=None, last=()) -> int:
    """Copy the files under `folder` (or only `names`, relative to it) to `prefix/…` in `storage`; the files in
    `last` (relative names, e.g. the master playlist) only after every other one is there. Returns the bytes
    copied, in threads. On disk storage it copies files; prefer renaming in place there (media_pipeline does)."""
    folder = Path(folder)
    if names is None:
        names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    first = [n for n in names if n not in last]
    final = [n for n in last if (folder / n).is_file()]
    total = 0

    def put(name):
        return upload_file(storage, folder / name, f"{prefix}/{name}")

    if first:
        with ThreadPoolExecutor(max_workers=min(UPLOAD_THREADS, len(first))) as pool:
            total += sum(pool.map(put, first))
    for name in final:
        total += put(name)
    return total


def upload_file(storage, path, name: str) -> int:
    """One local file to `name` in `storage` (replacing what is there). Returns its size."""
    root = local_root(storage)
    if root is not None:
        _copy_whole(path, root / name)
    else:
        with storage_errors(f"upload {name}"):
            _client(storage).upload_file(str(path), storage.bucket_name, key_of(storage, name),
                                         ExtraArgs=object_parameters(name))
    return os.path.getsize(path)


def _copy_whole(source, target: Path) -> None:
    """`source` to `target` on this disk, written aside and renamed: a reader never finds half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.part")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def download(storage, name: str, dest) -> Path:
    """`name` from `storage` into the local file `dest` (written aside, then renamed: never half a file)."""
    dest = Path(dest)
    root = local_root(storage)
    if root is not None:
        _copy_whole(root / name, dest)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    temporary = dest.with_name(f".{dest.name}.part")
    with storage_errors(f"download {name}"):
        _client(storage).download_file(storage.bucket_name, key_of(storage, name), str(temporary))
    os.replace(temporary, dest)
    return dest


def download_tree(storage, prefix: str, folder) -> list[str]:
    """Every object under `prefix/` into `folder` (relative names kept). Returns the names fetched."""
    names = [name for name, _size, _modified in walk(storage, prefix)]
    folder = Path(folder)

    def get(name):
        download(storage, name, folder / posixpath.relpath(name, prefix))
        return name

    if not names:
        return []
    with ThreadPoolExecutor(max_workers=min(UPLOAD_THREADS, len(names))) as pool:
        return list(pool.map(get, names))


def walk(storage, prefix: str = ""):
    """(name, size, modified) of every file under `prefix` ("" for all), names relative to the storage."""
    prefix = prefix.strip("/")
    root = local_root(storage)
    if root is not None:
        base = root / prefix if prefix else root
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file():
                stat = path.stat()
                yield (str(path.relative_to(root)), stat.st_size,
                       datetime.datetime.fromtimestamp(stat.st_mtime, tz=datetime.UTC))
        return
    location = storage.location.strip("/")
    start = key_of(storage, prefix) if prefix else (location + "/" if location else "")
    if prefix:
        start = start.rstrip("/") + "/"
    paginator = _client(storage).get_paginator("list_objects_v2")
    with storage_errors(f"list {prefix or '/'}"):
        for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=start):
            for entry in page.get("Contents", ()):
                key = entry["Key"]
                if key.endswith("/"):  # a folder marker (some servers list their folders so)
                    continue
                name = key[len(location) + 1:] if location else key
                yield name, entry["Size"], entry["LastModified"]


def exists_prefix(storage, prefix: str) -> bool:
    return next(iter(walk(storage, prefix)), None) is not None


def delete_prefix(storage, prefix: str) -> int:
    """Delete every file under `prefix/`. Returns how many were deleted."""
    prefix = prefix.strip("/")
    if not prefix:
        raise ValueError("refusing to delete the whole storage")
    root = local_root(storage)
    if root is not None:
        folder = root / prefix
        count = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
        shutil.rmtree(folder, ignore_errors=True)
        return count
    return delete_keys(storage, [key_of(storage, name) for name, _size, _modified in walk(storage, prefix)])


def delete_keys(storage, keys) -> int:
    """Delete objects by key, a thousand a request; one by one where the server has no bulk delete (S3Proxy
    refuses the checksum header botocore sends with it)."""
    from botocore.exceptions import ClientError  # noqa: PLC0415  (only with object storage)

    client = _client(storage)
    for start in range(0, len(keys), 1000):
        batch = keys[start:start + 1000]
        try:
            with storage_errors(f"delete {len(batch)} objects"):
                try:
                    answer = client.delete_objects(Bucket=storage.bucket_name,
                                                   Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
                    refused = answer.get("Errors") or []
                    if refused:
                        raise StorageUnavailable(f"{len(refused)} objects not deleted, e.g. {refused[0]}")
                    continue
                except ClientError as error:
                    if error.response.get("Error", {}).get("Code") != "NotImplemented":
                        raise

                def one(key):
                    client.delete_object(Bucket=storage.bucket_name, Key=key)

                with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
                    list(pool.map(one, batch))
        except FileNotFoundError:
            continue  # gone already
    return len(keys)


def delete_file(storage, name: str) -> None:
    """Delete one file; gone already is fine."""
    if not name:
        return
    if local_root(storage) is not None:
        storage.delete(name)
        return
    with storage_errors(f"delete {name}"):
        storage.delete(name)


def read_text(storage, name: str) -> str:
    root = local_root(storage)
    if root is not None:
        return (root / name).read_text(encoding="utf-8")
    with storage_errors(f"read {name}"):
        response = _client(storage).get_object(Bucket=storage.bucket_name, Key=key_of(storage, name))
        return response["Body"].read().decode("utf-8")


def size_of(storage, name: str) -> int:
    root = local_root(storage)
    if root is not None:
        return (root / name).stat().st_size
    with storage_errors(f"size of {name}"):
        response = _client(storage).head_object(Bucket=storage.bucket_name, Key=key_of(storage, name))
        return response["ContentLength"]


def signed_url(storage, name: str, *, seconds=None, content_type=None, cache_control=None,
               disposition=None) -> str:
    """A presigned GET link to `name`, valid `seconds` (KEXIANG_SIGNED_URL_SECONDS); the response headers the
    object store should send are signed into it. Presigning is computed here: it does not call the store."""
    parameters = {}
    if content_type:
        parameters["ResponseContentType"] = content_type
    if cache_control:
        parameters["ResponseCacheControl"] = cache_control
    if disposition:
        parameters["ResponseContentDisposition"] = disposition
    with storage_errors(f"sign {name}"):
        return storage.signed_url(name, parameters=parameters,
                                  expire=int(seconds or settings.KEXIANG_SIGNED_URL_SECONDS))


# ---------------------------------------------------------------------------------------------------
# Is it there?
# ---------------------------------------------------------------------------------------------------

REACHABLE_FOR, UNREACHABLE_FOR = 30.0, 5.0  # seconds an answer is kept in this process
_reachable_cache = {}
_reachable_lock = threading.Lock()


def reachable(storage=None) -> tuple[bool, str]:
    """(True, "") when the media storage answers (a folder that exists; a bucket we may list); else (False,
    why). Kept for REACHABLE_FOR seconds (a failure for UNREACHABLE_FOR), so pages may ask on every view."""
    storage = storage if storage is not None else media_storage()
    key = id(storage)
    now = time.monotonic()
    with _reachable_lock:
        cached = _reachable_cache.get(key)
        if cached and cached[0] > now:
            return cached[1]
    answer = _probe(storage)
    with _reachable_lock:
        _reachable_cache[key] = (now + (REACHABLE_FOR if answer[0] else UNREACHABLE_FOR), answer)
    return answer


def _probe(storage) -> tuple[bool, str]:
    root = local_root(storage)
    if root is not None:
        return (True, "") if root.is_dir() else (False, f"{root} does not exist")
    try:
        with storage_errors("reach the bucket"):
            _probe_client(storage).list_objects_v2(Bucket=storage.bucket_name, MaxKeys=1)
        return True, ""
    except OSError as error:
        return False, str(error)


def _probe_client(storage):
    """A client of the storage's own settings that gives up quickly (one try, a second to connect): a page that
    asks must not wait out the retries of a store that is down."""
    from botocore.config import Config  # noqa: PLC0415  (only with object storage)

    quick = storage.client_config.merge(Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}))
    return storage._create_session().client("s3", endpoint_url=storage.endpoint_url, region_name=storage.region_name,
                                            use_ssl=storage.use_ssl, verify=storage.verify, config=quick)


def media_status(request):
    """Template context: `media_unavailable` when media is in object storage that cannot be reached now (pages
    still render, with a note; base.html). Never asks when media is on this machine's disk."""
    if is_local():
        return {"media_unavailable": False}
    return {"media_unavailable": not reachable()[0]}
