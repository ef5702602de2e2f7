"""The people list from a school admin's (or a district researcher's) browser: upload, see what would change,
apply; and download the list as it stands."""
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import User

from .exceptions import RosterFileError
from .exporting import people_csv, people_rows, people_xlsx
from .reading import HEADERS, read_rows
from .services import RosterInvalid, people_import

MAX_BYTES = 20 * 1024 * 1024  # 50,000 rows of CSV are about 4 MB
PREVIEW_ROWS = 50


def _scope(user):
    """(may import, the school they are limited to or None for the whole district)."""
    if user.is_superuser or user.role == User.Role.DISTRICT_RESEARCHER:
        return None
    if user.role == User.Role.SCHOOL_ADMIN and user.school_id:
        return user.school
    raise PermissionDenied


def _pending(token):
    folder = Path(settings.VAR_DIR) / "roster"
    return folder / f"{token}.bin" if token and token.isalnum() else None


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    school = _scope(request.user)
    context = {"school": school, "headers": HEADERS, "district": school is None}
    if request.method == "POST" and request.POST.get("action") == "apply":
        token = request.POST.get("token", "")
        path = _pending(token)
        stored = request.session.get("roster_pending", {}).get(token)
        if path is None or stored is None or not path.exists():
            messages.error(request, _("That preview has expired. Upload the file again."))
            return redirect("roster:import")
        try:
            plan = people_import(rows=read_rows(path.read_bytes(), stored["name"]), only_school=school,
                                 create_schools=stored["create_schools"])
        except RosterInvalid as invalid:  # (someone changed the people since the preview)
            return render(request, "roster/people_import.html", {**context, "plan": invalid.plan}, status=400)
        path.unlink(missing_ok=True)
        request.session["roster_pending"].pop(token, None)
        request.session.modified = True
        summary = plan.summary()
        messages.success(request, _("Imported: %(created)s new people, %(updated)s changed, %(groups)s new groups, "
                                    "%(memberships)s new memberships.") % {
            "created": summary["people_created"], "updated": summary["people_updated"],
            "groups": summary["groups_created"], "memberships": summary["memberships_created"]})
        return redirect("roster:import")
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["file_error"] = _("Choose the people list (CSV or XLSX) first.")
        elif upload.size > MAX_BYTES:
            context["file_error"] = _("The file is larger than 20 MB. Split it by school and upload each part.")
        else:
            data = upload.read()
            create_schools = school is None and request.POST.get("create_schools") == "on"
            try:
                plan = people_import(rows=read_rows(data, upload.name), only_school=school,
                                     create_schools=create_schools, dry_run=True)
            except RosterFileError as error:
                context["file_error"] = str(error)
            except RosterInvalid as invalid:
                context["plan"] = invalid.plan
            else:
                token = secrets.token_hex(16)
                path = _pending(token)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                request.session.setdefault("roster_pending", {})[token] = {"name": upload.name,
                                                                          "create_schools": create_schools}
                request.session.modified = True
                context.update(plan=plan, token=token, new_people=plan.new_users[:PREVIEW_ROWS],
                               changed_people=plan.changed_users[:PREVIEW_ROWS])
    return render(request, "roster/people_import.html", context)


@login_required
@require_safe
def export(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    school = _scope(request.user)
    rows = people_rows(school=school)
    name = f"people-{school.pk if school else 'district'}"
    if fmt == "xlsx":
        response = HttpResponse(people_xlsx(rows), content_type="application/vnd.openxmlformats-officedocument."
                                                                "spreadsheetml.sheet")
    else:
        response = HttpResponse(people_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
