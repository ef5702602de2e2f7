"""The district's people list written back in the format import_people reads (CSV with a BOM for Excel, or
XLSX): one row per person, their groups in one cell."""
import csv
import io
from collections import defaultdict

from django.utils import translation

from accounts.models import SchoolPairing, User
from research.models import GroupMembership

from .reading import HEADERS


def people_rows(*, school=None):
    """Tuples in HEADERS' order, for every person with a school (or one school's)."""
    people = User.objects.filter(school__isnull=False).select_related("school").order_by("school__name", "username")
    memberships = GroupMembership.objects.filter(group__school__isnull=False).values_list("user_id", "group__name")
    supporting = defaultdict(list)
    for supported_id, name in SchoolPairing.objects.values_list("supported_id", "supporting__name").order_by("pk"):
        supporting[supported_id].append(name)
    if school is not None:
        people = people.filter(school=school)
        memberships = memberships.filter(group__school=school)
    groups = defaultdict(list)
    for user_id, name in memberships.order_by("group__name"):
        groups[user_id].append(name)
    with translation.override("zh-hans"):
        labels = {value: str(User.Role(value).label) for value in User.Role.values}
    for user in people.iterator(chunk_size=5000):
        yield (user.school.name, user.teaching_stage, user.full_name, user.phone or "",
               "" if user.username.startswith("p") and user.username[1:] == user.phone else user.username,
               labels.get(user.role, user.role), user.teaching_subjects, "、".join(groups.get(user.pk, ())),
               supporting[user.school_id][0] if supporting.get(user.school_id) else "")


def people_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def people_xlsx(rows) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook(write_only=True)
    sheet = book.create_sheet("人员")
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
