"""Polishing rounds (磨课) and parallel lessons (同课异构): the group's list with the "new" forms, a record's
rounds (video, plan, what changed, the diff from the previous plan, the points raised, carried and
resolved), the round form, and the two designs side by side. Members only; others get 404."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from resources.models import Resource

from ..exceptions import ResearchError
from ..models import LessonReview, OpenPoint, ParallelLessons, PolishingRecord, PolishingRound
from ..permissions import record_can_add_rounds, require_round_editor
from ..selectors import polishing as polishing_selectors
from ..selectors.groups import group_member_list
from ..services import polishing as polishing_services
from .common import get_readable, login_required_here
from .common import group_or_404 as _group
from .common import pick as _pick


def _record(request, record_id):
    return get_readable(PolishingRecord.objects.select_related("group", "teacher"), user=request.user, pk=record_id)


# -- the group's list --------------------------------------------------------------------------

def _list_page(request, group, *, record_values=None, record_error="", parallel_values=None, parallel_error="", status=200):
    return render(request, "research/polishing_list.html", {
        "group": group,
        "section": "polishing",
        "records": polishing_selectors.polishing_list(group=group),
        "parallels": polishing_selectors.parallel_list(group=group),
        "members": list(group_member_list(group=group)),
        "resource_choices": polishing_selectors.resource_choices(user=request.user),
        "record_values": record_values or {"title": "", "teacher": str(request.user.pk)},
        "record_error": record_error,
        "parallel_values": parallel_values or {"title": "", "design_a": "", "design_b": "", "notes": ""},
        "parallel_error": parallel_error,
    }, status=status)


@require_safe
@login_required_here
def polishing_list(request, group_id):
    return _list_page(request, _group(request, group_id))


@require_POST
@login_required_here
def polishing_new(request, group_id):
    group = _group(request, group_id)
    values = {key: request.POST.get(key, "").strip() for key in ("title", "teacher")}
    teacher = _pick(list(group_member_list(group=group)), values["teacher"]) if values["teacher"] else None
    try:
        record = polishing_services.polishing_record_create(group=group, user=request.user, title=values["title"], teacher=teacher)
    except ResearchError as error:
        return _list_page(request, group, record_values=values, record_error=str(error), status=400)
    return redirect("research:polishing", record.pk)


@require_POST
@login_required_here
def parallel_new(request, group_id):
    group = _group(request, group_id)
    values = {key: request.POST.get(key, "").strip() for key in ("title", "design_a", "design_b", "notes")}
    designs = []
    for key in ("design_a", "design_b"):
        pk = polishing_services.resource_id_from_text(values[key])
        designs.append(Resource.objects.filter(pk=pk).first() if pk else None)
    try:
        parallel = polishing_services.parallel_create(group=group, user=request.user, title=values["title"],
                                                      design_a=designs[0], design_b=designs[1], notes=values["notes"])
    except ResearchError as error:
        return _list_page(request, group, parallel_values=values, parallel_error=str(error), status=400)
    return redirect("research:parallel", parallel.pk)


# -- a record and its rounds -------------------------------------------------------------------

def _record_page(request, record, number=None, *, point_error="", point_draft="", status=200):
    rounds = polishing_selectors.polishing_rounds(record=record)
    current = rounds[-1] if rounds else None
    if number is not None:
        current = next((r for r in rounds if r.number == number), None)
        if current is None:
            raise Http404
    previous = next((r for r in rounds if current and r.number == current.number - 1), None)
    diff = polishing_selectors.round_diff(polishing_round=current, previous=previous) if current else None
    return render(request, "research/polishing_detail.html", {
        "group": record.group,
        "section": "polishing",
        "record": record,
        "rounds": rounds,
        "round": current,
        "previous": previous,
        "next_round": next((r for r in rounds if current and r.number == current.number + 1), None),
        "diff": diff,
        "diff_counts": polishing_selectors.diff_counts(diff) if diff is not None else None,
        "points": polishing_selectors.round_points(polishing_round=current) if current else None,
        "can_edit": record_can_add_rounds(user=request.user, record=record),
        "point_error": point_error,
        "point_draft": point_draft,
        "point_max": polishing_services.POINT_MAX,
    }, status=status)


@require_safe
@login_required_here
def polishing_detail(request, record_id):
    return _record_page(request, _record(request, record_id))


@require_safe
@login_required_here
def polishing_round(request, record_id, number):
    return _record_page(request, _record(request, record_id), number)


ROUND_FIELDS = ("taught_on", "lesson_plan", "summary", "asset", "review", "points")


def _round_form(request, record, polishing_round=None):
    """The form to add trial N+1 (the previous plan copied in, to edit) or to change a round."""
    require_round_editor(user=request.user, record=record)
    videos = list(polishing_selectors.videos_for_rounds(record=record, user=request.user))
    if polishing_round is not None and polishing_round.asset_id and all(v.pk != polishing_round.asset_id for v in videos):
        videos.insert(0, polishing_round.asset)
    reviews = list(polishing_selectors.reviews_for_rounds(group=record.group))
    rounds = polishing_selectors.polishing_rounds(record=record)
    if polishing_round is not None:
        values = {"taught_on": polishing_round.taught_on.isoformat() if polishing_round.taught_on else "",
                  "lesson_plan": polishing_round.lesson_plan, "summary": polishing_round.summary,
                  "asset": str(polishing_round.asset_id or ""), "review": str(polishing_round.review_id or ""), "points": ""}
    else:
        last = rounds[-1] if rounds else None
        values = {"taught_on": "", "lesson_plan": last.lesson_plan if last else "", "summary": "", "asset": "",
                  "review": "", "points": ""}
    error = ""
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in ROUND_FIELDS}
        taught_on = None
        try:
            taught_on = parse_date(values["taught_on"].strip()) if values["taught_on"].strip() else None
            if values["taught_on"].strip() and taught_on is None:
                raise ValueError
        except ValueError:
            error = _("The date taught is not a date; pick it again.")
        asset = _pick(videos, values["asset"]) if values["asset"] else None
        review = _pick(reviews, values["review"]) if values["review"] else None
        if values["review"] and review is None:
            review = LessonReview.objects.filter(pk=values["review"] if values["review"].isdigit() else 0,
                                                 group=record.group).first()
        if not error:
            try:
                if polishing_round is None:
                    polishing_round = polishing_services.polishing_round_add(
                        record=record, user=request.user, taught_on=taught_on, lesson_plan=values["lesson_plan"],
                        summary=values["summary"], asset=asset, review=review, points=values["points"].splitlines())
                    messages.success(request, _("Trial %(n)d is saved.") % {"n": polishing_round.number})
                else:
                    polishing_services.polishing_round_update(
                        polishing_round=polishing_round, user=request.user, taught_on=taught_on,
                        lesson_plan=values["lesson_plan"], summary=values["summary"], asset=asset, review=review)
                    messages.success(request, _("Trial %(n)d is saved.") % {"n": polishing_round.number})
            except ResearchError as exc:
                error = str(exc)
            else:
                return redirect("research:polishing_round", record.pk, polishing_round.number)
    number = polishing_round.number if polishing_round is not None else (rounds[-1].number + 1 if rounds else 1)
    return render(request, "research/polishing_round_form.html", {
        "group": record.group, "section": "polishing", "record": record, "round": polishing_round,
        "number": number, "values": values, "error": error, "videos": videos, "reviews": reviews,
        "copied_from": rounds[-1] if rounds and polishing_round is None else None,
    }, status=400 if error else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_here
def polishing_round_new(request, record_id):
    return _round_form(request, _record(request, record_id))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_here
def polishing_round_edit(request, round_id):
    polishing_round = get_readable(PolishingRound.objects.select_related("record__group", "record__teacher", "asset"),
                                   user=request.user, group_of=lambda r: r.record.group, pk=round_id)
    return _round_form(request, polishing_round.record, polishing_round)


@require_POST
@login_required_here
def point_new(request, round_id):
    polishing_round = get_readable(PolishingRound.objects.select_related("record__group", "record__teacher"),
                                   user=request.user, group_of=lambda r: r.record.group, pk=round_id)
    text = request.POST.get("text", "")
    try:
        point = polishing_services.point_raise(polishing_round=polishing_round, user=request.user, text=text)
    except ResearchError as error:
        return _record_page(request, polishing_round.record, polishing_round.number, point_error=str(error),
                            point_draft=text, status=400)
    return redirect(reverse("research:polishing_round", args=[polishing_round.record_id, polishing_round.number])
                    + f"#point-{point.pk}")


def _point(request, point_id):
    return get_readable(OpenPoint.objects.select_related("record__group", "raised_in", "resolved_in"),
                        user=request.user, group_of=lambda p: p.record.group, pk=point_id)


@require_POST
@login_required_here
def point_resolve(request, point_id):
    point = _point(request, point_id)
    round_id = request.POST.get("round", "")
    polishing_round = PolishingRound.objects.filter(pk=round_id if round_id.isdigit() else 0, record_id=point.record_id).first()
    if polishing_round is None:
        raise Http404
    try:
        polishing_services.point_resolve(point=point, polishing_round=polishing_round, user=request.user)
    except ResearchError as error:
        messages.error(request, str(error))
    return redirect(reverse("research:polishing_round", args=[point.record_id, polishing_round.number]) + f"#point-{point.pk}")


@require_POST
@login_required_here
def point_reopen(request, point_id):
    point = _point(request, point_id)
    number = point.resolved_in.number if point.resolved_in_id else point.raised_in.number
    polishing_services.point_reopen(point=point, user=request.user)
    return redirect(reverse("research:polishing_round", args=[point.record_id, number]) + f"#point-{point.pk}")


# -- parallel lessons --------------------------------------------------------------------------

@require_safe
@login_required_here
def parallel_detail(request, parallel_id):
    parallel = get_readable(ParallelLessons.objects.select_related(
        "group", "chapter", "design_a__uploaded_by", "design_a__media_asset", "design_a__school",
        "design_b__uploaded_by", "design_b__media_asset", "design_b__school",
    ), user=request.user, pk=parallel_id)
    return render(request, "research/parallel_detail.html", {
        "group": parallel.group, "section": "polishing", "parallel": parallel,
        "designs": polishing_selectors.parallel_designs(parallel=parallel, user=request.user),
    })
