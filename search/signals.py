"""Every change to a resource reaches search: saves and deletes one by one, bulk imports by signal."""
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from resources.models import Resource
from resources.signals import resource_counts_changed, resources_changed

from . import services


@receiver(post_save, sender=Resource, dispatch_uid="search_resource_saved")
def resource_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        services.resources_changed(resource_ids=[instance.pk])


@receiver(m2m_changed, sender=Resource.also_chapters.through, dispatch_uid="search_resource_also_chapters")
def resource_chapters_changed(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    # Another edition's chapter added to or taken from a resource (or, from the chapter's side, resources).
    if action in ("post_add", "post_remove", "post_clear"):
        ids = [instance.pk] if not reverse else list(pk_set or ())
        services.resources_changed(resource_ids=ids)


@receiver(post_delete, sender=Resource, dispatch_uid="search_resource_deleted")
def resource_deleted(sender, instance, **kwargs):
    services.resources_changed(resource_ids=[instance.pk])


@receiver(resources_changed, dispatch_uid="search_resources_changed")
def resources_bulk_changed(sender, resource_ids, **kwargs):
    services.resources_changed(resource_ids=resource_ids)


@receiver(resource_counts_changed, dispatch_uid="search_resource_counts_changed")
def resource_counts(sender, resource_ids, **kwargs):
    services.resources_counts_changed(resource_ids=resource_ids)
