from django.utils.translation import gettext_lazy as _


class CatalogueError(ValueError):
    """A catalogue or chapter-tree input that cannot be imported at all; the message says what to do."""


class ResourceImportError(ValueError):
    """A resource file that cannot be imported at all (missing, unreadable, empty)."""


class ResourceUploadError(ValueError):
    """An uploaded file that cannot become a resource; `user_message` says what to do, the upload is kept."""

    status = 400

    def __init__(self, user_message, detail=""):
        super().__init__(detail or str(user_message))
        self.user_message = user_message


class StorageUnavailableError(ResourceUploadError):
    """Media storage cannot be written (read-only, no permission, full): the server's problem. 503."""

    status = 503


# Files whose pages cannot be previewed (resources/previews.py, resources/converters.py). `user_message` is a
# gettext_lazy msgid the uploader or reader sees, stored untranslated in Resource.preview_error and translated
# when shown; `detail` (and str()) goes to the log and Resource.preview_detail. documents.document_check raises
# EmptyFileError, UnsupportedFileError and CorruptFileError before anything is saved; a failed preview never
# touches the file.
class ResourceFileError(ValueError):
    """A document that cannot be used as it is. Never retried: the file will not change."""

    user_message = _("This file cannot be used. Open it on your computer, save it again as PDF, PPTX or DOCX, "
                     "and upload the new copy.")

    def __init__(self, detail=""):
        super().__init__(detail or str(self.user_message))
        self.detail = detail


class EmptyFileError(ResourceFileError):
    user_message = _("The file is empty (0 bytes). Check that it opens on your phone, then choose it again.")


class UnsupportedFileError(ResourceFileError):
    user_message = _("This kind of file cannot be shared here. Save it as PDF, PPTX or DOCX (or a JPG or PNG "
                     "picture) and upload that.")


class CorruptFileError(ResourceFileError):
    user_message = _("This file is damaged, or it is not what its name says (another kind of file renamed). Open "
                     "it on your computer, save it again as PDF, PPTX or DOCX, and upload the new copy.")


class PasswordProtectedError(ResourceFileError):
    """Only the preview fails: the file is still worth downloading for readers who know the password."""

    user_message = _("This document is protected by a password, so no preview can be made. Readers can still "
                     "download it; to get a preview, upload a copy without a password.")


class PasswordProtectedPdfError(PasswordProtectedError):
    user_message = _("This PDF is protected by a password, so no preview can be made. Readers can still download "
                     "it; to get a preview, upload a copy without a password.")


class PreviewTimeoutError(ResourceFileError):
    """Making the pages took longer than the limit on every attempt."""

    user_message = _("Making the preview took too long, so it was stopped. Readers can still download the file; "
                     "a smaller file (fewer pages, lighter pictures) will get a preview.")


class PreviewUnavailableError(ResourceFileError):
    """Our side failed (a converter missing, storage unreachable after the retries), not the file."""

    user_message = _("No preview could be made because of a problem on the server, not with your file. Readers "
                     "can still download it.")
