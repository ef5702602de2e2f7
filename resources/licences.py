"""The licences a teacher can choose on upload: Creative Commons 4.0 and CC0, as creativecommons.org names them."""
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class LicenceInfo:
    code: str
    name: str
    url: str


class Licence(models.TextChoices):
    CC_BY = "CC-BY-4.0", _("CC BY 4.0 (attribution)")
    CC_BY_SA = "CC-BY-SA-4.0", _("CC BY-SA 4.0 (attribution, share alike)")
    CC_BY_NC = "CC-BY-NC-4.0", _("CC BY-NC 4.0 (attribution, non-commercial)")
    CC_BY_NC_SA = "CC-BY-NC-SA-4.0", _("CC BY-NC-SA 4.0 (attribution, non-commercial, share alike)")
    CC_BY_ND = "CC-BY-ND-4.0", _("CC BY-ND 4.0 (attribution, no derivatives)")
    CC_BY_NC_ND = "CC-BY-NC-ND-4.0", _("CC BY-NC-ND 4.0 (attribution, non-commercial, no derivatives)")
    CC0 = "CC0-1.0", _("CC0 1.0 (no rights reserved)")

    @classmethod
    def info(cls, code):
        """Short name and deed URL of `code`, or None for an unknown or empty licence."""
        if code not in cls.values:
            return None
        if code == cls.CC0:
            return LicenceInfo(code, "CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/")
        parts = code.split("-")  # CC-BY-NC-SA-4.0
        kinds, version = parts[1:-1], parts[-1]
        return LicenceInfo(code, f"CC {'-'.join(kinds)} {version}",
                           f"https://creativecommons.org/licenses/{'-'.join(kinds).lower()}/{version}/")


DEFAULT_LICENCE = Licence.CC_BY_NC_SA
