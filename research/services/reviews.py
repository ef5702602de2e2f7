"""Writes of time-coded lesson reviews (评课): a review of a video a member may use, and comments placed at
moments of it. Scoring a reviewed lesson is an observation record (research.services.observations)."""
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from media_pipeline.models import MediaAsset
from resources.models import Resource
from resources.selectors import resource_visible_q

from .. import sanitize
from ..exceptions import ResearchError
from ..models import LessonReview, Notification, ReviewComment
from ..moments import moment_label, moment_parse
from ..permissions import is_member, require_member
from .observations import scale_default
from .threads import members_by_name

COMMENT_MAX_CHARS = 2000


def review_video_allowed(*, user, asset=None, resource=None):
    """The asset to review, when `user` may use it: their own asset, or the video of a resource they see."""
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
    require_member(user=user, group=group)
    asset = review_video_allowed(user=user, asset=asset, resource=resource)
    title = (title or "").strip() or (resource.title if resource is not None else asset.title) or _("Lesson review")
    if teacher is not None and not is_member(user=teacher, group=group):
        raise ResearchError(_("The teacher of the lesson must be a member of the group."))
    if activity is not None and activity.group_id != group.pk:
        raise ResearchError(_("That activity belongs to another group."))
    review = LessonReview(group=group, title=title[:200], teacher=teacher, asset=asset, resource=resource,
                          scale=scale or scale_default(), activity=activity, created_by=user)
    review.full_clean()
    review.save()
    return review


def comment_add(*, review, user, at, body, point=None) -> ReviewComment:
    """A comment at `at` (seconds, or text such as '01:30') of the review's video, by a member of its group."""
    require_member(user=user, group=review.group)
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
    _mentions_notify(comment=comment, user=user)
    return comment


def _mentions_notify(*, comment, user):
    """An @name in a review comment tells that member, as in a thread (no one twice, not the writer)."""
    review = comment.review
    members = members_by_name(review.group)
    found, _unknown = sanitize.mentions_find(comment.body, known=members)
    url = reverse("research:review", args=[review.pk]) + f"#comment-{comment.pk}"
    who = user.full_name or user.username
    for user_id in sorted({members[name].pk for name in found} - {user.pk}):
        Notification.objects.create(
            user_id=user_id, kind=Notification.Kind.MENTION, url=url, group=review.group,
            text=(_("%(who)s mentioned you in the review “%(review)s” at %(moment)s: %(text)s") % {
                "who": who, "review": review.title, "moment": moment_label(comment.at_seconds),
                "text": comment.body[:80]})[:300])
