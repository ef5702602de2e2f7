"""The lesson page: a lean player for phones on weak or metered networks."""
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static

from .selectors import lesson_list_playable, lesson_renditions


def lesson_page(request, pk):
    """GET /lessons/<pk>/: the lesson's video with data figures per quality, before anything is played."""
    resource = get_object_or_404(lesson_list_playable(user=request.user), pk=pk)
    asset = resource.media_asset
    if not asset.playable:
        raise Http404("This lesson has no playable video yet")
    renditions = lesson_renditions(asset=asset)
    return render(request, "lessons/lesson.html", {
        "resource": resource,
        "asset": asset,
        "renditions": renditions,
        "video_renditions": [r for r in renditions if not r.audio_only],
        "audio_rendition": next((r for r in renditions if r.audio_only), None),
        "player_config": {
            "lesson": resource.pk,
            "master": asset.master_url,
            "hls": static("vendor/hls.light.min.js"),
            "duration": asset.duration or 0,
            "renditions": {r.name: r.url for r in renditions},
            "audio": next((r.name for r in renditions if r.audio_only), ""),
        },
    })
