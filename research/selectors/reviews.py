"""Reads of time-coded lesson reviews (评课): a group's reviews, a review's comments on its timeline, the
videos a member may review, and blind scoring.

Blind scoring: an observer's record of a reviewed lesson stays hidden from the other observers until
they have submitted theirs (`review_scoring`); before that they learn only how many have submitted.
The reviewed teacher who does not score sees the summary. Submitted records are final, so nobody
changes their scores after seeing the others'.
"""
from dataclasses import dataclass

from django.db.models import Avg, Count, Prefetch, Q

from media_pipeline.models import MediaAsset
from resources.models import VIDEO_TYPES, Resource
from resources.selectors import resource_visible_q

from ..models import LessonReview, ObservationRecord, ObservationScore, ReviewComment, ScalePoint
from ..moments import moment_label
from ..permissions import groups_readable_q
from .observations import observation_records_scored


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


def review_video_choices(*, user, query="", limit=30):
    """What `user` may review: the video resources they can see, and their own ready media assets that are not
    one of those already (a video made into a resource is listed once, as the resource, by its title)."""
    resources = Resource.objects.filter(resource_visible_q(user)).filter(
        media_asset__state=MediaAsset.State.READY, media_asset__duration__isnull=False,
        resource_type__in=VIDEO_TYPES,
    )
    assets = (MediaAsset.objects.filter(owner=user, state=MediaAsset.State.READY, duration__isnull=False)
              .exclude(pk__in=resources.values("media_asset_id")))
    if query:
        assets = assets.filter(title__icontains=query)
        resources = resources.filter(title__icontains=query)
    return (list(assets.order_by("-created_at")[:limit]),
            list(resources.select_related("media_asset").order_by("-created_at")[:limit]))


# -- comments ----------------------------------------------------------------------------------

def review_comments_in_time_order():
    """Review comments as every page lists them: by moment, with author and scale point."""
    return ReviewComment.objects.select_related("author", "point").order_by("at_seconds", "id")


def review_comments(*, review):
    return list(review_comments_in_time_order().filter(review=review))


def asset_reviews_readable(*, asset, user):
    """The lesson reviews of one video in groups `user` may read, newest first, each with its comments in
    time order (`review.comments.all()`): what the lesson page marks on its timeline."""
    if not user.is_authenticated:
        return []
    return list(
        LessonReview.objects.filter(groups_readable_q(user=user), asset=asset)
        .select_related("group")
        .prefetch_related(Prefetch("comments", queryset=review_comments_in_time_order()))
        .order_by("-created_at")
    )


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
