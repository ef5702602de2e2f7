"""A moment of a video, as people type it and as a player shows it: '01:30' ↔ 90.0 seconds.
Comments of lesson reviews (评课) are placed by it; the lesson page labels its timeline with it."""
import re

from django.utils.translation import gettext as _

from .exceptions import ResearchError

_MOMENT_RE = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d{1,2}(?:[.,]\d+)?)\s*$")


def moment_parse(text) -> float:
    """'1:30', '01:30', '1:02:03' or '90' (seconds) as seconds; ResearchError when it is none of them."""
    text = str(text if text is not None else "").strip().replace("：", ":")
    if not text:
        raise ResearchError(_("Give the moment of the video, as minutes:seconds (for example 01:30)."))
    match = _MOMENT_RE.match(text)
    if match:
        hours, minutes, seconds = match.groups()
        seconds = float(seconds.replace(",", "."))
        if seconds >= 60 or (hours is not None and int(minutes) >= 60):
            raise ResearchError(_("“%(text)s” is not a moment: seconds and minutes go up to 59.") % {"text": text})
        return int(hours or 0) * 3600 + int(minutes) * 60 + seconds
    try:
        value = float(text)
    except ValueError:
        raise ResearchError(
            _("“%(text)s” is not a moment; write it as minutes:seconds, for example 01:30.") % {"text": text}
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ResearchError(_("“%(text)s” is not a moment; write it as minutes:seconds, for example 01:30.") % {"text": text})
    return value


def moment_label(seconds) -> str:
    """90 → '01:30', 3723 → '1:02:03' (whole seconds, as a player shows them)."""
    whole = int(seconds or 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
