"""Reading resource records in the import schema of DESIGN.md (one JSON object a line)."""
import json
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from .exceptions import ResourceImportError
from .models import ResourceType

SCHEMA_KEYS = {
    "external_id", "title", "resource_type", "stage", "grade", "subject", "edition", "volume", "textbook",
    "chapter_path", "lesson_title", "authors", "format", "duration_s", "size_bytes", "width", "height", "source",
    "description", "tags", "file",
}
REQUIRED_KEYS = ("external_id", "title", "resource_type")
_TEXT = ("stage", "grade", "subject", "edition", "volume", "textbook", "lesson_title", "format", "source",
         "description", "file")
_NUMBERS = {"duration_s": float, "size_bytes": int, "width": int, "height": int}
_LISTS = ("chapter_path", "authors", "tags")


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self):
        return _("line %(line)d: %(reason)s") % {"line": self.line, "reason": self.reason}


def check_row(data):
    """Return (clean dict, None) or (None, reason) for one decoded line."""
    if not isinstance(data, dict):
        return None, _("not a JSON object")
    missing = [key for key in REQUIRED_KEYS if not str(data.get(key) or "").strip()]
    if missing:
        return None, _("missing %(keys)s") % {"keys": ", ".join(missing)}
    if data["resource_type"] not in ResourceType.values:
        return None, _("unknown resource_type “%(value)s” (expected one of %(choices)s)") % {
            "value": data["resource_type"],
            "choices": ", ".join(ResourceType.values),
        }
    row = {"external_id": str(data["external_id"]).strip(), "title": str(data["title"]).strip(),
           "resource_type": data["resource_type"]}
    for key in _TEXT:
        value = data.get(key)
        if value is not None and not isinstance(value, (str, int, float)):
            return None, _("%(key)s must be text") % {"key": key}
        row[key] = "" if value is None else str(value).strip()
    for key, kind in _NUMBERS.items():
        value = data.get(key)
        if value in (None, ""):
            row[key] = None
            continue
        try:
            number = kind(value)
        except (TypeError, ValueError):
            return None, _("%(key)s must be a number, not “%(value)s”") % {"key": key, "value": value}
        if isinstance(value, bool) or number < 0:
            return None, _("%(key)s must be a positive number, not “%(value)s”") % {"key": key, "value": value}
        row[key] = number
    for key in _LISTS:
        value = data.get(key)
        if value in (None, ""):
            row[key] = []
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            row[key] = [item.strip() for item in value]
        else:
            return None, _("%(key)s must be a list of text") % {"key": key}
    row["extra"] = {key: value for key, value in data.items() if key not in SCHEMA_KEYS}
    return row, None


def read_resource_file(path, limit=None):
    """Return (rows, errors) from a JSONL file; `limit` stops after that many good rows."""
    path = Path(path)
    if not path.is_file():
        raise ResourceImportError(_("%(path)s is not a file. Give a .jsonl file in the import schema.") % {"path": path})
    rows, errors, seen = [], [], {}
    try:
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    errors.append(RowError(number, _("not valid JSON (%(msg)s)") % {"msg": exc.msg}))
                    continue
                row, reason = check_row(data)
                if row is None:
                    errors.append(RowError(number, reason))
                    continue
                if row["external_id"] in seen:
                    errors.append(RowError(number, _("external_id %(id)s repeats line %(first)d") % {
                        "id": row["external_id"], "first": seen[row["external_id"]]}))
                    continue
                seen[row["external_id"]] = number
                rows.append(row)
                if limit and len(rows) >= limit:
                    break
    except UnicodeDecodeError as exc:
        raise ResourceImportError(_("%(path)s is not UTF-8 text. Nothing was imported.") % {"path": path}) from exc
    if not rows and not errors:
        raise ResourceImportError(_("%(path)s holds no records.") % {"path": path})
    return rows, errors
