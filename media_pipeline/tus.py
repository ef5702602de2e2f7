"""Resumable uploads (tus 1.0.0): state on disk, one directory per upload.

Each upload is ``KEXIANG_UPLOAD_DIR/<uuid>/`` holding ``data`` (the bytes received so far),
``info.json`` (written atomically: temp file, fsync, ``os.replace``) and ``.lock`` (``flock``
taken by every write, so two PATCH requests cannot interleave). Nothing lives in the
database or in process memory, so an upload survives a restart of the web server.

The rest of the app uses:

- ``upload_get(*, upload_id, user) -> UploadInfo`` and ``upload_path(upload) -> Path``;
- ``upload_completed``, a signal sent once with ``sender=UploadInfo, upload=<UploadInfo>``
  when the last byte has arrived and the whole-file SHA-256 (metadata key ``sha256``, when
  the client sent one) matched;
- ``upload_delete(*, upload_id, user)`` and ``uploads_expire(*, older_than) -> int``.

The HTTP side is in ``upload_views.py``.
"""
from __future__ import annotations

import base64
import binascii
import contextlib
import enum
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.dispatch import Signal
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext

from core.storage import storage_failed

from .exceptions import (
    UploadChecksumMismatchError,
    UploadCorruptError,
    UploadError,
    UploadFolderError,
    UploadGoneError,
    UploadInterruptedError,
    UploadLockedError,
    UploadNotFoundError,
    UploadOffsetMismatchError,
    UploadRequestError,
    UploadStorageError,
    UploadTooLargeError,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 4 * 1024**3
READ_BLOCK = 64 * 1024  # request bodies are streamed in blocks of this size, never read whole
HASH_BLOCK = 1024 * 1024
LOCK_WAIT_SECONDS = 3.0  # then 423 Locked; tus-js-client retries after a delay
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "md5")

DATA_NAME = "data"
INFO_NAME = "info.json"
LOCK_NAME = ".lock"
TRASH_PREFIX = ".trash-"

# Sent once per upload, after the lock is released, with upload=<UploadInfo> in state COMPLETE.
upload_completed = Signal()


class UploadState(enum.StrEnum):
    UPLOADING = "uploading"
    COMPLETE = "complete"
    CORRUPT = "corrupt"  # every byte arrived but the whole-file SHA-256 did not match


@dataclass
class UploadInfo:
    id: uuid.UUID
    owner_id: int
    length: int
    offset: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    created: datetime = field(default_factory=timezone.now)
    updated: datetime = field(default_factory=timezone.now)
    state: UploadState = UploadState.UPLOADING
    sha256: str = ""  # hex digest of the whole file, computed when the last byte arrives
    pending_checksum: bool = False  # a checksummed chunk is being written; unverified on disk

    @property
    def filename(self) -> str:
        return self.metadata.get("filename", "")

    @property
    def filetype(self) -> str:
        return self.metadata.get("filetype", "")

    @property
    def is_complete(self) -> bool:
        return self.state == UploadState.COMPLETE

    @property
    def error_message(self) -> str:
        return gettext(UploadCorruptError.user_message) if self.state == UploadState.CORRUPT else ""

    def to_json(self) -> dict:
        return {
            "id": str(self.id),
            "owner_id": self.owner_id,
            "length": self.length,
            "offset": self.offset,
            "metadata": self.metadata,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
            "state": str(self.state),
            "sha256": self.sha256,
            "pending_checksum": self.pending_checksum,
        }

    @classmethod
    def from_json(cls, data: dict) -> UploadInfo:
        return cls(
            id=uuid.UUID(data["id"]),
            owner_id=data["owner_id"],
            length=int(data["length"]),
            offset=int(data["offset"]),
            metadata=dict(data.get("metadata") or {}),
            created=datetime.fromisoformat(data["created"]),
            updated=datetime.fromisoformat(data.get("updated") or data["created"]),
            state=UploadState(data["state"]),
            sha256=data.get("sha256", ""),
            pending_checksum=bool(data.get("pending_checksum", False)),
        )


# Headers


def metadata_parse(header: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (the value may be absent)."""
    metadata: dict[str, str] = {}
    if not header or not header.strip():
        return metadata
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        key = parts[0]
        if len(parts) > 2 or not key or not key.isascii() or key in metadata:
            raise UploadRequestError(detail=f"Upload-Metadata: bad pair {pair!r}")
        value = ""
        if len(parts) == 2:
            try:
                value = base64.b64decode(parts[1], validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as error:
                raise UploadRequestError(detail=f"Upload-Metadata: {key} is not base64 UTF-8") from error
        metadata[key] = value
    sha256 = metadata.get("sha256")
    if sha256 is not None:
        if len(sha256) != 64 or any(c not in "0123456789abcdefABCDEF" for c in sha256):
            raise UploadRequestError(detail="Upload-Metadata: sha256 must be 64 hex digits")
        metadata["sha256"] = sha256.lower()
    return metadata


def metadata_encode(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" if value else key for key, value in metadata.items()
    )


def checksum_parse(header: str) -> tuple[str, bytes]:
    """``Upload-Checksum: <algorithm> <base64 digest>``."""
    parts = header.strip().split(" ")
    if len(parts) != 2 or parts[0].lower() not in CHECKSUM_ALGORITHMS:
        raise UploadRequestError(detail=f"Upload-Checksum: unsupported {header!r}")
    try:
        return parts[0].lower(), base64.b64decode(parts[1], validate=True)
    except binascii.Error as error:
        raise UploadRequestError(detail="Upload-Checksum: digest is not base64") from error


# Storage


def upload_max_bytes() -> int:
    return int(getattr(settings, "KEXIANG_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _root() -> Path:
    root = getattr(settings, "KEXIANG_UPLOAD_DIR", None)
    return Path(root) if root else Path(settings.BASE_DIR) / "var" / "uploads"


def _directory(upload_id) -> Path:
    try:
        return _root() / str(uuid.UUID(str(upload_id)))
    except ValueError as error:
        raise UploadNotFoundError(detail=f"not an upload id: {upload_id!r}") from error


def upload_path(upload: UploadInfo) -> Path:
    """The bytes of an upload; the whole file once ``upload.state`` is COMPLETE."""
    return _root() / str(upload.id) / DATA_NAME


def _read_info(directory: Path) -> UploadInfo:
    try:
        return UploadInfo.from_json(json.loads((directory / INFO_NAME).read_text()))
    except FileNotFoundError as error:
        raise UploadNotFoundError(detail=f"no upload at {directory}") from error
    except (ValueError, KeyError, TypeError) as error:
        logger.error("Unreadable %s in %s: %s", INFO_NAME, directory, error)
        raise UploadNotFoundError(detail=f"unreadable upload at {directory}") from error


def _write_info(directory: Path, info: UploadInfo) -> None:
    temporary = directory / f".{INFO_NAME}.{uuid.uuid4().hex}.tmp"
    try:
        with open(temporary, "w") as file:
            json.dump(info.to_json(), file, ensure_ascii=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, directory / INFO_NAME)
    finally:
        temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def _lock(directory: Path, *, wait: float):
    """Exclusive ``flock`` on the upload's lock file; UploadLockedError after ``wait`` seconds."""
    try:
        file = open(directory / LOCK_NAME, "a")
    except FileNotFoundError as error:
        raise UploadNotFoundError(detail=f"no upload at {directory}") from error
    with file:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise UploadLockedError(detail=f"{directory} is locked") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def _owned(info: UploadInfo, user) -> UploadInfo:
    if user is None or info.owner_id != getattr(user, "pk", None):
        raise UploadNotFoundError(detail=f"upload {info.id} belongs to another user")
    return info


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _finish(directory: Path, info: UploadInfo) -> bool:
    """The last byte has arrived: check the whole file. True when it became COMPLETE."""
    info.sha256 = _sha256_of(directory / DATA_NAME)
    expected = info.metadata.get("sha256")
    if expected and expected != info.sha256:
        logger.warning("Upload %s is corrupt: sha256 %s, the client sent %s", info.id, info.sha256, expected)
        info.state = UploadState.CORRUPT
        (directory / DATA_NAME).unlink(missing_ok=True)  # useless bytes; info.json stays for the status
        return False
    info.state = UploadState.COMPLETE
    return True


def _reconcile(directory: Path, info: UploadInfo) -> bool:
    """Under the lock: make info.json agree with the data file after a crash mid-write.

    The data file is the truth (bytes are fsynced before info.json moves on), except for a
    checksummed chunk that was never verified, which is cut off. Returns True when the
    upload became COMPLETE (the caller sends the signal after releasing the lock).
    """
    if info.state != UploadState.UPLOADING:
        return False
    data = directory / DATA_NAME
    size = data.stat().st_size if data.exists() else 0
    offset = min(size, info.offset) if info.pending_checksum else min(size, info.length)
    if size == offset == info.offset and not info.pending_checksum:
        return False
    logger.warning("Upload %s: info offset %s, data %s bytes; continuing from %s", info.id, info.offset, size, offset)
    if size > offset:
        os.truncate(data, offset)
    elif not data.exists():
        data.touch()
    info.offset, info.pending_checksum = offset, False
    completed = info.offset == info.length and _finish(directory, info)
    _write_info(directory, info)
    return completed


def storage_error(error: OSError) -> UploadError:
    """The tus error for a failed write: 507 when the disk is full, 503 when it cannot be written at all."""
    storage_failed(str(_root()), error)  # one folder for the log, whichever upload in it failed
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return UploadStorageError(detail=str(error))
    return UploadFolderError(detail=str(error))


def _send_completed(info: UploadInfo) -> None:
    for receiver, result in upload_completed.send_robust(sender=UploadInfo, upload=info):
        if isinstance(result, Exception):
            logger.error("upload_completed receiver %r failed for upload %s: %r", receiver, info.id, result)


# Services


def upload_create(*, user, length: int, metadata: dict[str, str] | None = None) -> UploadInfo:
    if length < 0:
        raise UploadRequestError(detail=f"Upload-Length {length} is negative")
    limit = upload_max_bytes()
    if length > limit:
        raise UploadTooLargeError(
            f"Upload-Length {length} > {limit}",
            user_message=gettext("This file is larger than the %(limit)s limit.") % {"limit": filesizeformat(limit)},
        )
    info = UploadInfo(id=uuid.uuid4(), owner_id=user.pk, length=length, metadata=dict(metadata or {}))
    directory = _root() / str(info.id)
    try:
        directory.mkdir(parents=True)
        (directory / DATA_NAME).touch()
        completed = length == 0 and _finish(directory, info)
        _write_info(directory, info)  # last: a directory without info.json is not an upload yet
    except OSError as error:
        shutil.rmtree(directory, ignore_errors=True)
        raise storage_error(error) from error
    if completed:
        _send_completed(info)
    return info


def upload_get(*, upload_id, user) -> UploadInfo:
    """The upload as on disk; UploadNotFoundError when missing or someone else's."""
    directory = _directory(upload_id)
    _owned(_read_info(directory), user)
    completed = False
    try:
        with _lock(directory, wait=0):
            info = _read_info(directory)
            completed = _reconcile(directory, info)
    except UploadLockedError:
        info = _read_info(directory)  # a PATCH is writing; its info.json is the last consistent state
    if completed:
        _send_completed(info)
    return info


def upload_append(
    *,
    upload_id,
    user,
    offset: int,
    stream,
    content_length: int | None = None,
    checksum: tuple[str, bytes] | None = None,
) -> UploadInfo:
    """Append ``stream`` (anything with ``read(n)``, such as the request) at ``offset``.

    Without a checksum the bytes that arrived before a dropped connection are kept; with one
    (``(algorithm, digest)`` from ``checksum_parse``) the chunk is kept only when it matches.
    """
    directory = _directory(upload_id)
    info = _owned(_read_info(directory), user)
    completed = False
    try:
        with _lock(directory, wait=LOCK_WAIT_SECONDS):
            info = _read_info(directory)
            completed = _reconcile(directory, info)
            completed = _append(directory, info, offset, stream, content_length, checksum) or completed
    finally:
        if completed:  # also when a crash-completed upload is found by a PATCH that then fails
            _send_completed(info)
    if info.state == UploadState.CORRUPT:
        raise UploadCorruptError(detail=f"upload {info.id}: whole-file sha256 mismatch")
    return info


def _append(directory, info, offset, stream, content_length, checksum) -> bool:
    """Under the lock; updates ``info`` and info.json. True when the upload became COMPLETE."""
    if info.state == UploadState.CORRUPT:
        raise UploadGoneError(detail=f"upload {info.id} is corrupt")
    if offset != info.offset:
        raise UploadOffsetMismatchError(detail=f"Upload-Offset {offset}, server has {info.offset}")
    room = info.length - offset
    if content_length is not None and content_length > room:
        raise UploadTooLargeError(detail=f"{content_length} bytes at {offset} exceed length {info.length}")
    if checksum:
        info.pending_checksum = True
        _write_info(directory, info)
    hasher = hashlib.new(checksum[0]) if checksum else None
    written, interrupted = 0, False
    data = directory / DATA_NAME
    try:
        with open(data, "r+b") as file:
            file.seek(offset)
            while content_length is None or written < content_length:
                want = READ_BLOCK if content_length is None else min(READ_BLOCK, content_length - written)
                try:
                    block = stream.read(want)
                except OSError:  # UnreadablePostError: the client went away
                    interrupted = True
                    break
                if not block:
                    interrupted = content_length is not None
                    break
                if written + len(block) > room:
                    raise UploadTooLargeError(detail=f"body exceeds length {info.length}")
                file.write(block)
                if hasher:
                    hasher.update(block)
                written += len(block)
            file.flush()
            os.fsync(file.fileno())
    except (UploadTooLargeError, OSError) as error:
        os.truncate(data, offset)
        info.pending_checksum = False
        _write_info(directory, info)
        if isinstance(error, OSError):
            raise storage_error(error) from error
        raise
    if hasher and (interrupted or hasher.digest() != checksum[1]):
        os.truncate(data, offset)
        info.pending_checksum = False
        _write_info(directory, info)
        if interrupted:
            raise UploadInterruptedError(detail=f"checksummed chunk at {offset} cut short, discarded")
        raise UploadChecksumMismatchError(detail=f"{checksum[0]} mismatch for the chunk at {offset}")
    info.offset, info.pending_checksum, info.updated = offset + written, False, timezone.now()
    completed = bool(written) and info.offset == info.length and _finish(directory, info)
    _write_info(directory, info)
    if interrupted and info.offset < info.length:
        raise UploadInterruptedError(detail=f"upload {info.id}: connection dropped at {info.offset}")
    return completed


def _remove(directory: Path) -> None:
    """Move aside first, so a request waiting on the lock finds no upload, then delete."""
    trash = directory.with_name(f"{TRASH_PREFIX}{directory.name}-{uuid.uuid4().hex[:8]}")
    os.replace(directory, trash)
    shutil.rmtree(trash, ignore_errors=True)


def upload_delete(*, upload_id, user) -> None:
    """tus termination; also for the pipeline once it has taken the file."""
    directory = _directory(upload_id)
    _owned(_read_info(directory), user)
    with _lock(directory, wait=LOCK_WAIT_SECONDS):
        _read_info(directory)  # still there?
        _remove(directory)


def upload_data_release(upload: UploadInfo) -> None:
    """The finished file was copied into the media storage (object storage): its bytes here can go. The
    upload's record stays, so its status and the page that saves it still find it (it expires later)."""
    upload_path(upload).unlink(missing_ok=True)


def uploads_of(*, owner_ids) -> list[UploadInfo]:
    """The uploads on disk of these users: unfinished, finished (taken or not: a video's original stays
    here as its source) and corrupt (kept for the status until they expire)."""
    owner_ids, found = set(owner_ids), []
    root = _root()
    if not root.is_dir() or not owner_ids:
        return found
    for directory in root.iterdir():
        if not directory.is_dir() or directory.name.startswith(TRASH_PREFIX):
            continue
        try:
            info = _read_info(directory)
        except UploadNotFoundError:
            continue
        if info.owner_id in owner_ids:
            found.append(info)
    return found


def uploads_expire(*, older_than: timedelta) -> int:
    """Delete unfinished (uploading or corrupt) uploads not written to for ``older_than``.

    COMPLETE uploads are left for their consumer to delete. Returns how many were deleted.
    """
    root = _root()
    if not root.is_dir():
        return 0
    cutoff = timezone.now() - older_than
    deleted = 0
    for directory in root.iterdir():
        if not directory.is_dir():
            continue
        if directory.name.startswith(TRASH_PREFIX):  # a removal that a crash interrupted
            shutil.rmtree(directory, ignore_errors=True)
            continue
        try:
            info = _read_info(directory)
            if info.state == UploadState.COMPLETE or info.updated >= cutoff:
                continue
        except UploadNotFoundError:  # never finished creating, or unreadable
            modified = datetime.fromtimestamp(directory.stat().st_mtime, tz=timezone.get_current_timezone())
            if modified >= cutoff:
                continue
        try:
            with _lock(directory, wait=0):
                _remove(directory)
            deleted += 1
        except (UploadLockedError, UploadNotFoundError, FileNotFoundError):
            continue  # busy or already gone
    return deleted
