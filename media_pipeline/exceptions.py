"""Errors of the media pipeline. `user_message` is what the uploader reads; str() goes to the log."""
from django.utils.translation import gettext_lazy as _


class MediaError(ValueError):
    """An upload that cannot become a lesson video. Never retried: the file will not change."""

    user_message = _("This file cannot be processed. Upload the original recording again.")

    def __init__(self, detail=""):
        super().__init__(detail or str(self.user_message))
        self.detail = detail


class EmptyMediaError(MediaError):
    user_message = _("The file is empty (0 bytes). Record again or choose another file.")


class MediaTooLargeError(MediaError):
    user_message = _("The file is larger than the 4 GB limit. Trim the recording or split it into parts.")


class MediaTooLongError(MediaError):
    user_message = _("The recording is longer than the limit. Split it into parts and upload them one by one.")


class UnsupportedMediaError(MediaError):
    user_message = _("This is not a video or audio file we can read. Upload the recording as MP4, MOV, M4A or MP3.")


class NoMediaStreamsError(MediaError):
    user_message = _("The file holds no picture and no sound: it may be damaged or cut off. Upload the original again.")


class TranscodeInterrupted(OSError):
    """FFmpeg was stopped from outside (a signal, exit 255): not the file's fault, so retried."""


class TranscodeError(MediaError):
    user_message = _("The video could not be converted: the file may be damaged partway. Upload the original again.")


# Resumable uploads (tus.py): each error carries the HTTP status the tus views answer with and a sentence
# for the user.


class UploadError(Exception):
    """``user_message`` is what the uploader reads; str() (the detail) goes to the log."""

    status = 400
    reason = ""
    user_message = _("The upload could not be understood. Please upload the file again.")

    def __init__(self, detail="", *, user_message=None):
        if user_message is not None:
            self.user_message = user_message
        super().__init__(detail or str(self.user_message))
        self.detail = detail


class UploadRequestError(UploadError):
    """A missing or malformed tus header; ``detail`` says which, for the log."""


class UploadNotFoundError(UploadError):
    status = 404
    user_message = _("This upload was not found. Please upload the file again.")


class UploadGoneError(UploadError):
    status = 410
    user_message = _("This upload can no longer be continued. Please upload the file again.")


class UploadOffsetMismatchError(UploadError):
    status = 409
    user_message = _("The upload is out of step with the server; it will continue from where the server stopped.")


class UploadTooLargeError(UploadError):
    status = 413
    user_message = _("The data is larger than the file size given when the upload started.")


class UploadLockedError(UploadError):
    status = 423
    user_message = _("This upload is busy with another transfer. Try again in a moment.")


class UploadChecksumMismatchError(UploadError):
    status = 460
    reason = "Checksum Mismatch"
    user_message = _("Part of the file was damaged in transit and will be sent again.")


class UploadCorruptError(UploadChecksumMismatchError):
    user_message = _("The file was damaged in transit. Please upload it again.")


class UploadInterruptedError(UploadError):
    user_message = _("The connection dropped during the upload; it will continue from where it stopped.")


class UploadQuotaError(UploadError):
    """A limit on what one person, or one school, may keep (media_pipeline/quotas.py); the sentence says which."""

    status = 413
    reason = "Quota Exceeded"


class UploadFolderError(UploadError):
    """The upload folder cannot be written (read-only, no permission): the server's problem, not the file's."""

    status = 503
    user_message = _("The server cannot store uploads right now (its storage cannot be written). Nothing of "
                     "yours was lost; tell your school admin, and try again later.")


class UploadStorageError(UploadError):
    status = 507
    reason = "Insufficient Storage"
    user_message = _("The server has no room for this file right now. Please try again later.")
