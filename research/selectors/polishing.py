"""Reads of polishing rounds (磨课) and parallel lessons (同课异构): a group's records, a record's rounds
with the points raised, carried and resolved in each, the diff between two lesson-plan versions, the two
designs of a parallel-lessons page, and what the forms offer to choose from."""
import difflib
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from media_pipeline.models import MediaAsset
from resources.models import PrepItem
from resources.selectors import resource_list_visible

from ..models import LessonReview, OpenPoint, ParallelLessons, PolishingRecord

DIFF_CONTEXT = 2


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
    visible = set(resource_list_visible(user=user).filter(pk__in=[parallel.design_a_id, parallel.design_b_id])
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


# -- what the forms offer ----------------------------------------------------------------------

def resource_choices(*, user, limit=40):
    """Resources to offer in the designs' list: the user's uploads and prep folder (备课夹)."""
    visible = resource_list_visible(user=user)
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
    owners = {user.pk}
    if record.teacher_id:
        owners.add(record.teacher_id)
    return MediaAsset.objects.filter(owner_id__in=owners).exclude(state=MediaAsset.State.FAILED).order_by("-created_at")[:50]
