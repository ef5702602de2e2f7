"""Media in a real S3 API server for the `objectstore` tests: scripts/services/s3.sh (S3Proxy) on loopback.

`ObjectStore` switches this process's media and private storages to the buckets, under a prefix of the test's
own (KEXIANG_S3_PREFIX for other processes: `env`), and removes what the test left there afterwards. `get`
reads a URL the way a browser would (no credentials): a signed link works, a bare object URL is refused.
"""
import os
import uuid

import requests
from django.core.files.storage import storages

from core import media_storage
from core.s3_settings import s3_storage

S3_ENV = ("AWS_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_STORAGE_BUCKET_NAME",
          "KEXIANG_PRIVATE_BUCKET_NAME", "AWS_S3_REGION_NAME", "AWS_S3_ADDRESSING_STYLE")


class ObjectStore:
    def __init__(self, settings, *, endpoint=None):
        self.settings = settings
        self.prefix = f"test-{uuid.uuid4().hex[:12]}"
        self.bucket = os.environ["AWS_STORAGE_BUCKET_NAME"]
        self.private_bucket = os.environ.get("KEXIANG_PRIVATE_BUCKET_NAME") or self.bucket
        self.endpoint = endpoint or os.environ["AWS_S3_ENDPOINT_URL"]
        self.env = {**{name: os.environ[name] for name in S3_ENV if name in os.environ},
                    "AWS_S3_ENDPOINT_URL": self.endpoint, "KEXIANG_MEDIA_STORAGE": "s3",
                    "KEXIANG_S3_PREFIX": self.prefix}

    def entries(self):
        """The STORAGES entries of the test's buckets (media, private)."""
        private = (s3_storage(self.private_bucket, prefix=self.prefix) if self.private_bucket != self.bucket
                   else s3_storage(self.bucket, "private", prefix=self.prefix))
        return s3_storage(self.bucket, prefix=self.prefix), private

    def switch_on(self):
        settings = self.settings
        settings.AWS_S3_ENDPOINT_URL = self.endpoint
        settings.AWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]
        settings.AWS_SECRET_ACCESS_KEY = os.environ["AWS_SECRET_ACCESS_KEY"]
        settings.KEXIANG_MEDIA_STORAGE = "s3"
        settings.KEXIANG_S3_PREFIX = self.prefix
        media, private = self.entries()
        settings.STORAGES = {**settings.STORAGES, "default": media, "private": private}
        return self

    @property
    def media(self):
        return storages["default"]

    @property
    def private(self):
        return storages["private"]

    def names(self, prefix="", storage=None):
        return sorted(name for name, _size, _modified in media_storage.walk(storage or self.media, prefix))

    def clean(self):
        for entry in self.entries():
            storage = storages.create_storage(entry)
            try:
                media_storage.delete_keys(storage, [storage._normalize_name(n) for n in self.names("", storage)])
            except OSError:
                pass


def get(url, **kwargs):
    return requests.get(url, timeout=30, allow_redirects=False, **kwargs)
