"""Reads for media assets."""
from django.db import models
from django.utils.translation import gettext

from .models import MediaAsset


def media_asset_payload(*, asset: MediaAsset) -> dict:
    """An asset's transcode as its uploader follows it: state, progress, error, and what plays."""
    return {
        "uid": str(asset.uid),
        "state": asset.state,
        "state_label": str(asset.get_state_display()),
        "progress": round(asset.progress, 4),
        "percent": int(asset.progress * 100),
        "error": gettext(asset.error_message) if asset.error_message else None,
        "master_url": asset.master_url,
        "poster_url": asset.poster_url,
        "playable": asset.playable,
        "variants": asset.variants if asset.playable else [],
    }


def media_asset_is_held(*, asset: MediaAsset) -> bool:
    """Whether anything still uses this video: a row of any app that points at it without going with it (a
    resource, a 评课, a 磨课 round, a live lesson's replay). Read from the relations themselves, so this app
    needs to know none of them."""
    for relation in MediaAsset._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete) or relation.many_to_many:
            continue
        if relation.on_delete is models.CASCADE:  # (a part of the video, deleted with it)
            continue
        if relation.related_model._default_manager.filter(**{relation.field.name: asset}).exists():
            return True
    return False
