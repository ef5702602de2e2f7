"""STORAGES entries for S3-compatible object storage: one definition for the settings, the operators' commands
(media_migrate builds the buckets while the site still runs on disk) and the tests. Light: settings import it."""
import os


def s3_storage(bucket_name, location="", *, prefix="", addressing_style="path"):
    """A STORAGES entry for `bucket_name` (core.s3.S3MediaStorage), its objects under `prefix`/`location`.
    Newer botocore sends checksum headers on every request, which some S3-compatible servers do not implement:
    only when an operation requires them."""
    from botocore.config import Config  # noqa: PLC0415  (only when object storage is configured)

    return {"BACKEND": "core.s3.S3MediaStorage", "OPTIONS": {
        "bucket_name": bucket_name, "location": "/".join(part for part in (prefix, location) if part),
        "client_config": Config(
            s3={"addressing_style": addressing_style}, signature_version="s3v4",
            request_checksum_calculation="when_required", response_checksum_validation="when_required",
            connect_timeout=float(os.environ.get("KEXIANG_S3_CONNECT_TIMEOUT", "5")),
            read_timeout=float(os.environ.get("KEXIANG_S3_READ_TIMEOUT", "60")),
            retries={"max_attempts": int(os.environ.get("KEXIANG_S3_ATTEMPTS", "3")), "mode": "standard"}),
    }}


def s3_storages_from(settings):
    """(media entry, private entry) from the AWS_* and KEXIANG_* settings: research files in their own bucket
    (KEXIANG_PRIVATE_BUCKET_NAME), or under "private/" in the media bucket."""
    options = {"prefix": getattr(settings, "KEXIANG_S3_PREFIX", ""),
               "addressing_style": settings.AWS_S3_ADDRESSING_STYLE}
    bucket, private_bucket = settings.AWS_STORAGE_BUCKET_NAME, settings.KEXIANG_PRIVATE_BUCKET_NAME
    private = s3_storage(private_bucket, **options) if private_bucket else s3_storage(bucket, "private", **options)
    return s3_storage(bucket, **options), private
