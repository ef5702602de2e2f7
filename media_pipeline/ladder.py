"""The rendition ladder for lesson content: one place for the defaults, overridable in settings.

Lessons are a teacher, a blackboard or slides: little motion, speech audio. So the rungs are
small, speech-grade mono audio is enough, and capped CRF lets static scenes use fewer bits
than the cap. KEXIANG_LADDER in settings replaces RUNGS (same keys).
"""
from dataclasses import dataclass

from django.conf import settings

SEGMENT_SECONDS = 4


@dataclass(frozen=True)
class Rung:
    name: str
    lines: int | None  # the short side of the picture; None for audio only
    max_fps: float | None
    crf: int | None
    maxrate_k: int | None  # video cap, kbit/s
    bufsize_k: int | None
    audio_k: int
    profile: str = "main"


RUNGS = [
    # 40k of AAC is 46-48k on the wire once MPEG-TS framing is counted.
    Rung("audio", None, None, None, None, None, audio_k=40),
    # ≤ 200 kbit/s in all at the peak of a 4-second segment: 110k video with a 1-second buffer,
    # 32k mono AAC and MPEG-TS overhead.
    Rung("240p", 240, 15, 30, 110, 110, audio_k=32, profile="baseline"),
    Rung("360p", 360, 25, 28, 400, 400, audio_k=48),
    Rung("540p", 540, 30, 27, 800, 800, audio_k=64),
    Rung("720p", 720, 30, 26, 1400, 1400, audio_k=64),
]


def ladder_rungs():
    configured = getattr(settings, "KEXIANG_LADDER", None)
    return [Rung(**r) if isinstance(r, dict) else r for r in configured] if configured else list(RUNGS)


def rungs_for(*, short_side, has_video, has_audio):
    """The rungs for a source: never upscaled, the lowest video rung always, audio only when there is sound."""
    rungs = ladder_rungs()
    chosen = []
    if has_audio:
        chosen += [r for r in rungs if r.lines is None]
    if has_video:
        video = sorted((r for r in rungs if r.lines), key=lambda r: r.lines)
        fitting = [r for r in video if r.lines <= short_side]
        if not fitting:
            fitting = video[:1]  # a tiny source still gets the lowest rung, at its own size
        # 540p is only worth it when 720p does not fit.
        if any(r.lines == 720 for r in fitting):
            fitting = [r for r in fitting if r.lines != 540]
        chosen += fitting
    return chosen
