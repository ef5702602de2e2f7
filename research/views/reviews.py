"""Lesson review (评课) pages: the group's reviews, a new review, and a review's page with the player,
its time-coded comments (a timeline of markers and a list that jumps the player) and blind scoring.

Comments post as a plain form (redirect back) or, from the page's script, to the same address asking
for JSON. Scores of other observers appear only once the reader has submitted theirs
(research.selectors.reviews.review_scoring); the JSON answers follow the same rule.
"""
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from media_pipeline.models import MediaAsset
from resources.models import Resource
from core.text import bounded_query

from ..exceptions import IncompleteRecordError, ResearchError
from ..models import LessonReview, ObservationScale, ScalePoint
from ..moments import moment_label
from ..selectors import reviews as review_selectors
from ..selectors.groups import group_member_list
from ..selectors.observations import record_scores, scale_dimensions
from ..services import reviews as review_services
from ..services.observations import record_save, scale_default, scores_from_form
from .common import get_readable, login_required_here
from .common import group_or_404 as _group


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _review(request, review_id):
    return get_readable(
        LessonReview.objects.select_related("group", "asset", "teacher", "scale", "resource", "created_by"),
        user=request.user, pk=review_id,
    )


def score_fields(*, scale, values=None, notes=None):
    """The scale's points by dimension, each with the typed or saved value (a string) and note, for
    research/observation_score_fields.html."""
    values, notes = values or {}, notes or {}
    dimensions = []
    for dimension in scale_dimensions(scale):
        dimensions.append({
            "name": dimension.name,
            "points": [{
                "point": point,
                "value": "" if values.get(point.pk) is None else str(values.get(point.pk)),
                "note": notes.get(point.pk, ""),
                "choices": [str(n) for n in range(point.max_score + 1)],
            } for point in dimension.points],
        })
    return dimensions


@require_safe
@login_required_here
def review_list(request, group_id):
    group = _group(request, group_id)
    return render(request, "research/review_list.html", {
        "group": group, "section": "reviews", "reviews": review_selectors.review_list(group=group),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_here
def review_new(request, group_id):
    """Choose one of my ready videos, or a video resource I can see, and the teacher of the lesson."""
    group = _group(request, group_id)
    query = bounded_query(request.GET.get("q"))
    activity_id = request.POST.get("activity") or request.GET.get("activity") or ""
    activity = group.activities.filter(pk=int(activity_id)).first() if activity_id.isdigit() else None
    assets, resources = review_selectors.review_video_choices(user=request.user, query=query)
    for asset in assets:
        asset.key = f"asset-{asset.pk}"
    for resource in resources:
        resource.key = f"resource-{resource.pk}"
    members = list(group_member_list(group=group))
    scales = list(ObservationScale.objects.all())
    default_scale = scale_default()
    values = {"video": "", "title": "", "teacher": "", "scale": str(default_scale.pk)}  # the teacher is chosen, never assumed
    if request.GET.get("asset"):
        # a video that is a resource already is chosen as the resource (the list shows it once)
        made = next((r for r in resources if str(r.media_asset_id) == request.GET["asset"]), None)
        values["video"] = f"resource-{made.pk}" if made else f"asset-{request.GET['asset']}"
    elif request.GET.get("resource"):
        values["video"] = f"resource-{request.GET['resource']}"
    error = None
    if request.method == "POST":
        values = {key: (request.POST.get(key) or "").strip() for key in ("video", "title", "teacher", "scale")}
        kind, _sep, pk = values["video"].partition("-")
        asset = resource = None
        if kind == "asset" and pk.isdigit():
            asset = MediaAsset.objects.filter(pk=pk).first()
        elif kind == "resource" and pk.isdigit():
            resource = Resource.objects.select_related("media_asset").filter(pk=pk).first()
        teacher = next((m for m in members if str(m.pk) == values["teacher"]), None)
        scale = next((s for s in scales if str(s.pk) == values["scale"]), None)
        try:
            if asset is None and resource is None:
                raise ResearchError(_("Choose the video of the lesson to review."))
            review = review_services.review_create(group=group, user=request.user, title=values["title"], asset=asset,
                                                   resource=resource, teacher=teacher, scale=scale, activity=activity)
        except ResearchError as err:
            error = str(err)
        else:
            return redirect("research:review", review.pk)
    return render(request, "research/review_new.html", {
        "group": group, "section": "reviews", "assets": assets, "resources": resources, "members": members,
        "scales": scales, "values": values, "error": error, "query": query, "activity": activity,
    }, status=400 if error else 200)


def _detail_context(request, review, *, comment_values=None, comment_error=None, score_values=None,
                    score_notes=None, general_notes=None, score_errors=None):
    duration = review.asset.duration or 0
    comments = review_selectors.comments_on_timeline(review_selectors.review_comments(review=review), duration=duration)
    scoring = review_selectors.review_scoring(review=review, user=request.user)
    if score_values is None and scoring.own is not None:
        saved = record_scores(scoring.own)
        score_values = {pk: s.score for pk, s in saved.items()}
        score_notes = {pk: s.note for pk, s in saved.items() if s.note}
        general_notes = scoring.own.notes
    if scoring.can_see_all:
        for record in scoring.records:
            record.score_rows = [(p.point, record.score_by_point.get(p.point.pk)) for p in scoring.points]
    return {
        "group": review.group,
        "section": "reviews",
        "review": review,
        "asset": review.asset,
        "duration": duration,
        "duration_label": moment_label(duration),
        "comments": comments,
        "points": list(ScalePoint.objects.filter(scale=review.scale).order_by("position", "id")),
        "dimensions": scale_dimensions(review.scale),
        "comment_values": comment_values or {"at": "", "body": "", "point": ""},
        "comment_error": comment_error,
        "comment_max": review_services.COMMENT_MAX_CHARS,
        "scoring": scoring,
        "score_dimensions": score_fields(scale=review.scale, values=score_values, notes=score_notes),
        "general_notes": general_notes or "",
        "score_errors": score_errors or [],
        # The reviewed teacher who has not started scoring sees the summary instead of a form.
        "can_score": not scoring.own_submitted and not (scoring.is_teacher and scoring.own is None),
    }


@require_safe
@login_required_here
def review_detail(request, review_id):
    review = _review(request, review_id)
    return render(request, "research/review_detail.html", _detail_context(request, review))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_here
def review_comments(request, review_id):
    """GET: the comments as JSON. POST: add one (a form post is sent back to the page; a script asking for
    JSON gets the comment, or the sentence saying what to fix)."""
    review = _review(request, review_id)
    if request.method != "POST":
        return JsonResponse({"duration": review.asset.duration,
                             "comments": [review_selectors.comment_as_json(c) for c in review_selectors.review_comments(review=review)]})
    values = {key: request.POST.get(key) or "" for key in ("at", "body", "point")}
    point = None
    if values["point"]:
        point = ScalePoint.objects.filter(pk=values["point"] if values["point"].isdigit() else 0,
                                          scale=review.scale).first()
    try:
        if values["point"] and point is None:
            raise ResearchError(_("That observation point is not on this review's scale; choose another or none."))
        comment = review_services.comment_add(review=review, user=request.user, at=values["at"], body=values["body"], point=point)
    except ResearchError as err:
        if _wants_json(request):
            return JsonResponse({"error": str(err)}, status=400)
        context = _detail_context(request, review, comment_values=values, comment_error=str(err))
        return render(request, "research/review_detail.html", context, status=400)
    if _wants_json(request):
        return JsonResponse({"comment": review_selectors.comment_as_json(comment)}, status=201)
    return redirect(reverse("research:review", args=[review.pk]) + f"#comment-{comment.pk}")


@require_POST
@login_required_here
def review_score(request, review_id):
    """Save my scores of the lesson as a draft, or submit them (then I see everyone's)."""
    review = _review(request, review_id)
    typed = scores_from_form(scale=review.scale, data=request.POST)
    notes = (request.POST.get("notes") or "").strip()
    submit = request.POST.get("action") == "submit"

    def again(errors):
        context = _detail_context(request, review, score_values=typed.scores, score_notes=typed.notes,
                                  general_notes=notes, score_errors=errors)
        return render(request, "research/review_detail.html", context, status=400)

    if typed.errors:
        return again(typed.errors)
    save = dict(observer=request.user, review=review, scores=typed.scores, point_notes=typed.notes, notes=notes)
    try:
        record_save(submit=submit, **save)
    except IncompleteRecordError as err:
        try:
            record_save(submit=False, **save)
        except ResearchError as draft_err:
            return again([str(draft_err)])
        messages.warning(request, f"{err} {_('What you gave was kept as a draft.')}")
        return redirect(reverse("research:review", args=[review.pk]) + "#scores")
    except ResearchError as err:
        return again([str(err)])
    if submit:
        messages.success(request, _("Your scores are submitted. Everyone's scores are shown below."))
    else:
        messages.success(request, _("Your scores are saved as a draft. Only you can see them."))
    return redirect(reverse("research:review", args=[review.pk]) + "#scores")


@require_safe
@login_required_here
def review_scores(request, review_id):
    """The scores part of the page as JSON, under the same blind rule."""
    review = _review(request, review_id)
    scoring = review_selectors.review_scoring(review=review, user=request.user)
    return JsonResponse(review_selectors.review_scoring_as_json(scoring, user=request.user))
