"""What one person and one school may keep: limits checked when an upload starts (tus creation).

- A person: at most KEXIANG_UPLOAD_PENDING_MAX_COUNT uploads on disk that are not yet a resource or a video
  (default 10) reserving at most KEXIANG_UPLOAD_PENDING_MAX_BYTES (default twice the largest file). An upload
  reserves the size its client declared when it started, so a script that opens 300 uploads of 4 GiB each is
  refused after the first two, not after filling the disk. Unfinished uploads untouched for
  KEXIANG_UPLOAD_EXPIRE_HOURS (default 6) are deleted (media_pipeline.tasks.expire_abandoned_uploads, every
  30 minutes), which frees the reservation.
- A school: the bytes of its resources and of its teachers' videos, uploads and 教研 post files stay under
  its quota (post files are refused with the post's own message when it is full),
  School.storage_quota_gb, or KEXIANG_SCHOOL_STORAGE_QUOTA_GB (default 100) when that is empty; 0 means no
  quota. School admins see their school's use on the semester figures page.

`upload_start` checks and creates under a lock, so parallel requests cannot slip past the limits together.
Refusals are UploadQuotaError (413) with a sentence in the uploader's language.
"""
import fcntl
import os
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.dispatch import Signal
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

from accounts.models import User

from . import tus
from .exceptions import UploadQuotaError
from .models import MediaAsset

GB = 1024**3

# Asks the apps above the pipeline how many bytes they keep for a school (resources' files, 教研 post files):
# each receiver (connected in its AppConfig.ready()) answers for `school=` and its `teacher_ids=`, so that the
# quota counts them without the pipeline importing those apps.
school_bytes_kept = Signal()


def pending_max_count() -> int:
    return int(getattr(settings, "KEXIANG_UPLOAD_PENDING_MAX_COUNT", 10))


def pending_max_bytes() -> int:
    return int(getattr(settings, "KEXIANG_UPLOAD_PENDING_MAX_BYTES", 0) or 2 * tus.upload_max_bytes())


@dataclass(frozen=True)
class SchoolStorage:
    used: int  # bytes
    quota: int | None  # bytes; None: no quota

    @property
    def percent(self):
        return min(100, round(100 * self.used / self.quota)) if self.quota else None

    def fits(self, adding: int) -> bool:
        """Whether `adding` more bytes stay within the quota (always, without one)."""
        return self.quota is None or self.used + adding <= self.quota


def school_quota(school) -> int | None:
    gigabytes = school.storage_quota_gb
    if gigabytes is None:
        gigabytes = int(getattr(settings, "KEXIANG_SCHOOL_STORAGE_QUOTA_GB", 100))
    return gigabytes * GB if gigabytes else None


def _waiting(uploads):
    """Uploads that wait for their teacher: not those whose bytes became a video (the original stays in the
    upload folder as the video's source, and the video counts it)."""
    finished = [str(upload.id) for upload in uploads if upload.is_complete]
    taken = set(MediaAsset.objects.filter(upload_id__in=finished).values_list("upload_id", flat=True))
    return [upload for upload in uploads if str(upload.id) not in taken]


def _school_teachers(school) -> list[int]:
    return list(User.objects.filter(school=school).values_list("pk", flat=True))


def school_storage(school, *, waiting=None) -> SchoolStorage:
    """Bytes kept for `school`: its resources' files and the files its teachers posted in 教研 threads (as those
    apps count them: school_bytes_kept), its teachers' videos that are not (yet) resources, and their uploads on
    disk (each at the size declared when it started). `waiting`: those uploads, when the caller has read them
    already."""
    teachers = _school_teachers(school)
    kept = sum(count for _receiver, count in school_bytes_kept.send(sender=None, school=school, teacher_ids=teachers))
    videos = (MediaAsset.objects.filter(owner_id__in=teachers, resources__isnull=True)
              .exclude(state=MediaAsset.State.FAILED).aggregate(n=Sum("size_bytes"))["n"] or 0)
    if waiting is None:
        waiting = _waiting(tus.uploads_of(owner_ids=teachers))
    uploads = sum(upload.length for upload in waiting)
    return SchoolStorage(used=kept + videos + uploads, quota=school_quota(school))


def upload_quota_check(*, user, length: int) -> None:
    """Raise UploadQuotaError when `user` may not start an upload of `length` bytes now."""
    # The upload folder is read once: for the teacher's own uploads and, with a school, all its teachers'.
    owners = _school_teachers(user.school) if user.school_id else [user.pk]
    waiting = _waiting(tus.uploads_of(owner_ids=owners))
    mine = [upload for upload in waiting if upload.owner_id == user.pk]
    hours = int(getattr(settings, "KEXIANG_UPLOAD_EXPIRE_HOURS", 6))
    if len(mine) >= pending_max_count():
        raise UploadQuotaError(
            f"user {user.pk}: {len(mine)} uploads pending", user_message=gettext(
                "You already have %(count)d uploads that are not finished or not saved yet. Finish or save them "
                "first (an upload untouched for %(hours)d hours is deleted by itself), then start this one.")
            % {"count": len(mine), "hours": hours})
    reserved = sum(upload.length for upload in mine if upload.state != tus.UploadState.CORRUPT)
    if reserved + length > pending_max_bytes():
        raise UploadQuotaError(
            f"user {user.pk}: {reserved} reserved + {length} > {pending_max_bytes()}", user_message=gettext(
                "Your unfinished uploads already take %(used)s; with this file they would pass the %(limit)s one "
                "person may have waiting. Finish or save the earlier uploads first, then try again.")
            % {"used": filesizeformat(reserved), "limit": filesizeformat(pending_max_bytes())})
    if user.school_id:
        storage = school_storage(user.school, waiting=waiting)
        if not storage.fits(length):
            raise UploadQuotaError(
                f"school {user.school_id}: {storage.used} + {length} > {storage.quota}", user_message=gettext(
                    "Your school's storage is nearly full: %(used)s of %(quota)s is used, and this file does not "
                    "fit. Ask your school admin to remove resources nobody uses, or to ask the district for more "
                    "space.") % {"used": filesizeformat(storage.used), "quota": filesizeformat(storage.quota)})


@contextmanager
def _creation_lock():
    """One upload starts at a time on this machine (a flock on the upload folder itself: no extra file), so
    parallel requests cannot pass the limits together. Starting is quick; the bytes are not under it."""
    root = tus._root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(root, os.O_RDONLY)
    except OSError as error:
        raise tus.storage_error(error) from error
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def upload_start(*, user, length: int, metadata=None) -> tus.UploadInfo:
    """tus creation within the limits: check and create under the creation lock."""
    with _creation_lock():
        upload_quota_check(user=user, length=length)
        return tus.upload_create(user=user, length=length, metadata=metadata)


