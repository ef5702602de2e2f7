"""Mainland mobile numbers as people type them: spaces, dashes, +86 or 0086 in front."""
import re

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_STRIP = re.compile(r"[\s\-()（）]")


def normalize_phone(value):
    """Return the 11-digit number, or "" when `value` is not a mainland mobile number."""
    digits = _STRIP.sub("", value or "")
    digits = digits.translate(str.maketrans("０１２３４５６７８９＋", "0123456789+"))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    return digits if _MOBILE.match(digits) else ""
