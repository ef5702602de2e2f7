"""Observation records (听课记录): the group's records with totals per teacher, a phone form filled in
during the lesson (saved as a draft, submitted later; what was typed is never lost on an error), and a
record's page. Members of the group only; others get 404."""
import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from resources.models import Subject

from ..exceptions import IncompleteRecordError, ResearchError
from ..models import ObservationScale
from ..selectors import observations as observation_selectors
from ..selectors.groups import group_member_list
from ..services import observations as observation_services
from .common import group_or_404 as _group
from .common import login_required_here
from .reviews import score_fields

FIELDS = ("teacher", "teacher_name", "lesson_title", "subject", "observed_on", "scale", "notes")


@require_safe
@login_required_here
def observation_list(request, group_id):
    group = _group(request, group_id)
    records = list(observation_selectors.observation_list(group=group, user=request.user)[:200])
    return render(request, "research/observation_list.html", {
        "group": group,
        "section": "observations",
        "drafts": [r for r in records if r.submitted_at is None],
        "records": [r for r in records if r.submitted_at is not None],
        "totals": observation_selectors.observation_totals_per_teacher(group=group, user=request.user),
    })


def _form(request, *, group, record=None):
    """The new-record form and the draft's edit form: one page, one way of keeping what was typed."""
    members = list(group_member_list(group=group))
    subjects = list(Subject.objects.all())
    scales = list(ObservationScale.objects.all())
    if record is not None:
        saved = observation_selectors.record_scores(record)
        values = {
            "teacher": str(record.teacher_id or ""), "teacher_name": record.teacher_name,
            "lesson_title": record.lesson_title, "subject": str(record.subject_id or ""),
            "observed_on": record.observed_on.isoformat(), "scale": str(record.scale_id), "notes": record.notes,
        }
        score_values = {pk: s.score for pk, s in saved.items()}
        score_notes = {pk: s.note for pk, s in saved.items() if s.note}
        scale = record.scale
    else:
        scale = observation_services.scale_default()
        values = {"teacher": "", "teacher_name": "", "lesson_title": "",
                  "subject": str(group.subject_id or ""), "observed_on": timezone.localdate().isoformat(),
                  "scale": str(scale.pk), "notes": ""}
        if request.GET.get("scale"):
            chosen = next((s for s in scales if str(s.pk) == request.GET["scale"]), None)
            if chosen is not None:
                scale, values["scale"] = chosen, str(chosen.pk)
        score_values, score_notes = {}, {}
    errors = []
    if request.method == "POST":
        values = {key: (request.POST.get(key) or "").strip() for key in FIELDS}
        if record is None:
            scale = next((s for s in scales if str(s.pk) == values["scale"]), scale)
        typed = observation_services.scores_from_form(scale=scale, data=request.POST)
        score_values, score_notes = typed.scores, typed.notes
        errors = list(typed.errors)
        teacher = None
        if values["teacher"]:
            teacher = next((m for m in members if str(m.pk) == values["teacher"]), None)
            if teacher is None:
                errors.append(_("The teacher chosen is not a member of the group; choose again or type a name."))
        observed_on = None
        try:
            observed_on = parse_date(values["observed_on"]) if values["observed_on"] else None
        except ValueError:
            pass
        if observed_on is None:
            errors.append(_("Give the date of the lesson as year-month-day, for example %(today)s.")
                          % {"today": timezone.localdate().isoformat()})
        elif observed_on > timezone.localdate() + datetime.timedelta(days=1):
            errors.append(_("The date of the lesson is in the future; check it."))
        subject = next((s for s in subjects if str(s.pk) == values["subject"]), None)
        if not errors:
            submit = request.POST.get("action") == "submit"
            save = dict(observer=request.user, group=group, record=record, scale=scale, teacher=teacher,
                        teacher_name=values["teacher_name"], lesson_title=values["lesson_title"], subject=subject,
                        observed_on=observed_on, notes=values["notes"], scores=typed.scores, point_notes=typed.notes)
            try:
                saved_record = observation_services.record_save(submit=submit, **save)
            except IncompleteRecordError as err:
                try:
                    saved_record = observation_services.record_save(submit=False, **save)
                except ResearchError as draft_err:
                    errors.append(str(draft_err))
                else:
                    messages.warning(request, f"{err} {_('What you gave was kept as a draft.')}")
                    return redirect("research:observation_edit", saved_record.pk)
            except ResearchError as err:
                errors.append(str(err))
            else:
                if submit:
                    messages.success(request, _("The record is submitted."))
                    return redirect("research:observation", saved_record.pk)
                messages.success(request, _("Saved as a draft. Come back to it from the group's observation records."))
                return redirect("research:observation_edit", saved_record.pk)
    return render(request, "research/observation_form.html", {
        "group": group, "section": "observations", "record": record, "values": values, "errors": errors,
        "members": members, "subjects": subjects, "scales": scales, "scale": scale,
        "score_dimensions": score_fields(scale=scale, values=score_values, notes=score_notes),
    }, status=400 if errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_here
def observation_new(request, group_id):
    group = _group(request, group_id)
    return _form(request, group=group)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_here
def observation_edit(request, record_id):
    """Go on with my draft. A submitted record, or someone else's, cannot be edited."""
    record = observation_selectors.observation_get_readable(record_id=record_id, user=request.user)
    if record is None or record.observer_id != request.user.pk:
        raise Http404
    if record.review_id:
        return redirect("research:review", record.review_id)
    if record.submitted_at is not None:
        messages.info(request, _("This record is submitted and can no longer be changed."))
        return redirect("research:observation", record.pk)
    return _form(request, group=record.group, record=record)


@require_safe
@login_required_here
def observation_detail(request, record_id):
    record = observation_selectors.observation_get_readable(record_id=record_id, user=request.user)
    if record is None:
        raise Http404
    scored = observation_selectors.observation_records_scored_one(record)
    saved = observation_selectors.record_scores(record)
    dimensions = []
    for dimension in observation_selectors.scale_dimensions(record.scale):
        dimensions.append({"name": dimension.name, "points": [
            {"point": p, "score": saved[p.pk].score if p.pk in saved else None,
             "note": saved[p.pk].note if p.pk in saved else ""} for p in dimension.points]})
    return render(request, "research/observation_detail.html", {
        "group": record.group, "section": "observations", "record": scored, "dimensions": dimensions,
        "is_mine": record.observer_id == request.user.pk,
    })
