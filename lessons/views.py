"""The lesson page: a lean player for phones on weak or metered networks."""
import json

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static

from research.moments import moment_label
from research.selectors.reviews import asset_reviews_readable, comments_on_timeline

from .offline import CACHE_PREFIX, offline_manifest
from .selectors import lesson_for_reader, lesson_renditions


def lesson_page(request, pk):
    """GET /lessons/<pk>/: the lesson's video with data figures per quality, before anything is played."""
    resource = lesson_for_reader(user=request.user, pk=pk)
    asset = resource.media_asset
    if not asset.playable:
        raise Http404("This lesson has no playable video yet")
    renditions = lesson_renditions(asset=asset)
    duration = asset.duration or 0
    # the teaching-research reviews of this video that the viewer may read: their comments mark the timeline.
    # The copy "save for offline" keeps on the phone (?offline=1) has none: a phone may be shared.
    kept_copy = request.GET.get("offline") == "1"
    reviews = [] if kept_copy else asset_reviews_readable(asset=asset, user=request.user)
    marks = []
    for review in reviews:
        marks += comments_on_timeline(review.comments.all(), duration=duration)
    return render(request, "lessons/lesson.html", {
        "resource": resource,
        "asset": asset,
        "duration_label": moment_label(duration),
        "reviews": reviews,
        "marks": marks,
        "renditions": renditions,
        "video_renditions": [r for r in renditions if not r.audio_only],
        "audio_rendition": next((r for r in renditions if r.audio_only), None),
        "cache_prefix": CACHE_PREFIX,
        "player_config": {
            "lesson": resource.pk,
            "master": asset.master_url,
            "hls": static("vendor/hls.light.min.js"),
            "duration": duration,
            "poster": asset.poster_url,
            "storyboard": asset.storyboard_url or "",
            "slides": asset.slides_url or "",
            "renditions": {r.name: r.url for r in renditions},
            "audio": next((r.name for r in renditions if r.audio_only), ""),
        },
    })


# -- save for offline ------------------------------------------------------------------------------------

def lesson_offline_manifest(request, pk):
    """GET /lessons/<pk>/offline.json: what "save for offline" keeps (same visibility as the lesson page)."""
    resource = lesson_for_reader(user=request.user, pk=pk)
    if not resource.media_asset.playable:
        raise Http404("This lesson has no playable video yet")
    response = JsonResponse(offline_manifest(resource=resource), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-cache"
    return response


def lesson_service_worker(request):
    """GET /lessons/sw.js: the service worker, served here so that its scope can be /lessons/."""
    name = "js/lesson-sw.js"
    path = finders.find(name)
    if not path:
        try:
            path = staticfiles_storage.path(name)
        except (NotImplementedError, ValueError):
            raise Http404("No service worker") from None
    try:
        with open(path, "rb") as file:
            body = file.read()
    except OSError:
        raise Http404("No service worker") from None
    # the caches' prefix is written once, in lessons/offline.py, and put in the worker here (as Workbox's
    # injectManifest puts its list in place of self.__WB_MANIFEST)
    body = body.replace(b"self.KEXIANG_CACHE_PREFIX", json.dumps(CACHE_PREFIX).encode())
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def lessons_saved(request):
    """GET /lessons/saved/: the lessons saved on this device (read by the page from Cache Storage)."""
    return render(request, "lessons/saved.html", {"cache_prefix": CACHE_PREFIX})
