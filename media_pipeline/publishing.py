"""Where a transcode works and how its ladder reaches viewers, on either kind of media storage.

- Media on this machine's disk (KEXIANG_MEDIA_STORAGE=local): the ladder is built beside its published folder
  under MEDIA_ROOT and renamed into place (pipeline.py); the original is read where the upload left it.
- Media in object storage (s3): a worker needs nothing of the web's disk. Each task takes a scratch folder of
  its own under KEXIANG_SCRATCH_DIR, fetches the original there from storage, builds the ladder there and
  publishes it by copying what changed into `hls/<uid>/` in the bucket, the playlists last: the master playlist
  appears only after every file it names is there, so a worker killed mid-upload leaves nothing a viewer can
  find, and its retry finishes the job. The chunks of a long recording, encoded by any worker, meet under
  `work/<uid>/chunks/` in the bucket, and the worker that joins them fetches them.
"""
import contextlib
import datetime
import logging
import os
import posixpath
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from core import media_storage

from .playlists import MASTER_PLAYLIST

log = logging.getLogger(__name__)

ORIGINALS = "originals"  # originals/<upload or asset id>/<file name> in the media storage
WORK = "work"  # work/<asset uid>/chunks/chunk_NNNN/… while a long recording's chunks are encoded


def original_name(key: str, filename: str) -> str:
    """Where an original is kept in the media storage."""
    suffix = Path(filename or "").suffix.lower()[:10]
    return f"{ORIGINALS}/{key}/original{suffix if suffix.isascii() else ''}"


def chunks_prefix(asset) -> str:
    return f"{WORK}/{asset.uid}/chunks"


@dataclass
class Publisher:
    """Copies what changed in a local ladder folder into the media storage, playlists last."""

    outdir: Path
    prefix: str
    sent: dict = field(default_factory=dict)  # relative name -> (size, mtime_ns) already copied
    bytes_sent: int = 0

    def __call__(self):
        storage = media_storage.media_storage()
        changed = []
        for path in sorted(self.outdir.rglob("*")):
            if not path.is_file():
                continue
            name = str(path.relative_to(self.outdir))
            stat = path.stat()
            if self.sent.get(name) != (stat.st_size, stat.st_mtime_ns):
                changed.append((name, (stat.st_size, stat.st_mtime_ns)))
        if not changed:
            return
        names = [name for name, _stamp in changed]
        # Rung playlists before the master that names them; cue files after their pictures.
        last = sorted((n for n in names if n.endswith((".m3u8", ".vtt")) and n != MASTER_PLAYLIST),
                      key=lambda n: n.count("/"), reverse=True)
        if MASTER_PLAYLIST in names:
            last.append(MASTER_PLAYLIST)
        self.bytes_sent += media_storage.upload_tree(storage, self.outdir, self.prefix, names=names, last=last)
        self.sent.update(changed)


@dataclass
class Workspace:
    """What one transcode task works with: a local copy of the original, the folder the ladder is built in,
    and `publish()` (nothing to do when that folder is the published one)."""

    source: Path
    outdir: Path
    remote: bool
    publish: object = None


@contextlib.contextmanager
def scratch_folder(label: str):
    """A folder of this task's own under KEXIANG_SCRATCH_DIR, removed when the task ends (a killed task's is
    removed by scratch_sweep when a worker next starts)."""
    root = Path(settings.KEXIANG_SCRATCH_DIR)
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=root))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def local_source(source_path: str) -> Path | None:
    """The original on this machine, if it is here: an absolute path (an upload's own file, a file an operator
    named), or a name in the media storage when that storage is this machine's disk."""
    if os.path.isabs(source_path):
        return Path(source_path)
    root = media_storage.local_root(media_storage.media_storage())
    return root / source_path if root is not None else None


@contextlib.contextmanager
def workspace(asset):
    """The workspace of one task on `asset`. On object storage: a scratch folder of its own (scratch_folder)."""
    if media_storage.is_local():
        source = local_source(asset.source_path)
        yield Workspace(source=source, outdir=Path(settings.MEDIA_ROOT) / asset.output_name, remote=False,
                        publish=lambda: None)
        return
    with scratch_folder(str(asset.uid)) as scratch:
        source = local_source(asset.source_path) if os.path.isabs(asset.source_path) else None
        if source is None:
            started = time.monotonic()
            source = media_storage.download(media_storage.media_storage(), asset.source_path,
                                            scratch / ("source" + Path(asset.source_path).suffix))
            log.info("asset %s: original fetched in %.1f s", asset.pk, time.monotonic() - started)
        outdir = scratch / "ladder"
        outdir.mkdir()
        yield Workspace(source=source, outdir=outdir, remote=True, publish=Publisher(outdir, asset.output_name))


def chunk_store(asset, folder: Path, index: int) -> None:
    """A chunk encoded here, into storage for whichever worker joins them (its `done` marker last)."""
    media_storage.upload_tree(media_storage.media_storage(), folder, f"{chunks_prefix(asset)}/chunk_{index:04d}",
                              last=["done"])


def chunks_stored(asset) -> int:
    return sum(1 for name, _size, _modified in media_storage.walk(media_storage.media_storage(), chunks_prefix(asset))
               if posixpath.basename(name) == "done")


def chunks_fetch(asset, folder: Path) -> None:
    media_storage.download_tree(media_storage.media_storage(), chunks_prefix(asset), folder)


def work_forget(asset) -> None:
    """The chunks are joined (or the job failed for good): their objects go."""
    if not media_storage.is_local():
        media_storage.delete_prefix(media_storage.media_storage(), f"{WORK}/{asset.uid}")


def scratch_sweep(*, older_than=datetime.timedelta(hours=4)) -> int:
    """Remove scratch folders that killed tasks left on this machine (older than any task may run)."""
    root = Path(settings.KEXIANG_SCRATCH_DIR)
    if not root.is_dir():
        return 0
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


def original_store(path, key: str, filename: str) -> str:
    """A finished upload's file into the media storage as an original; returns its name there."""
    name = original_name(key or uuid.uuid4().hex, filename)
    media_storage.upload_file(media_storage.media_storage(), path, name)
    return name
