"""Who may read a resource's files (its attachment, page previews, captions): whoever may see the resource.

The rule protected_media.access applies to every /media/ name, and the download view to the attachment.
"""
from core.sending import MEDIA, StoredFile

from .models import Resource
from .selectors import resource_readable_through_others, resource_visible_q


def resource_is_public(resource) -> bool:
    return resource.live and resource.visibility == Resource.Visibility.PUBLIC


def resource_readable(user, resource) -> bool:
    return (resource_is_public(resource) or Resource.objects.filter(resource_visible_q(user), pk=resource.pk).exists()
            or resource_readable_through_others(user=user, resource=resource))


def resource_file(resource, name, kind) -> StoredFile:
    """A file of `resource` (its attachment, a preview page, its captions)."""
    return StoredFile(MEDIA, name, kind, resource_is_public(resource), lambda user: resource_readable(user, resource))


