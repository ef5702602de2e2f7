"""The S3 storage backend of KEXIANG_MEDIA_STORAGE=s3: django-storages' S3Storage, with the site's own URLs.

A file's `url` stays under MEDIA_URL (/media/<name>), as on disk: pages link there, protected_media checks who
may read it and only then hands out a presigned link (`signed_url`, minutes). So a page kept open, cached or
saved for offline never holds a link that expires, and nobody gets a link without the check.
Imported only when object storage is configured (boto3 is not loaded otherwise).
"""
from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class S3MediaStorage(S3Storage):
    def url(self, name, parameters=None, expire=None, http_method=None):
        return f"{settings.MEDIA_URL}{filepath_to_uri(clean_name(name))}"

    def signed_url(self, name, *, parameters=None, expire=None):
        """A presigned GET link straight to the object (computed here; the store is not asked)."""
        return super().url(name, parameters=parameters, expire=expire)
