"""What "save for offline" keeps of a lesson: the page, its CSS/JS, the poster, the lowest video rung
(playlist, init segment and every media segment), the captions and the storyboard, and the saved-lessons
page, with each file's size when known."""
import os

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.urls import reverse

from core import media_storage

from media_pipeline.playlists import playlist_files

from .selectors import lesson_renditions

CACHE_PREFIX = "kexiang-lesson-"
# what the lesson page loads or may load (hls.js only where the browser has no native HLS)
PAGE_STATIC = ["css/site.css", "css/player.css", "js/offline.js", "js/lib/time-label.js", "js/lib/hls-loader.js",
               "js/player.js", "vendor/hls.light.min.js"]


def _static_size(name):
    """Size in bytes of a static file, from STATIC_ROOT (collectstatic) or the finders; None if unknown."""
    path = None
    try:
        path = staticfiles_storage.path(name)
    except (NotImplementedError, ValueError):
        path = None
    if not path or not os.path.isfile(path):
        path = finders.find(name)
    return os.path.getsize(path) if path and os.path.isfile(path) else None


def _media_sizes(asset):
    """{URL: size} of the files of `asset`'s ladder, listed once from the media storage (wherever it is)."""
    try:
        return {f"{settings.MEDIA_URL}{name}": size
                for name, size, _modified in media_storage.walk(media_storage.media_storage(), asset.output_name)}
    except OSError:
        return {}


def _media_size(url, sizes):
    """Size of a file under MEDIA_URL: the ladder's from `sizes`, any other (captions) asked for; None if unknown."""
    if url in sizes or not url.startswith(settings.MEDIA_URL):
        return sizes.get(url)
    try:
        return media_storage.size_of(media_storage.media_storage(), url[len(settings.MEDIA_URL):])
    except OSError:
        return None


def offline_manifest(*, resource):
    """The URLs to keep for `resource` (a playable lesson), each with its size when known."""
    asset = resource.media_asset
    rung = next((r for r in lesson_renditions(asset=asset) if not r.audio_only), None)
    # the page, and the saved-lessons list so that it opens offline too
    # (the page is fetched as the copy to keep, without any group's review comments, and kept under its URL)
    page = reverse("lessons:lesson", args=[resource.pk])
    files = [{"url": page, "fetch": f"{page}?offline=1", "size": None},
             {"url": reverse("lessons:saved"), "size": None}]
    files += [{"url": static(name), "size": _static_size(name)} for name in PAGE_STATIC]
    media = [asset.poster_url]
    sizes = _media_sizes(asset)
    if rung:
        media.append(rung.url)  # as stored, its segments named on the site: kept under those URLs
        try:
            media += playlist_files(rung.url)
        except OSError:
            pass  # the page can still keep what it has; it will miss the segments
    if resource.captions:
        media.append(resource.captions.url)
    files += [{"url": url, "size": _media_size(url, sizes)} for url in media]
    # scrubbing previews, when the ladder has them (ladders of sound recordings do not)
    for url in (asset.storyboard_url, asset.storyboard_url and asset.storyboard_url.replace(".vtt", ".jpg")):
        size = _media_size(url, sizes) if url else None
        if size is not None:
            files.append({"url": url, "size": size})
    return {
        "lesson": resource.pk,
        "title": resource.title,
        "cache": f"{CACHE_PREFIX}{resource.pk}",
        "page": reverse("lessons:lesson", args=[resource.pk]),
        "rung": rung.name if rung else "",
        "playlist": rung.url if rung else "",
        "files": files,
        "bytes": sum(f["size"] or 0 for f in files),
    }
