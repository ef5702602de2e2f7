"""Connected in ResourcesConfig.ready()."""
from wagtail.signals import published

from .models import Resource


def resource_published(sender, instance, **kwargs):
    # A reviewed revision with another file than the row had: make that file's pages.
    if instance.attachment and instance.preview_state == Resource.PreviewState.PENDING:
        from .previews import resource_preview_request

        resource_preview_request(resource=instance)


def connect():
    published.connect(resource_published, sender=Resource, dispatch_uid="resources.resource_published")
