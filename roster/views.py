"""The people list from a school admin's (or a district researcher's) browser: upload, see what would change,
apply, the page following a long list's progress; and download the list as it stands."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User

from .exporting import people_csv, people_rows, people_xlsx
from .jobs import import_job_apply, import_job_payload, import_job_start
from .models import ImportJob
from .reading import HEADERS

MAX_BYTES = 20 * 1024 * 1024  # 50,000 rows of CSV are about 4 MB


def _scope(user):
    """The school an importer is limited to, or None for the whole district; PermissionDenied for the others."""
    if user.is_superuser or user.role == User.Role.DISTRICT_RESEARCHER:
        return None
    if user.role == User.Role.SCHOOL_ADMIN and user.school_id:
        return user.school
    raise PermissionDenied


def _job_for(request, uid):
    _scope(request.user)
    return get_object_or_404(ImportJob, uid=uid, by=request.user)


def _context(school, **extra):
    return {"school": school, "headers": HEADERS, "district": school is None, **extra}


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    school = _scope(request.user)
    context = _context(school, recent=ImportJob.objects.filter(by=request.user)[:5])
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["file_error"] = _("Choose the people list (CSV or XLSX) first.")
        elif upload.size > MAX_BYTES:
            context["file_error"] = _("The file is larger than 20 MB. Split it by school and upload each part.")
        else:
            job = import_job_start(by=request.user, school=school, upload=upload, language=get_language(),
                                   create_schools=school is None and request.POST.get("create_schools") == "on")
            return redirect("roster:job", job.uid)
    return render(request, "roster/people_import.html", context)


@login_required
@require_safe
def job_page(request, uid):
    job = _job_for(request, uid)
    summary = job.result.get("summary", {})
    done = _("Imported: %(created)s new people, %(updated)s changed, %(groups)s new groups, %(memberships)s new "
             "memberships.") % {"created": summary.get("people_created"), "updated": summary.get("people_updated"),
                                "groups": summary.get("groups_created"),
                                "memberships": summary.get("memberships_created")}
    return render(request, "roster/people_import.html",
                  _context(job.school, job=job, payload=import_job_payload(job=job), result=job.result,
                           summary=summary, done_message=done if job.state == ImportJob.State.DONE else ""))


@login_required
@require_POST
def job_apply(request, uid):
    job = _job_for(request, uid)
    if job.state != ImportJob.State.CHECKED or not job.result.get("changes"):
        messages.error(request, _("That preview can no longer be applied. Upload the file again."))
        return redirect("roster:import")
    import_job_apply(job=job)
    return redirect("roster:job", job.uid)


@never_cache
@login_required
@require_safe
def job_status(request, uid):
    return JsonResponse(import_job_payload(job=_job_for(request, uid)))


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
