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
