"""Writes of polishing rounds (磨课) and parallel lessons (同课异构).

A polishing record follows one teacher's lesson through trial 1, 2, 3…: each round keeps the lesson-plan
version taught, its video and lesson review, and a note of what changed. Points to improve are raised in a
round and carried to the following rounds until a round resolves them. A parallel-lessons page puts two
designs (library resources) of the same textbook lesson side by side.

Who may do what (research.permissions): members of the group raise or resolve points; the leader or the
record's teacher adds and edits rounds.
"""
import re

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from resources.selectors import resource_list_visible

from ..exceptions import PolishingError
from ..models import OpenPoint, ParallelLessons, PolishingRecord, PolishingRound
from ..permissions import is_member, require_member, require_round_editor

POINT_MAX = OpenPoint._meta.get_field("text").max_length
PLAN_MAX = 100_000


# -- polishing records and rounds --------------------------------------------------------------

def polishing_record_create(*, group, user, title, teacher=None, chapter=None) -> PolishingRecord:
    """A new polishing record in `group`; the teacher (a member) defaults to the one who creates it."""
    require_member(user=user, group=group)
    title = (title or "").strip()
    if not title:
        raise PolishingError(_("Give the lesson a title, for example the name of the text taught."))
    teacher = teacher or user
    if not is_member(user=teacher, group=group):
        raise PolishingError(_("The teacher of the lesson must be a member of the group."))
    record = PolishingRecord(group=group, title=title[:200], teacher=teacher, chapter=chapter)
    record.full_clean()
    record.save()
    return record


def _clean_points(texts) -> list[str]:
    points = []
    for text in texts:
        text = (text or "").strip()
        if not text:
            continue
        if len(text) > POINT_MAX:
            raise PolishingError(_("A point can be at most %(n)d characters long; shorten it or split it in two.")
                                 % {"n": POINT_MAX})
        points.append(text)
    return points


def _check_round_media(*, record, user, asset, review, kept_asset_id=None):
    """The asset must be the editor's or the teacher's own video (or the review's, or the one the round
    already has); the review must be one of the group's. Without an asset, the review's video is used."""
    if review is not None and review.group_id != record.group_id:
        raise PolishingError(_("That lesson review belongs to another group; choose one of this group's reviews."))
    if asset is not None and (asset.pk == kept_asset_id or (review is not None and asset.pk == review.asset_id)):
        return asset
    if asset is not None and asset.owner_id not in {user.pk, record.teacher_id}:
        raise PolishingError(_("Choose a video that you or the teacher of the lesson uploaded."))
    if asset is None and review is not None:
        asset = review.asset
    return asset


def _check_plan(lesson_plan) -> str:
    lesson_plan = (lesson_plan or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(lesson_plan) > PLAN_MAX:
        raise PolishingError(_("The lesson plan is too long (at most %(n)d characters); attach the full plan as a resource instead.")
                             % {"n": PLAN_MAX})
    return lesson_plan


@transaction.atomic
def polishing_round_add(*, record, user, taught_on=None, lesson_plan="", summary="", asset=None, review=None,
                        points=()) -> PolishingRound:
    """Trial N+1 of `record`, with the points to improve raised in it (one per item of `points`)."""
    require_round_editor(user=user, record=record)
    lesson_plan = _check_plan(lesson_plan)
    asset = _check_round_media(record=record, user=user, asset=asset, review=review)
    points = _clean_points(points)
    # Lock the record so two rounds added at once do not get the same number.
    PolishingRecord.objects.select_for_update().filter(pk=record.pk).first()
    number = (record.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    polishing_round = PolishingRound(record=record, number=number, taught_on=taught_on, lesson_plan=lesson_plan,
                                     summary=(summary or "").strip(), asset=asset, review=review)
    polishing_round.full_clean()
    polishing_round.save()
    for text in points:
        OpenPoint.objects.create(record=record, text=text, raised_in=polishing_round)
    return polishing_round


def polishing_round_update(*, polishing_round, user, taught_on=None, lesson_plan="", summary="", asset=None,
                           review=None) -> PolishingRound:
    record = polishing_round.record
    require_round_editor(user=user, record=record)
    polishing_round.lesson_plan = _check_plan(lesson_plan)
    polishing_round.asset = _check_round_media(record=record, user=user, asset=asset, review=review,
                                               kept_asset_id=polishing_round.asset_id)
    polishing_round.review = review
    polishing_round.taught_on = taught_on
    polishing_round.summary = (summary or "").strip()
    polishing_round.full_clean()
    polishing_round.save()
    return polishing_round


def point_raise(*, polishing_round, user, text) -> OpenPoint:
    """A point to improve, raised in `polishing_round` by any member of the group."""
    record = polishing_round.record
    require_member(user=user, group=record.group)
    points = _clean_points([text])
    if not points:
        raise PolishingError(_("Write the point to improve before adding it."))
    point = OpenPoint(record=record, text=points[0], raised_in=polishing_round)
    point.full_clean()
    point.save()
    return point


def point_resolve(*, point, polishing_round, user) -> OpenPoint:
    """Mark `point` resolved in `polishing_round` (the round it was raised in, or a later one)."""
    require_member(user=user, group=point.record.group)
    if polishing_round.record_id != point.record_id:
        raise PolishingError(_("That round belongs to another lesson."))
    if polishing_round.number < point.raised_in.number:
        raise PolishingError(_("A point cannot be resolved in a round before the one it was raised in."))
    if point.resolved_in_id is not None:
        raise PolishingError(_("This point was already resolved in trial %(n)d.") % {"n": point.resolved_in.number})
    point.resolved_in = polishing_round
    point.save(update_fields=["resolved_in"])
    return point


def point_reopen(*, point, user) -> OpenPoint:
    """Undo a resolution: the point is open again and carried to the following rounds."""
    require_member(user=user, group=point.record.group)
    point.resolved_in = None
    point.save(update_fields=["resolved_in"])
    return point


# -- parallel lessons (同课异构) ----------------------------------------------------------------

RESOURCE_LINK = re.compile(r"/resources/(\d+)/?")


def resource_id_from_text(text) -> int | None:
    """A resource's number from what was typed: "123" or the link of its page (…/resources/123/)."""
    text = (text or "").strip()
    if text.isdigit():
        return int(text)
    match = RESOURCE_LINK.search(text)
    return int(match.group(1)) if match else None


def parallel_create(*, group, user, title, design_a, design_b, notes="") -> ParallelLessons:
    """Two designs of one textbook lesson, each a resource the creator can see."""
    require_member(user=user, group=group)
    if design_a is None or design_b is None:
        raise PolishingError(_("Choose both designs: paste the link of each resource's page or its number."))
    if design_a.pk == design_b.pk:
        raise PolishingError(_("The two designs are the same resource; choose two different ones."))
    visible = set(resource_list_visible(user=user).filter(pk__in=[design_a.pk, design_b.pk]).values_list("pk", flat=True))
    if len(visible) < 2:
        raise PolishingError(_("You can only compare resources you can see; choose another design."))
    title = (title or "").strip() or design_a.lesson_title or design_a.title
    parallel = ParallelLessons(group=group, title=title[:200], design_a=design_a, design_b=design_b,
                               chapter_id=design_a.chapter_id or design_b.chapter_id, notes=(notes or "").strip())
    parallel.full_clean()
    parallel.save()
    return parallel
