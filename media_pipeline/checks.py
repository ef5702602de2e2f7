"""System checks for the machine's media tools (as wagtail.images checks its codecs)."""
import shutil

from django.core.checks import Tags, Warning, register


@register(Tags.compatibility)
def ffmpeg_check(app_configs, **kwargs):
    warnings = []
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            warnings.append(
                Warning(
                    f"{tool} was not found on PATH; uploaded videos cannot be processed.",
                    hint="Install FFmpeg (Debian: apt-get install ffmpeg) and restart the worker.",
                    id=f"media_pipeline.W00{1 if tool == 'ffmpeg' else 2}",
                )
            )
    return warnings
