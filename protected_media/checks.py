"""System checks for how files are sent."""
from django.conf import settings
from django.core.checks import Error, Warning, register

from core import media_storage


@register()
def file_serving_check(app_configs, **kwargs):
    mode = getattr(settings, "KEXIANG_FILE_SERVING", "django")
    if mode not in ("django", "nginx"):
        return [Error(f"KEXIANG_FILE_SERVING is {mode!r}", hint="Use 'django' (Django streams files, the embedded "
                      "default) or 'nginx' (X-Accel-Redirect to deploy/nginx/kexiang.conf's internal locations).",
                      id="protected_media.E001")]
    return []


@register()
def media_storage_check(app_configs, **kwargs):
    mode = getattr(settings, "KEXIANG_MEDIA_STORAGE", "local")
    if mode not in ("local", "s3"):
        return [Error(f"KEXIANG_MEDIA_STORAGE is {mode!r}", hint="Use 'local' (MEDIA_ROOT on this machine's disk, "
                      "the embedded default) or 's3' (S3-compatible object storage; see README.md).",
                      id="protected_media.E002")]
    return []


@register(deploy=True)
def media_bucket_check(app_configs, **kwargs):
    """`check --deploy`: with object storage, each bucket answers to our credentials."""
    warnings = []
    for label, storage in (("media", media_storage.media_storage()), ("private", media_storage.private_storage())):
        if media_storage.local_root(storage) is not None:
            continue
        ok, why = media_storage.reachable(storage)
        if not ok:
            warnings.append(Warning(
                f"The {label} bucket {storage.bucket_name!r} cannot be reached: {why}",
                hint="Check AWS_S3_ENDPOINT_URL, the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and that "
                     "the bucket exists; uploads and transcodes wait and retry until it answers.",
                id="protected_media.W001"))
    return warnings


@register(deploy=True)
def media_cdn_check(app_configs, **kwargs):
    """`check --deploy`: a CDN that reads the media bucket with its own access serves any key it is asked for."""
    if not getattr(settings, "KEXIANG_MEDIA_CDN_URL", "") or getattr(settings, "KEXIANG_MEDIA_STORAGE", "") != "s3":
        return []
    hint = ("Let the CDN check signatures (signed CDN links or cookies), or accept that a private lesson's files are "
            "public to whoever learns their key (a random id). See README.md, 'Running at scale'.")
    warnings = [Warning("KEXIANG_MEDIA_CDN_URL is set: the CDN sends any object of the media bucket it is asked for.",
                        hint=hint, id="protected_media.W002")]
    if not getattr(settings, "KEXIANG_PRIVATE_BUCKET_NAME", ""):
        warnings.append(Warning(
            "Research files are in the media bucket (under private/) while a CDN reads that bucket.",
            hint="Set KEXIANG_PRIVATE_BUCKET_NAME to a bucket of their own that the CDN cannot read.",
            id="protected_media.W003"))
    return warnings
