"""Reads for the lesson player page."""
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404

from media_pipeline.models import MediaAsset
from media_pipeline.playlists import MEDIA_PLAYLIST
from resources.models import Resource
from resources.selectors import resource_readable_through_others, resource_visible_q

AUDIO_RUNG = "audio"


@dataclass(frozen=True)
class Rendition:
    """One rung of a lesson's ladder, as the player and the data panel need it."""

    name: str
    audio_only: bool
    height: int
    bandwidth: int  # peak, bit/s, as in the master playlist
    average_bandwidth: int  # bit/s over the whole lesson: the segments' total size
    url: str  # the rung's own media playlist
    megabytes: float  # what the whole lesson costs at this rung


def lesson_list_playable(*, user):
    """Resources `user` may see whose video has at least its first rungs published."""
    return (
        Resource.objects.filter(resource_visible_q(user))
        .filter(media_asset__state__in=[MediaAsset.State.PROCESSING, MediaAsset.State.READY])
        .select_related("media_asset")
    )


def lesson_for_reader(*, user, pk):
    """The playable lesson `pk` if `user` may watch it: by the library's rule, or because a group of theirs reviews
    its video (resources.selectors.resource_readable_through_others). Otherwise Http404, as for none."""
    resource = lesson_list_playable(user=user).filter(pk=pk).first()
    if resource is None:
        resource = (Resource.objects.filter(pk=pk, media_asset__state__in=[MediaAsset.State.PROCESSING,
                                                                          MediaAsset.State.READY])
                    .select_related("media_asset").first())
        if resource is None or not resource_readable_through_others(user=user, resource=resource):
            raise Http404
    return resource


def lesson_list_latest(*, user, limit=4):
    """The newest lessons `user` may watch now (their first rungs play), for the home page."""
    candidates = lesson_list_playable(user=user).select_related("grade", "subject").order_by("-pk")[: limit * 3]
    return [resource for resource in candidates if resource.media_asset.playable][:limit]


def lesson_renditions(*, asset):
    """The asset's rungs, lowest video rung first and the audio-only rendition last."""
    duration = asset.duration or 0
    renditions = []
    for variant in asset.variants or []:
        name = variant["name"]
        average = variant.get("average_bandwidth") or variant.get("bandwidth") or 0
        renditions.append(Rendition(
            name=name,
            audio_only=not variant.get("height"),
            height=variant.get("height") or 0,
            bandwidth=variant.get("bandwidth") or 0,
            average_bandwidth=average,
            url=f"{settings.MEDIA_URL}{asset.output_name}/{name}/{MEDIA_PLAYLIST}",
            megabytes=round(average * duration / 8 / 1_000_000, 1),
        ))
    return sorted(renditions, key=lambda r: (r.audio_only, r.height, r.bandwidth))
