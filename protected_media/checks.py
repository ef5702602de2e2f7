"""System checks for how files are sent."""
from django.conf import settings
from django.core.checks import Error, register


@register()
def file_serving_check(app_configs, **kwargs):
    mode = getattr(settings, "KEXIANG_FILE_SERVING", "django")
    if mode not in ("django", "nginx"):
        return [Error(f"KEXIANG_FILE_SERVING is {mode!r}", hint="Use 'django' (Django streams files, the embedded "
                      "default) or 'nginx' (X-Accel-Redirect to deploy/nginx/kexiang.conf's internal locations).",
                      id="protected_media.E001")]
    return []
