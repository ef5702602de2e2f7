"""Connected in MediaPipelineConfig.ready()."""
from django.contrib.auth import get_user_model
from django.db import transaction

from . import tus
from .models import MediaAsset
from .services import media_asset_create


def is_media_upload(upload):
    return upload.metadata.get("kind") == "lesson_video" or upload.filetype.startswith(("video/", "audio/"))


def transcode_completed_upload(sender, upload, **kwargs):
    """A finished, checksum-verified video or audio upload becomes a media asset and is queued."""
    if not is_media_upload(upload) or MediaAsset.objects.filter(upload_id=upload.id).exists():
        return
    owner = get_user_model().objects.filter(pk=upload.owner_id).first()
    if owner is None:
        return
    with transaction.atomic():
        media_asset_create(owner=owner, source_path=tus.upload_path(upload), upload_id=upload.id,
                           title=upload.metadata.get("title") or upload.filename)


def connect():
    tus.upload_completed.connect(transcode_completed_upload, dispatch_uid="media_pipeline.transcode_completed_upload")
