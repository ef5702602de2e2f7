"""Polishing rounds (磨课) and parallel lessons (同课异构): writes and reads.

A polishing record follows one teacher's lesson through trial 1, 2, 3…: each round keeps the lesson-plan
version taught, its video and lesson review, and a note of what changed. Points to improve are raised in a
round and carried to the following rounds until a round resolves them. A parallel-lessons page puts two
designs (library resources) of the same textbook lesson side by side.

Who may do what: members of the group read everything and raise or resolve points; the leader or the
record's teacher adds and edits rounds (research.selectors is the membership rule).
"""
import difflib
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from .exceptions import NotAllowedError, NotAMemberError, ResearchError
from .models import GroupMembership, LessonReview, OpenPoint, ParallelLessons, PolishingRecord, PolishingRound
from .selectors import group_can_manage, group_can_read

POINT_MAX = OpenPoint._meta.get_field("text").max_length
PLAN_MAX = 100_000
DIFF_CONTEXT = 2


class PolishingError(ResearchError):
    """A polishing or parallel-lessons change that cannot be saved as sent."""


def _require_member(*, user, group):
    if not group_can_read(user=user, group=group):
        raise NotAMemberError(_("Only members of this group can do that."))


def _is_member(*, user, group) -> bool:
    return GroupMembership.objects.filter(group=group, user=user).exists()


def record_can_add_rounds(*, user, record) -> bool:
    """The group's leader (or a superuser) and the record's teacher."""
    if not user.is_authenticated or not group_can_read(user=user, group=record.group):
        return False
    return group_can_manage(user=user, group=record.group) or (record.teacher_id is not None and record.teacher_id == user.pk)


def _require_round_editor(*, user, record):
    _require_member(user=user, group=record.group)
    if not record_can_add_rounds(user=user, record=record):
        raise NotAllowedError(_("Only the teacher of this lesson or the group's leader can add or change its rounds."))


# -- polishing records and rounds --------------------------------------------------------------

def polishing_record_create(*, group, user, title, teacher=None, chapter=None) -> PolishingRecord:
    """A new polishing record in `group`; the teacher (a member) defaults to the one who creates it."""
    _require_member(user=user, group=group)
    title = (title or "").strip()
    if not title:
        raise PolishingError(_("Give the lesson a title, for example the name of the text taught."))
    teacher = teacher or user
    if not _is_member(user=teacher, group=group):
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
    _require_round_editor(user=user, record=record)
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
    _require_round_editor(user=user, record=record)
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
    _require_member(user=user, group=record.group)
    points = _clean_points([text])
    if not points:
        raise PolishingError(_("Write the point to improve before adding it."))
    point = OpenPoint(record=record, text=points[0], raised_in=polishing_round)
    point.full_clean()
    point.save()
    return point


def point_resolve(*, point, polishing_round, user) -> OpenPoint:
    """Mark `point` resolved in `polishing_round` (the round it was raised in, or a later one)."""
    _require_member(user=user, group=point.record.group)
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
    _require_member(user=user, group=point.record.group)
    point.resolved_in = None
    point.save(update_fields=["resolved_in"])
    return point


def polishing_list(*, group):
    """The group's polishing records, newest first, with `round_count` and `open_count`."""
    return (
        PolishingRecord.objects.filter(group=group)
        .select_related("teacher")
        .annotate(round_count=Count("rounds", distinct=True),
                  open_count=Count("open_points", filter=Q(open_points__resolved_in__isnull=True), distinct=True))
        .order_by("-created_at", "-id")
    )


def polishing_rounds(*, record):
    return list(record.rounds.select_related("asset", "review").order_by("number"))


@dataclass
class RoundPoints:
    """The points of one round: raised in it, carried into it (raised earlier, still open when it began),
    and resolved in it. A carried point resolved in this round is in both `carried` and `resolved`."""

    raised: list = field(default_factory=list)
    carried: list = field(default_factory=list)
    resolved: list = field(default_factory=list)


def round_points(*, polishing_round) -> RoundPoints:
    points = list(
        OpenPoint.objects.filter(record_id=polishing_round.record_id).select_related("raised_in", "resolved_in").order_by("id")
    )
    result = RoundPoints()
    number = polishing_round.number
    for point in points:
        resolved_number = point.resolved_in.number if point.resolved_in_id else None
        if point.raised_in_id == polishing_round.pk:
            result.raised.append(point)
        elif point.raised_in.number < number and (resolved_number is None or resolved_number >= number):
            result.carried.append(point)
        if point.resolved_in_id == polishing_round.pk:
            result.resolved.append(point)
    return result


# -- the diff between two lesson-plan versions -------------------------------------------------

@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed" or "skipped" (a run of unchanged lines left out)
    text: str = ""
    count: int = 0  # for "skipped": how many lines


def plan_diff(old, new, *, context=DIFF_CONTEXT) -> list[DiffLine]:
    """A line-based diff of two plan texts in one column: unchanged lines near a change, added and removed
    lines; long unchanged runs become one "skipped" line. Text is returned as typed (templates escape it)."""
    old_lines = (old or "").splitlines()
    new_lines = (new or "").splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    opcodes = matcher.get_opcodes()
    lines = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            same = old_lines[i1:i2]
            head = context if index > 0 else 0
            tail = context if index < len(opcodes) - 1 else 0
            if len(same) > head + tail + 1:
                lines.extend(DiffLine("same", text) for text in same[:head])
                lines.append(DiffLine("skipped", count=len(same) - head - tail))
                lines.extend(DiffLine("same", text) for text in same[len(same) - tail:])
            else:
                lines.extend(DiffLine("same", text) for text in same)
            continue
        lines.extend(DiffLine("removed", text) for text in old_lines[i1:i2])
        lines.extend(DiffLine("added", text) for text in new_lines[j1:j2])
    return lines


def diff_counts(lines) -> dict:
    return {"added": sum(1 for line in lines if line.kind == "added"),
            "removed": sum(1 for line in lines if line.kind == "removed")}


def round_diff(*, polishing_round, previous) -> list[DiffLine] | None:
    """The diff from the previous round's plan to this round's, or None for the first round."""
    if previous is None:
        return None
    return plan_diff(previous.lesson_plan, polishing_round.lesson_plan)


# -- parallel lessons (同课异构) ----------------------------------------------------------------

RESOURCE_LINK = re.compile(r"/resources/(\d+)/?")


def resource_id_from_text(text) -> int | None:
    """A resource's number from what was typed: "123" or the link of its page (…/resources/123/)."""
    text = (text or "").strip()
    if text.isdigit():
        return int(text)
    match = RESOURCE_LINK.search(text)
    return int(match.group(1)) if match else None


def _visible_resources(user):
    from resources.models import Resource
    from resources.selectors import resource_visible_q

    return Resource.objects.filter(resource_visible_q(user))


def parallel_create(*, group, user, title, design_a, design_b, notes="") -> ParallelLessons:
    """Two designs of one textbook lesson, each a resource the creator can see."""
    _require_member(user=user, group=group)
    if design_a is None or design_b is None:
        raise PolishingError(_("Choose both designs: paste the link of each resource's page or its number."))
    if design_a.pk == design_b.pk:
        raise PolishingError(_("The two designs are the same resource; choose two different ones."))
    visible = set(_visible_resources(user).filter(pk__in=[design_a.pk, design_b.pk]).values_list("pk", flat=True))
    if len(visible) < 2:
        raise PolishingError(_("You can only compare resources you can see; choose another design."))
    title = (title or "").strip() or design_a.lesson_title or design_a.title
    parallel = ParallelLessons(group=group, title=title[:200], design_a=design_a, design_b=design_b,
                               chapter_id=design_a.chapter_id or design_b.chapter_id, notes=(notes or "").strip())
    parallel.full_clean()
    parallel.save()
    return parallel


def parallel_list(*, group):
    return ParallelLessons.objects.filter(group=group).select_related("design_a", "design_b").order_by("-created_at", "-id")


@dataclass
class Design:
    """One side of a parallel-lessons page: the resource when the viewer may see it, else None."""

    label: str
    anchor: str
    resource: object = None
    preview_urls: list = field(default_factory=list)

    @property
    def visible(self):
        return self.resource is not None


def parallel_designs(*, parallel, user) -> list[Design]:
    visible = set(_visible_resources(user).filter(pk__in=[parallel.design_a_id, parallel.design_b_id])
                  .values_list("pk", flat=True))
    designs = []
    for label, anchor, resource in ((_("Design A"), "design-a", parallel.design_a),
                                    (_("Design B"), "design-b", parallel.design_b)):
        design = Design(label=label, anchor=anchor)
        if resource.pk in visible:
            design.resource = resource
            design.preview_urls = [resource.attachment.storage.url(name) for name in resource.preview_pages or []][:6]
        designs.append(design)
    return designs


def resource_choices(*, user, limit=40):
    """Resources to offer in the designs' list: the user's uploads and prep folder (备课夹)."""
    from resources.models import PrepItem

    visible = _visible_resources(user)
    mine = list(visible.filter(uploaded_by=user).order_by("-created_at")[:limit])
    prep = list(visible.filter(pk__in=PrepItem.objects.filter(user=user).values("resource")).order_by("-created_at")[:limit])
    seen, choices = set(), []
    for resource in mine + prep:
        if resource.pk not in seen:
            seen.add(resource.pk)
            choices.append(resource)
    return choices


def reviews_for_rounds(*, group):
    return LessonReview.objects.filter(group=group).order_by("-created_at")[:50]


def videos_for_rounds(*, record, user):
    """Ready videos the round's editor may attach: their own and the teacher's."""
    from media_pipeline.models import MediaAsset

    owners = {user.pk}
    if record.teacher_id:
        owners.add(record.teacher_id)
    return MediaAsset.objects.filter(owner_id__in=owners).exclude(state=MediaAsset.State.FAILED).order_by("-created_at")[:50]
