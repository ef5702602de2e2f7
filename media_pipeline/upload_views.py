"""The tus 1.0.0 endpoints (core, creation, creation-with-upload, termination, checksum).

CSRF: tus clients send no CSRF token, so the views are csrf_exempt and rely on the session.
A cross-site page still cannot drive them: every request but OPTIONS must carry the custom
``Tus-Resumable`` header, and PATCH needs ``application/offset+octet-stream``; neither can be
sent cross-origin without a CORS preflight, which these views never grant.
"""
import functools
import logging

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from . import quotas, tus
from .exceptions import UploadError, UploadGoneError, UploadRequestError

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,termination,checksum"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"

SIGN_IN_MESSAGE = _("Sign in to upload files.")
UNSUPPORTED_CLIENT_MESSAGE = _("This upload client is not supported. Reload the page and try again.")
CONTENT_TYPE_MESSAGE = _("The file data was sent in the wrong format. Reload the page and try again.")


def _error(status, message, *, reason=None):
    return JsonResponse({"error": str(message)}, status=status, reason=reason or None)


def _options():
    response = HttpResponse(status=204)
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = TUS_EXTENSIONS
    response["Tus-Max-Size"] = str(tus.upload_max_bytes())
    response["Tus-Checksum-Algorithm"] = ",".join(tus.CHECKSUM_ALGORITHMS)
    return response


def tus_endpoint(*methods):
    """OPTIONS, sign-in, the Tus-Resumable check, X-HTTP-Method-Override and UploadError → JSON."""

    def decorator(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            override = request.headers.get("X-HTTP-Method-Override", "").upper()
            if request.method == "POST" and override in {"PATCH", "DELETE"}:
                request.method = override
            if request.method == "OPTIONS":
                response = _options()
            elif request.method not in methods:
                response = HttpResponse(status=405)
                response["Allow"] = ", ".join(("OPTIONS", *methods))
            elif not request.user.is_authenticated:
                response = _error(403, SIGN_IN_MESSAGE)
            elif request.headers.get("Tus-Resumable") != TUS_VERSION:
                response = _error(412, UNSUPPORTED_CLIENT_MESSAGE)
                response["Tus-Version"] = TUS_VERSION
            else:
                try:
                    response = view(request, *args, **kwargs)
                except (UploadError, OSError) as error:
                    if isinstance(error, OSError):  # the upload folder cannot be read or written
                        error = tus.storage_error(error)
                    # 503: storage that cannot be written, logged once by core.storage.storage_failed
                    level = logging.WARNING if error.status >= 500 and error.status != 503 else logging.INFO
                    logger.log(level, "tus %s %s: %s %s", request.method, request.path, error.status, error)
                    response = _error(error.status, error.user_message, reason=error.reason)
            response["Tus-Resumable"] = TUS_VERSION
            return response

        return wrapper

    return decorator


def _int_header(request, name, *, required=True):
    value = request.headers.get(name)
    if value is None and not required:
        return None
    if value is None or not (value.isascii() and value.isdigit()):
        raise UploadRequestError(detail=f"{name}: {value!r} is not a non-negative integer")
    return int(value)


def _content_length(request):
    value = request.META.get("CONTENT_LENGTH") or None
    if value is not None and not (value.isascii() and value.isdigit()):
        raise UploadRequestError(detail=f"Content-Length: {value!r}")
    return int(value) if value is not None else None


def _checksum(request):
    header = request.headers.get("Upload-Checksum")
    return tus.checksum_parse(header) if header else None


def _append(request, upload_id, offset):
    return tus.upload_append(
        upload_id=upload_id,
        user=request.user,
        offset=offset,
        stream=request,  # read in blocks by tus.upload_append, never whole
        content_length=_content_length(request),
        checksum=_checksum(request),
    )


@tus_endpoint("POST")
def tus_create(request):
    """Creation: Upload-Length and Upload-Metadata; with a body, creation-with-upload."""
    if "Upload-Defer-Length" in request.headers:
        raise UploadRequestError(detail="Upload-Defer-Length is not supported")
    info = quotas.upload_start(
        user=request.user,
        length=_int_header(request, "Upload-Length"),
        metadata=tus.metadata_parse(request.headers.get("Upload-Metadata", "")),
    )
    if request.content_type == OFFSET_CONTENT_TYPE:
        info = _append(request, info.id, 0)
    response = HttpResponse(status=201)
    response["Location"] = request.build_absolute_uri(reverse("uploads:tus_upload", args=[info.id]))
    response["Upload-Offset"] = str(info.offset)
    return response


@tus_endpoint("HEAD", "PATCH", "DELETE")
def tus_upload(request, upload_id):
    if request.method == "HEAD":
        info = tus.upload_get(upload_id=upload_id, user=request.user)
        if info.state == tus.UploadState.CORRUPT:
            raise UploadGoneError(detail=f"upload {info.id} is corrupt")
        response = HttpResponse(status=200)
        response["Upload-Offset"] = str(info.offset)
        response["Upload-Length"] = str(info.length)
        if info.metadata:
            response["Upload-Metadata"] = tus.metadata_encode(info.metadata)
        response["Cache-Control"] = "no-store"
        return response
    if request.method == "DELETE":
        tus.upload_delete(upload_id=upload_id, user=request.user)
        return HttpResponse(status=204)
    if request.content_type != OFFSET_CONTENT_TYPE:
        return _error(415, CONTENT_TYPE_MESSAGE)
    info = _append(request, upload_id, _int_header(request, "Upload-Offset"))
    response = HttpResponse(status=204)
    response["Upload-Offset"] = str(info.offset)
    return response
