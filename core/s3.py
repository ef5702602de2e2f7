"""The S3 storage backend of KEXIANG_MEDIA_STORAGE=s3: django-storages' S3Storage, with the site's own URLs and
errors everything here understands.

A file's `url` stays under MEDIA_URL (/media/<name>), as on disk: pages link there, protected_media checks who
may read it and only then hands out a presigned link (`signed_url`, minutes). So a page kept open, cached or
saved for offline never holds a link that expires, and nobody gets a link without the check.

The client's errors leave this backend as FileNotFoundError (no such object) or core.media_storage.
StorageUnavailable (an OSError: the store is down, unreachable or refuses the credentials), whoever calls it:
our code, Wagtail's renditions and admin, Django's FileField. Imported only when object storage is configured
(boto3 is not loaded otherwise).
"""
from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from .media_storage import storage_errors


class S3MediaStorage(S3Storage):
    def url(self, name, parameters=None, expire=None, http_method=None):
        return f"{settings.MEDIA_URL}{filepath_to_uri(clean_name(name))}"

    def signed_url(self, name, *, parameters=None, expire=None):
        """A presigned GET link straight to the object (computed here; the store is not asked)."""
        return super().url(name, parameters=parameters, expire=expire)

    def _open(self, name, mode="rb"):
        with storage_errors(f"open {name}"):
            return super()._open(name, mode)

    def _save(self, name, content):
        with storage_errors(f"save {name}"):
            return super()._save(name, content)

    def exists(self, name):
        with storage_errors(f"find {name}"):
            return super().exists(name)

    def delete(self, name):
        with storage_errors(f"delete {name}"):
            return super().delete(name)

    def size(self, name):
        with storage_errors(f"size of {name}"):
            return super().size(name)

    def listdir(self, name):
        with storage_errors(f"list {name}"):
            return super().listdir(name)

    def get_modified_time(self, name):
        with storage_errors(f"time of {name}"):
            return super().get_modified_time(name)
