"""Reads for media assets."""
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
