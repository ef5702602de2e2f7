"""Observation scales, time-coded lesson review (评课) and observation records (听课记录): the writes
and reads of research.views.reviews and research.views.observations.

Blind scoring: an observer's record of a reviewed lesson stays hidden from the other observers until
they have submitted theirs (`review_scoring`); before that they learn only how many have submitted.
The reviewed teacher who does not score sees the summary. Submitted records are final, so nobody
changes their scores after seeing the others'.
"""
import datetime
import re
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import NotAMemberError, ResearchError
from .models import (
    GroupMembership,
    LessonReview,
    ObservationRecord,
    ObservationScale,
    ObservationScore,
    ReviewComment,
    ScalePoint,
)
from .selectors import group_can_read, observation_records_scored, review_comments_in_time_order

COMMENT_MAX_CHARS = 2000
NOTE_MAX_CHARS = 500

# -- scales ------------------------------------------------------------------------------------

LICC_SCALE_NAME = "课堂观察 LICC"
LICC_DESCRIPTION = (
    "课堂观察 LICC 范式（崔允漷）：学生学习、教师教学、课程性质、课堂文化四个维度，"
    "每个维度五个视角，共 20 个观察点，每点 0–5 分。"
)
LICC_POINTS = [
    ("学生学习", ["准备", "倾听", "互动", "自主", "达成"]),
    ("教师教学", ["环节", "呈示", "对话", "指导", "机智"]),
    ("课程性质", ["目标", "内容", "实施", "评价", "资源"]),
    ("课堂文化", ["思考", "民主", "创新", "关爱", "特质"]),
]
LICC_MAX_SCORE = 5


def scale_default_ensure(*, get_model=None):
    """The LICC scale with its 20 points, the default when no other scale is (idempotent); returns it.

    Migration 0004 makes it, passing its historical models as `get_model` (apps.get_model); at run time
    this makes it again when it is missing (a flushed test database, an operator who deleted it).
    Points an operator changed in the admin are left as they are.
    """
    if get_model is None:
        from django.apps import apps

        get_model = apps.get_model
    scale_model = get_model("research", "ObservationScale")
    point_model = get_model("research", "ScalePoint")
    scale, created = scale_model.objects.get_or_create(name=LICC_SCALE_NAME, defaults={"description": LICC_DESCRIPTION})
    if not scale_model.objects.filter(is_default=True).exists():
        scale_model.objects.filter(pk=scale.pk).update(is_default=True)
        scale.is_default = True
    if not point_model.objects.filter(scale=scale).exists():
        position = 0
        rows = []
        for dimension, labels in LICC_POINTS:
            for label in labels:
                position += 1
                rows.append(point_model(scale=scale, dimension=dimension, label=label,
                                        max_score=LICC_MAX_SCORE, position=position))
        point_model.objects.bulk_create(rows)
    return scale


def scale_default() -> ObservationScale:
    """The scale new reviews and records use unless another is chosen."""
    return ObservationScale.objects.filter(is_default=True).order_by("name").first() or scale_default_ensure()


@dataclass
class Dimension:
    name: str
    points: list


def scale_dimensions(scale) -> list[Dimension]:
    """The scale's points grouped by dimension, in the scale's order."""
    groups = OrderedDict()
    for point in ScalePoint.objects.filter(scale=scale).order_by("position", "id"):
        groups.setdefault(point.dimension, []).append(point)
    return [Dimension(name, points) for name, points in groups.items()]


# -- moments -----------------------------------------------------------------------------------

_MOMENT_RE = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d{1,2}(?:[.,]\d+)?)\s*$")


def moment_parse(text) -> float:
    """'1:30', '01:30', '1:02:03' or '90' (seconds) as seconds; ResearchError when it is none of them."""
    text = str(text if text is not None else "").strip().replace("：", ":")
    if not text:
        raise ResearchError(_("Give the moment of the video, as minutes:seconds (for example 01:30)."))
    match = _MOMENT_RE.match(text)
    if match:
        hours, minutes, seconds = match.groups()
        seconds = float(seconds.replace(",", "."))
        if seconds >= 60 or (hours is not None and int(minutes) >= 60):
            raise ResearchError(_("“%(text)s” is not a moment: seconds and minutes go up to 59.") % {"text": text})
        return int(hours or 0) * 3600 + int(minutes) * 60 + seconds
    try:
        value = float(text)
    except ValueError:
        raise ResearchError(
            _("“%(text)s” is not a moment; write it as minutes:seconds, for example 01:30.") % {"text": text}
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ResearchError(_("“%(text)s” is not a moment; write it as minutes:seconds, for example 01:30.") % {"text": text})
    return value


def moment_label(seconds) -> str:
    """90 → '01:30', 3723 → '1:02:03' (whole seconds, as a player shows them)."""
    whole = int(seconds or 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


# -- lesson reviews ----------------------------------------------------------------------------

def _require_member(*, user, group):
    if not group_can_read(user=user, group=group):
        raise NotAMemberError(_("Only members of this group can do that."))


def review_video_choices(*, user, query="", limit=30):
    """What `user` may review: their own ready media assets and the video resources they can see."""
    from media_pipeline.models import MediaAsset
    from resources.models import VIDEO_TYPES, Resource
    from resources.selectors import resource_visible_q

    assets = MediaAsset.objects.filter(owner=user, state=MediaAsset.State.READY, duration__isnull=False)
    resources = Resource.objects.filter(resource_visible_q(user)).filter(
        media_asset__state=MediaAsset.State.READY, media_asset__duration__isnull=False,
        resource_type__in=VIDEO_TYPES,
    )
    if query:
        assets = assets.filter(title__icontains=query)
        resources = resources.filter(title__icontains=query)
    return (list(assets.order_by("-created_at")[:limit]),
            list(resources.select_related("media_asset").order_by("-created_at")[:limit]))


def review_video_allowed(*, user, asset=None, resource=None):
    """The asset to review, when `user` may use it: their own asset, or the video of a resource they see."""
    from media_pipeline.models import MediaAsset
    from resources.models import Resource
    from resources.selectors import resource_visible_q

    if resource is not None:
        if not Resource.objects.filter(resource_visible_q(user)).filter(pk=resource.pk).exists():
            raise ResearchError(_("You cannot see that resource; choose another video."))
        asset = resource.media_asset
        if asset is None:
            raise ResearchError(_("That resource has no video; choose one that has."))
    elif asset is None:
        raise ResearchError(_("Choose the video of the lesson to review."))
    elif asset.owner_id != user.pk:
        raise ResearchError(_("You can only review your own videos or those of resources you can see."))
    if asset.state != MediaAsset.State.READY or not asset.duration:
        raise ResearchError(_("That video is still being processed; choose it again once it is ready."))
    return asset


@transaction.atomic
def review_create(*, group, user, title, asset=None, resource=None, teacher=None, scale=None,
                  activity=None) -> LessonReview:
    """A lesson review in `group`, of a media asset `user` owns or of a resource's video they can see."""
    _require_member(user=user, group=group)
    asset = review_video_allowed(user=user, asset=asset, resource=resource)
    title = (title or "").strip() or (resource.title if resource is not None else asset.title) or _("Lesson review")
    if teacher is not None and not GroupMembership.objects.filter(group=group, user=teacher).exists():
        raise ResearchError(_("The teacher of the lesson must be a member of the group."))
    if activity is not None and activity.group_id != group.pk:
        raise ResearchError(_("That activity belongs to another group."))
    review = LessonReview(group=group, title=title[:200], teacher=teacher, asset=asset, resource=resource,
                          scale=scale or scale_default(), activity=activity, created_by=user)
    review.full_clean()
    review.save()
    return review


def review_list(*, group):
    """The group's reviews, newest first, with `comment_count` and `record_count` (submitted)."""
    return (
        LessonReview.objects.filter(group=group)
        .select_related("teacher", "asset", "created_by")
        .annotate(
            comment_count=Count("comments", distinct=True),
            record_count=Count("records", filter=Q(records__submitted_at__isnull=False), distinct=True),
        )
        .order_by("-created_at")
    )


def comment_add(*, review, user, at, body, point=None) -> ReviewComment:
    """A comment at `at` (seconds, or text such as '01:30') of the review's video, by a member of its group."""
    _require_member(user=user, group=review.group)
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ResearchError(_("Write a comment before you send it."))
    if len(body) > COMMENT_MAX_CHARS:
        raise ResearchError(_("A comment can have at most %(max)d characters; this one has %(n)d. Shorten it or split it in two.")
                            % {"max": COMMENT_MAX_CHARS, "n": len(body)})
    seconds = at if isinstance(at, (int, float)) else moment_parse(at)
    duration = review.asset.duration
    if seconds < 0:
        raise ResearchError(_("The moment cannot be before the start of the video."))
    if duration is not None and seconds > duration:
        raise ResearchError(
            _("The video is only %(length)s long, so there is no moment %(moment)s; choose a moment between 00:00 and %(length)s.")
            % {"length": moment_label(duration), "moment": moment_label(seconds)}
        )
    if point is not None and point.scale_id != review.scale_id:
        raise ResearchError(_("That observation point is not on this review's scale."))
    comment = ReviewComment(review=review, author=user, at_seconds=round(float(seconds), 2), body=body, point=point)
    comment.full_clean()
    comment.save()
    return comment


def review_comments(*, review):
    return list(review_comments_in_time_order().filter(review=review))


def comments_on_timeline(comments, *, duration):
    """Give each comment its `at_label` (01:30) and `left` (per cent of a timeline `duration` seconds long)."""
    for comment in comments:
        comment.at_label = moment_label(comment.at_seconds)
        comment.left = round(min(100.0, 100.0 * comment.at_seconds / duration), 3) if duration else 0
    return comments


def comment_as_json(comment) -> dict:
    """A comment for the page's script: plain text, which the script puts in with textContent."""
    return {
        "id": comment.pk,
        "at_seconds": comment.at_seconds,
        "at_label": moment_label(comment.at_seconds),
        "body": comment.body,
        "author": str(comment.author) if comment.author else "",
        "point": {"id": comment.point.pk, "label": str(comment.point)} if comment.point else None,
        "created_at": comment.created_at.isoformat(),
    }


# -- observation records -----------------------------------------------------------------------

class IncompleteRecordError(ResearchError):
    """Submitting a record with points left without a score."""


@dataclass
class ScoreInput:
    """What was typed for a scale's points: {point id: score or None}, {point id: note}, and the
    sentences about values that are not scores."""

    scores: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)


def scores_from_form(*, scale, data) -> ScoreInput:
    """Read `score_<point id>` and `note_<point id>` from a form; bad values become sentences, not exceptions."""
    result = ScoreInput()
    for point in ScalePoint.objects.filter(scale=scale).order_by("position", "id"):
        raw = (data.get(f"score_{point.pk}") or "").strip()
        note = (data.get(f"note_{point.pk}") or "").strip()
        if note:
            result.notes[point.pk] = note
        if raw == "":
            continue
        try:
            value = int(raw)
        except ValueError:
            result.errors.append(_("The score for %(point)s must be a whole number from 0 to %(max)d; “%(raw)s” is not.")
                                 % {"point": point, "max": point.max_score, "raw": raw})
            result.scores[point.pk] = raw
            continue
        result.scores[point.pk] = value
    return result


def _check_scores(*, scale, scores, notes):
    points = {point.pk: point for point in ScalePoint.objects.filter(scale=scale)}
    clean = {}
    for point_id, value in scores.items():
        point = points.get(int(point_id))
        if point is None:
            raise ResearchError(_("A score was given for a point that is not on this scale; reload the page and try again."))
        if value is None or value == "":
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise ResearchError(_("The score for %(point)s must be a whole number from 0 to %(max)d.")
                                % {"point": point, "max": point.max_score})
        if not 0 <= value <= point.max_score:
            raise ResearchError(_("The score for %(point)s must be between 0 and %(max)d; %(value)d is out of range.")
                                % {"point": point, "max": point.max_score, "value": value})
        clean[point] = value
    for point_id, note in notes.items():
        point = points.get(int(point_id))
        if point is None:
            raise ResearchError(_("A note was given for a point that is not on this scale; reload the page and try again."))
        if len(note) > NOTE_MAX_CHARS:
            raise ResearchError(_("The note on %(point)s can have at most %(max)d characters.")
                                % {"point": point, "max": NOTE_MAX_CHARS})
    missing = [point for point in points.values() if point not in clean]
    return clean, missing


@transaction.atomic
def record_save(*, observer, scale=None, group=None, record=None, review=None, teacher=None, teacher_name="",
                lesson_title="", subject=None, observed_on=None, notes="", scores=None, point_notes=None,
                submit=False) -> ObservationRecord:
    """Save an observation record as a draft, or submit it (every point scored; final once submitted).

    With `review`, the record is the observer's scoring of that reviewed lesson (one per observer; the
    group, scale, teacher, lesson and date come from the review). Without it, a 听课记录 of a lesson
    watched in a group: the teacher observed is a member of the group or a typed name.
    """
    scores = scores or {}
    point_notes = point_notes or {}
    if review is not None:
        group, scale = review.group, review.scale
        record = record or ObservationRecord.objects.filter(review=review, observer=observer).first()
    elif record is not None:
        group, scale = record.group, record.scale
    _require_member(user=observer, group=group)
    if review is not None and review.teacher_id == observer.pk:
        # The reviewed teacher may read the summary at any time, so they must not score their own lesson.
        raise ResearchError(_("You taught this lesson, so the observers score it; you can read their scores here."))
    if record is not None:
        if record.observer_id != observer.pk:
            raise NotAMemberError(_("Only the observer can change their record."))
        if record.submitted_at is not None:
            raise ResearchError(_("This record was submitted on %(day)s and can no longer be changed.")
                                % {"day": timezone.localtime(record.submitted_at).date().isoformat()})
    scale = scale or scale_default()
    clean, missing = _check_scores(scale=scale, scores=scores, notes=point_notes)
    if submit and missing:
        raise IncompleteRecordError(
            _("Give every point a score before you submit: %(n)d of %(total)d have none yet (%(first)s, …).")
            % {"n": len(missing), "total": len(missing) + len(clean), "first": missing[0]}
        )
    if review is not None:
        teacher, teacher_name = review.teacher, ""
        lesson_title = review.title
        subject = group.subject
        observed_on = observed_on or (record.observed_on if record else timezone.localdate())
    else:
        teacher_name = (teacher_name or "").strip()
        if teacher is not None:
            if not GroupMembership.objects.filter(group=group, user=teacher).exists():
                raise ResearchError(_("The teacher observed must be a member of the group; otherwise type their name."))
            teacher_name = ""
        elif not teacher_name:
            raise ResearchError(_("Say whom you observed: choose a member of the group or type the teacher's name."))
        lesson_title = (lesson_title or "").strip()
        if not lesson_title:
            raise ResearchError(_("Give the lesson's title (for example 《秋天的雨》 第一课时)."))
        if observed_on is None:
            raise ResearchError(_("Give the date of the lesson."))
    notes = (notes or "").strip()
    scored_ids = {point.pk for point in clean}
    points = {point.pk: point for point in ScalePoint.objects.filter(scale=scale)}
    for point_id, note in point_notes.items():
        # A note on a point not scored yet has no row to live in: it goes to the general notes, not lost.
        marker = f"【{points[int(point_id)]}】"
        if int(point_id) not in scored_ids and note and f"{marker}{note}" not in notes:
            notes = f"{notes}\n{marker}{note}".strip()
    record = record or ObservationRecord(observer=observer, review=review)
    record.group, record.scale, record.teacher, record.teacher_name = group, scale, teacher, teacher_name
    record.lesson_title, record.subject, record.observed_on = lesson_title[:200], subject, observed_on
    record.notes = notes
    if submit:
        record.submitted_at = timezone.now()
    if review is not None:
        record.activity = review.activity
    record.full_clean()
    record.save()
    ObservationScore.objects.filter(record=record).exclude(point__in=list(clean)).delete()
    for point, value in clean.items():
        ObservationScore.objects.update_or_create(
            record=record, point=point, defaults={"score": value, "note": point_notes.get(point.pk, "")[:NOTE_MAX_CHARS]})
    return record


def record_scores(record) -> dict:
    """{point id: ObservationScore} of a record."""
    return {score.point_id: score for score in record.scores.all()}


# -- blind scoring -----------------------------------------------------------------------------

@dataclass
class PointSummary:
    point: ScalePoint
    average: float | None
    count: int


@dataclass
class ReviewScoring:
    """What `user` may see of a review's scores."""

    own: ObservationRecord | None
    others_submitted: int
    can_see_all: bool
    records: list  # submitted records with `total`, `max_total`, `percent`, when can_see_all
    points: list  # PointSummary per point, when can_see_all
    is_teacher: bool

    @property
    def own_submitted(self):
        return self.own is not None and self.own.submitted_at is not None


_UNSET = object()


def review_can_see_scores(*, review, user, own=_UNSET) -> bool:
    """Others' scores: after submitting one's own, or as the reviewed teacher who is not scoring."""
    if own is _UNSET:
        own = ObservationRecord.objects.filter(review=review, observer=user).first() if user.is_authenticated else None
    if own is not None:
        return own.submitted_at is not None
    return review.teacher_id is not None and review.teacher_id == user.pk


def review_scoring(*, review, user) -> ReviewScoring:
    own = ObservationRecord.objects.filter(review=review, observer=user).prefetch_related("scores").first()
    submitted = ObservationRecord.objects.filter(review=review, submitted_at__isnull=False)
    others = submitted.exclude(observer=user).count()
    can_see = review_can_see_scores(review=review, user=user, own=own)
    records, points = [], []
    if can_see:
        records = list(observation_records_scored(submitted.select_related("observer")).order_by("submitted_at", "id"))
        averages = {
            row["point"]: row for row in
            ObservationScore.objects.filter(record__in=submitted).values("point").annotate(average=Avg("score"), n=Count("id"))
        }
        for point in ScalePoint.objects.filter(scale=review.scale).order_by("position", "id"):
            row = averages.get(point.pk)
            points.append(PointSummary(point, round(row["average"], 2) if row else None, row["n"] if row else 0))
        scores = {}
        for score in ObservationScore.objects.filter(record__in=[r.pk for r in records]):
            scores.setdefault(score.record_id, {})[score.point_id] = score.score
        for record in records:
            record.score_by_point = scores.get(record.pk, {})
    return ReviewScoring(own=own, others_submitted=others, can_see_all=can_see, records=records, points=points,
                         is_teacher=review.teacher_id == user.pk)


def review_scoring_as_json(scoring: ReviewScoring, *, user) -> dict:
    """The scores part of a review for a script: others' scores only when `can_see_all`."""
    data = {"others_submitted": scoring.others_submitted, "can_see_all": scoring.can_see_all,
            "own": None, "records": [], "averages": []}
    if scoring.own is not None:
        data["own"] = {
            "submitted": scoring.own.submitted_at is not None,
            "scores": {str(s.point_id): s.score for s in scoring.own.scores.all()},
        }
    if scoring.can_see_all:
        data["records"] = [
            {"observer": str(r.observer), "total": r.total, "max_total": r.max_total,
             "percent": round(r.percent, 1) if r.percent is not None else None,
             "scores": {str(k): v for k, v in r.score_by_point.items()}}
            for r in scoring.records
        ]
        data["averages"] = [
            {"point": p.point.pk, "label": str(p.point), "average": p.average, "count": p.count} for p in scoring.points
        ]
    return data


# -- 听课记录 lists ----------------------------------------------------------------------------

def observation_records_visible(*, group, user):
    """The group's records `user` may read: every submitted record, except others' scores of a reviewed
    lesson the user has still to score (blind scoring); and the user's own drafts."""
    mine = ObservationRecord.objects.filter(observer=user)
    submitted_by_user = mine.filter(review=OuterRef("review"), submitted_at__isnull=False)
    any_by_user = mine.filter(review=OuterRef("review"))
    blind_ok = (
        Q(review__isnull=True)
        | Q(Exists(submitted_by_user))
        | (Q(review__teacher=user) & ~Q(Exists(any_by_user)))
    )
    return ObservationRecord.objects.filter(group=group).filter(
        Q(observer=user) | (Q(submitted_at__isnull=False) & blind_ok)
    )


def observation_list(*, group, user):
    return (
        observation_records_scored(observation_records_visible(group=group, user=user))
        .select_related("observer", "teacher", "subject", "review")
        .order_by("-observed_on", "-id")
    )


@dataclass
class TeacherTotal:
    teacher: object  # a User, or None for a typed name
    name: str
    count: int
    average_percent: float | None
    last_observed: datetime.date | None


def observation_totals_per_teacher(*, group, user) -> list[TeacherTotal]:
    """Per teacher observed (a member, or a typed name): how many submitted records, and their average
    percent of the highest possible score (research.selectors.observation_records_scored)."""
    records = observation_records_scored(
        observation_records_visible(group=group, user=user).filter(submitted_at__isnull=False)
    ).select_related("teacher")
    totals = OrderedDict()
    for record in records:
        key = ("user", record.teacher_id) if record.teacher_id else ("name", record.teacher_name.strip())
        entry = totals.setdefault(key, {"teacher": record.teacher, "percents": [], "count": 0, "last": None,
                                        "name": str(record.teacher) if record.teacher else record.teacher_name.strip()})
        entry["count"] += 1
        if record.percent is not None:
            entry["percents"].append(record.percent)
        if entry["last"] is None or record.observed_on > entry["last"]:
            entry["last"] = record.observed_on
    result = [
        TeacherTotal(e["teacher"], e["name"] or _("(no name)"), e["count"],
                     round(sum(e["percents"]) / len(e["percents"]), 1) if e["percents"] else None, e["last"])
        for e in totals.values()
    ]
    return sorted(result, key=lambda t: (-t.count, t.name))


def observation_get_readable(*, record_id, user):
    """The record, or None when `user` may not read it (not a member, another's draft, blind scoring)."""
    record = ObservationRecord.objects.select_related("group", "review", "scale").filter(pk=record_id).first()
    if record is None or record.group is None or not group_can_read(user=user, group=record.group):
        return None
    if not observation_records_visible(group=record.group, user=user).filter(pk=record.pk).exists():
        return None
    return record


def observation_records_scored_one(record):
    """The record with `total`, `max_total` and `percent`, as observation_records_scored gives them."""
    return (observation_records_scored(ObservationRecord.objects.filter(pk=record.pk))
            .select_related("observer", "teacher", "subject", "review", "group", "scale").get())
