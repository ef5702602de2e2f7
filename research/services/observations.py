"""Writes of observation scales and records (听课记录): the default LICC scale, what was typed into a
score form, and saving a record as a draft or submitting it (final once submitted). A record of a
reviewed lesson is an observer's blind scoring of it (research.selectors.reviews.review_scoring)."""
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import IncompleteRecordError, NotAMemberError, ResearchError
from ..models import ObservationRecord, ObservationScale, ObservationScore, ScalePoint
from ..permissions import is_member, require_member

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
    get_model = get_model or apps.get_model
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
    """The scale new reviews and records use unless another is chosen (made again when it is missing)."""
    return ObservationScale.objects.filter(is_default=True).order_by("name").first() or scale_default_ensure()


# -- what was typed ----------------------------------------------------------------------------

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


# -- records -----------------------------------------------------------------------------------

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
    require_member(user=observer, group=group)
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
            if not is_member(user=teacher, group=group):
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
