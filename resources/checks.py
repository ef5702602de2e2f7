"""System checks for the tools that draw document previews (as media_pipeline/checks.py does for FFmpeg)."""
import shutil

from django.core.checks import Tags, Warning, register

from . import converters

INSTALL_HINT = ("Install LibreOffice and poppler (Debian: apt-get install libreoffice-impress-nogui "
                "libreoffice-writer-nogui poppler-utils) and restart the worker.")


@register(Tags.compatibility)
def preview_tools_check(app_configs, **kwargs):
    warnings = []
    if shutil.which("soffice") is None:
        warnings.append(Warning(
            "soffice (LibreOffice) was not found on PATH; PPT, PPTX, DOC and DOCX files get no page previews.",
            hint=INSTALL_HINT, id="resources.W001",
        ))
    missing = [tool for tool in ("pdftoppm", "pdfinfo") if shutil.which(tool) is None]
    if missing:
        warnings.append(Warning(
            f"{' and '.join(missing)} (poppler) {'were' if len(missing) > 1 else 'was'} not found on PATH; "
            "no document gets page previews.",
            hint=INSTALL_HINT, id="resources.W002",
        ))
    if not missing:
        if converters.offline_prefix() is None:
            warnings.append(Warning(
                "Previews run their converters without network and with the site's data hidden (unshare --net "
                "--mount), and this machine allows no such namespaces to this user; no document gets page previews.",
                hint="Run the worker as root, or allow unprivileged user namespaces (Debian: sysctl "
                     "kernel.unprivileged_userns_clone=1; Ubuntu 24.04: kernel.apparmor_restrict_unprivileged_userns=0), "
                     "and install util-linux's unshare.",
                id="resources.W003",
            ))
    return warnings
