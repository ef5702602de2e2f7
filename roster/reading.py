"""The district's people list as rows: a CSV (UTF-8, with or without BOM; GB18030 as Excel in China saves it)
or an XLSX, its first row the headers. Header names are matched loosely (工号/用户名/username…)."""
import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .exceptions import RosterFileError

# field -> the header names a district office writes for it
COLUMNS = {
    "school": ("学校", "学校名称", "school"),
    "stage": ("学段", "stage"),
    "name": ("姓名", "name", "full_name"),
    "phone": ("手机号", "手机", "手机号码", "phone", "mobile"),
    "username": ("工号", "工号/username", "用户名", "账号", "username", "staff_number"),
    "role": ("角色", "role"),
    "subjects": ("学科", "任教学科", "subject", "subjects"),
    "groups": ("教研组", "group", "groups"),
    "paired_with": ("结对支援学校", "支援学校", "结对学校", "paired_with"),
}
HEADERS = ("学校", "学段", "姓名", "手机号", "工号", "角色", "学科", "教研组", "结对支援学校")  # export's order
REQUIRED = ("school", "name")


@dataclass
class Row:
    line: int  # the line in the file (the header is line 1), for messages
    school: str = ""
    stage: str = ""
    name: str = ""
    phone: str = ""
    username: str = ""
    role: str = ""
    subjects: str = ""
    groups: str = ""
    paired_with: str = ""


def _key(header):
    return "".join(str(header or "").split()).lower()


def _fields_of(headers):
    wanted = {_key(name): field for field, names in COLUMNS.items() for name in names}
    fields = [wanted.get(_key(header)) for header in headers]
    missing = [COLUMNS[field][0] for field in REQUIRED if field not in fields]
    if missing:
        raise RosterFileError(_("The file has no column %(columns)s. The first row must name the columns: %(all)s.")
                              % {"columns": "、".join(missing), "all": "、".join(HEADERS)})
    if not ({"username", "phone"} & set(fields)):
        raise RosterFileError(_("The file needs a 工号 or a 手机号 column to recognise each person."))
    return fields


def _rows(table):
    """Rows from an iterator of tuples whose first is the header."""
    try:
        headers = next(table)
    except StopIteration:
        raise RosterFileError(_("The file is empty.")) from None
    fields = _fields_of(headers)
    for line, values in enumerate(table, start=2):
        if values is None or not any(str(v).strip() for v in values if v is not None):
            continue
        row = Row(line=line)
        for field, value in zip(fields, values):
            if field:
                text = "" if value is None else str(value)
                if isinstance(value, float) and value.is_integer():  # 13800138000 read by Excel as a number
                    text = str(int(value))
                setattr(row, field, " ".join(text.split()))
        yield row


def read_rows(data: bytes, filename: str):
    """The rows of a CSV or XLSX file's bytes (a generator: 50,000 rows are not all held as dicts)."""
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook  # noqa: PLC0415  (only for XLSX)

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise RosterFileError(_("This XLSX file cannot be read. Open it in Excel or WPS, save it again as XLSX "
                                    "or CSV, and upload the new copy.")) from error
        return _rows(sheet.iter_rows(values_only=True))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError(_("This file is neither UTF-8 nor GB18030 text. Save it as CSV (UTF-8) or XLSX."))
    return _rows(iter(csv.reader(io.StringIO(text))))


def row_count_estimate(data: bytes, filename: str) -> int | None:
    """About how many rows the file holds (for a progress bar): its lines, or the XLSX sheet's stated size."""
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook  # noqa: PLC0415

        try:
            rows = load_workbook(io.BytesIO(data), read_only=True).worksheets[0].max_row
        except Exception:  # noqa: BLE001  (read_rows says what is wrong with the file)
            return None
        return max(0, rows - 1) if rows else None
    return max(0, data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1))
