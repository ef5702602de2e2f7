"""HLS playlists: their names, reading a rung's media playlist and writing the master playlist.

FFmpeg writes each rung's media playlist (ffmpeg.py); whatever reads or writes one in Python is here.
"""
import re
from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings

from core import media_storage

MASTER_PLAYLIST = "master.m3u8"  # in the ladder's folder
MEDIA_PLAYLIST = "index.m3u8"  # in each rung's folder

_EXTINF = re.compile(r"#EXTINF:([0-9.]+),")


def media_segments(playlist):
    """[(segment path, duration)] of an HLS media playlist."""
    playlist = Path(playlist)
    segments, duration = [], None
    for line in playlist.read_text().splitlines():
        match = _EXTINF.match(line)
        if match:
            duration = float(match.group(1))
        elif line and not line.startswith("#") and duration is not None:
            segments.append((playlist.parent / line, duration))
            duration = None
    return segments


def playlist_files(playlist_url):
    """The init segment and media segments a rung's media playlist names, as URLs, in order (read from the media
    storage, wherever it is)."""
    text = media_storage.read_text(media_storage.media_storage(), playlist_url[len(settings.MEDIA_URL):])
    urls = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-MAP:"):
            for part in line[len("#EXT-X-MAP:"):].split(","):
                key, _, value = part.partition("=")
                if key.strip() == "URI":
                    urls.append(urljoin(playlist_url, value.strip().strip('"')))
        elif line and not line.startswith("#"):
            urls.append(urljoin(playlist_url, line))
    return urls


def write_master(outdir, variants):
    """The master playlist, lowest bandwidth first so that players start on the cheapest rung."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in sorted(variants, key=lambda v: v.bandwidth):
        attributes = [
            f"BANDWIDTH={variant.bandwidth}",
            f"AVERAGE-BANDWIDTH={variant.average_bandwidth}",
            f'CODECS="{",".join(variant.codecs)}"',
        ]
        if variant.width:
            attributes += [f"RESOLUTION={variant.width}x{variant.height}", f"FRAME-RATE={variant.frame_rate:.3f}"]
        lines += [f"#EXT-X-STREAM-INF:{','.join(attributes)}", variant.playlist]
    path = Path(outdir) / MASTER_PLAYLIST
    path.write_text("\n".join(lines) + "\n")
    return path
