"""Writes for teaching research: groups, schedules and occurrences, sign-ins, threads and posts,
mentions and notifications. Each checks the caller's role; views turn the exceptions into pages."""
import datetime
import os
import re
import uuid

from dateutil import rrule
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from . import sanitize
from .exceptions import NotAllowedError, NotAMemberError, PostRejectedError, ScheduleError
from .models import (
    Activity,
    ActivitySeries,
    GroupMembership,
    Notification,
    Post,
    PostAttachment,
    ResearchGroup,
    SignIn,
    Thread,
    ThreadRead,
)
from .selectors import group_can_manage, group_can_read

MAX_OCCURRENCES = 60
SIGN_IN_OPENS_BEFORE = datetime.timedelta(hours=1)
SIGN_IN_CLOSES_AFTER = datetime.timedelta(days=2)
SIGN_IN_RECORD_UNTIL = datetime.timedelta(days=30)  # the leader's paper list, entered later


def _require_member(*, user, group):
    if not group_can_read(user=user, group=group):
        raise NotAMemberError(_("Only members of this group can do that."))


def _require_leader(*, user, group):
    _require_member(user=user, group=group)
    if not group_can_manage(user=user, group=group):
        raise NotAllowedError(_("Only the group's leader can do that. Ask them, or ask to be made a leader."))


# -- groups ------------------------------------------------------------------------------------

@transaction.atomic
def group_create(*, name, leader, subject=None, school=None, pairing=None, is_private=True) -> ResearchGroup:
    group = ResearchGroup(name=name, subject=subject, school=school, pairing=pairing, is_private=is_private)
    group.full_clean()
    group.save()
    GroupMembership.objects.create(group=group, user=leader, role=GroupMembership.Role.LEADER)
    return group


def group_member_add(*, group, user, role=GroupMembership.Role.MEMBER) -> GroupMembership:
    membership, _created = GroupMembership.objects.update_or_create(group=group, user=user, defaults={"role": role})
    if hasattr(user, "_kexiang_group_roles"):
        del user._kexiang_group_roles
    return membership


# -- schedules and occurrences -----------------------------------------------------------------

def series_dates(*, frequency, starts_on, until) -> list[datetime.date]:
    """The dates of a series. Monthly keeps the weekday and its place in the month ("the 2nd Wednesday"),
    which is how schools fix a monthly session; a 5th weekday becomes "the last"."""
    if until < starts_on:
        raise ScheduleError(_("The last date is before the first date."))
    start = datetime.datetime.combine(starts_on, datetime.time())
    end = datetime.datetime.combine(until, datetime.time())
    if frequency == ActivitySeries.Frequency.MONTHLY:
        nth = (starts_on.day - 1) // 7 + 1
        rule = rrule.rrule(rrule.MONTHLY, dtstart=start, until=end,
                           byweekday=rrule.weekday(starts_on.weekday(), -1 if nth == 5 else nth))
    else:
        interval = 2 if frequency == ActivitySeries.Frequency.BIWEEKLY else 1
        rule = rrule.rrule(rrule.WEEKLY, dtstart=start, until=end, interval=interval)
    dates = [moment.date() for moment in rule[:MAX_OCCURRENCES + 1]]
    if len(dates) > MAX_OCCURRENCES:
        raise ScheduleError(_("A series can have at most %(n)d occurrences; choose an earlier last date.")
                            % {"n": MAX_OCCURRENCES})
    return dates


def _aware(day, time):
    return timezone.make_aware(datetime.datetime.combine(day, time))


@transaction.atomic
def series_create(*, group, user, title, frequency, starts_on, until, start_time, duration_minutes=90,
                  kind=Activity._meta.get_field("kind").default, location="", agenda="", skip_dates=()) -> ActivitySeries:
    """Schedule a recurring series; each date becomes an Activity. `skip_dates` are left out (holidays)."""
    _require_leader(user=user, group=group)
    series = ActivitySeries(group=group, title=title, kind=kind, frequency=frequency, starts_on=starts_on, until=until,
                            start_time=start_time, duration_minutes=duration_minutes, location=location,
                            agenda=agenda, created_by=user)
    dates = [day for day in series_dates(frequency=frequency, starts_on=starts_on, until=until) if day not in set(skip_dates)]
    series.full_clean()
    if not dates:
        raise ScheduleError(_("No date is left in this series."))
    series.save()
    length = datetime.timedelta(minutes=duration_minutes)
    Activity.objects.bulk_create(
        Activity(group=group, series=series, uid=uuid.uuid4(), title=title, kind=kind,
                 starts_at=_aware(day, start_time), ends_at=_aware(day, start_time) + length,
                 location=location, agenda=agenda, created_by=user)
        for day in dates
    )
    return series


@transaction.atomic
def activity_create(*, group, user, title, starts_at, ends_at, kind=Activity._meta.get_field("kind").default,
                    location="", agenda="", presenters=(), units=1) -> Activity:
    _require_leader(user=user, group=group)
    activity = Activity(group=group, title=title, kind=kind, starts_at=starts_at, ends_at=ends_at, location=location,
                        agenda=agenda, units=units, created_by=user)
    if ends_at <= starts_at:
        raise ScheduleError(_("An activity must end after it starts."))
    activity.full_clean()
    activity.save()
    activity.presenters.set(presenters)
    return activity


def _notify_change(*, activity, text):
    """Tell every member (which includes everyone still in the group who signed in) that the activity changed."""
    url = reverse("research:activity", args=[activity.pk])
    # Current members only: someone who signed in and has since left hears nothing more from a private group.
    users = set(GroupMembership.objects.filter(group=activity.group).values_list("user_id", flat=True))
    Notification.objects.bulk_create(
        Notification(user_id=user_id, kind=Notification.Kind.CHANGE, text=text[:300], url=url, group=activity.group)
        for user_id in sorted(users)
    )


@transaction.atomic
def activity_move(*, activity, user, starts_at, note="") -> Activity:
    """Move one occurrence. Its sign-ins, minutes and thread stay with it; members are told."""
    _require_leader(user=user, group=activity.group)
    if activity.is_cancelled:
        raise ScheduleError(_("This activity was cancelled; schedule a new one instead of moving it."))
    length = activity.ends_at - activity.starts_at
    if activity.original_starts_at is None:
        activity.original_starts_at = activity.starts_at
    activity.starts_at, activity.ends_at = starts_at, starts_at + length
    activity.status = Activity.Status.MOVED
    activity.status_note = note[:300]
    activity.reminded_at = None
    activity.full_clean()
    activity.save()
    when = timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M")
    _notify_change(activity=activity, text=_("“%(title)s” moved to %(when)s.") % {"title": activity.title, "when": when})
    return activity


@transaction.atomic
def activity_cancel(*, activity, user, note="") -> Activity:
    """Cancel one occurrence. Sign-ins are kept (they are a record) but earn no hours; members are told."""
    _require_leader(user=user, group=activity.group)
    if activity.is_cancelled:
        return activity
    activity.status = Activity.Status.CANCELLED
    activity.status_note = note[:300]
    activity.save(update_fields=["status", "status_note"])
    _notify_change(activity=activity, text=_("“%(title)s” on %(day)s is cancelled.") % {
        "title": activity.title, "day": timezone.localtime(activity.starts_at).strftime("%Y-%m-%d")})
    return activity


def activity_update(*, activity, user, agenda=None, minutes=None, location=None, is_published=None,
                    resources=None, presenters=None, units=None) -> Activity:
    """The leader edits an occurrence: agenda, minutes (sanitised), place, what goes on the public page."""
    _require_leader(user=user, group=activity.group)
    if agenda is not None:
        activity.agenda = agenda[:10_000]
    if minutes is not None:
        activity.minutes = sanitize.clean_html(minutes[: settings.KEXIANG_POST_MAX_CHARS])
    if location is not None:
        activity.location = location[:200]
    if is_published is not None:
        activity.is_published = is_published
    if units is not None:
        activity.units = max(1, int(units))
    activity.full_clean()
    activity.save()
    if resources is not None:
        activity.resources.set(resources)
    if presenters is not None:
        activity.presenters.set(presenters)
    return activity


def _sign_in_opened_check(*, activity, now):
    """What both ways of signing in need: an activity that was not cancelled and whose sign-in has opened."""
    if activity.is_cancelled:
        raise ScheduleError(_("This activity was cancelled, so there is nothing to sign in to."))
    if now < activity.starts_at - SIGN_IN_OPENS_BEFORE:
        raise ScheduleError(_("Sign-in opens an hour before the activity starts."))


def activity_sign_in_is_open(*, activity, now=None) -> bool:
    """Whether a member can check in now (the page shows the button then); activity_sign_in says why not."""
    now = now or timezone.now()
    return (not activity.is_cancelled
            and activity.starts_at - SIGN_IN_OPENS_BEFORE <= now <= activity.ends_at + SIGN_IN_CLOSES_AFTER)


def activity_sign_in(*, activity, user, now=None) -> SignIn:
    """签到: a member, from an hour before the start until two days after the end (late paper sign-ins)."""
    _require_member(user=user, group=activity.group)
    now = now or timezone.now()
    _sign_in_opened_check(activity=activity, now=now)
    if now > activity.ends_at + SIGN_IN_CLOSES_AFTER:
        raise ScheduleError(_("Sign-in for this activity has closed. Ask the group leader to add you."))
    sign_in, _created = SignIn.objects.get_or_create(activity=activity, user=user)
    return sign_in


def activity_sign_in_record(*, activity, user, member) -> SignIn:
    """The leader records a member who was there but did not sign in on a phone (paper list, no signal).
    Any time after the start; never for a cancelled activity."""
    _require_leader(user=user, group=activity.group)
    now = timezone.now()
    _sign_in_opened_check(activity=activity, now=now)
    if now > activity.ends_at + SIGN_IN_RECORD_UNTIL:
        raise ScheduleError(_("Sign-ins can be recorded up to 30 days after an activity."))
    if not GroupMembership.objects.filter(group=activity.group, user=member).exists():
        raise ScheduleError(_("Only members of the group can be signed in."))
    sign_in, _created = SignIn.objects.get_or_create(activity=activity, user=member)
    return sign_in


def activity_reminders_send(*, now=None) -> int:
    """Remind members of activities starting within KEXIANG_ACTIVITY_REMINDER_HOURS; once per occurrence
    (a moved occurrence is reminded again). Returns how many notifications were made."""
    now = now or timezone.now()
    due = Activity.objects.filter(
        reminded_at__isnull=True, starts_at__gt=now,
        starts_at__lte=now + datetime.timedelta(hours=settings.KEXIANG_ACTIVITY_REMINDER_HOURS),
    ).exclude(status=Activity.Status.CANCELLED).select_related("group")
    made = 0
    for activity in due:
        with transaction.atomic():
            claimed = Activity.objects.filter(pk=activity.pk, reminded_at__isnull=True).update(reminded_at=now)
            if not claimed:
                continue
            when = timezone.localtime(activity.starts_at).strftime("%m-%d %H:%M")
            text = _("Reminder: “%(title)s” at %(when)s, %(place)s.") % {
                "title": activity.title, "when": when, "place": activity.location or activity.group.name}
            members = GroupMembership.objects.filter(group=activity.group).values_list("user_id", flat=True)
            made += len(Notification.objects.bulk_create(
                Notification(user_id=user_id, kind=Notification.Kind.REMINDER, text=text[:300],
                             url=reverse("research:activity", args=[activity.pk]), group=activity.group)
                for user_id in members
            ))
    return made


# -- threads and posts -------------------------------------------------------------------------

def activity_thread(*, activity) -> Thread:
    """Each occurrence has one thread, made the first time someone opens it."""
    thread, _created = Thread.objects.get_or_create(
        activity=activity, defaults={"group": activity.group, "title": activity.title}
    )
    return thread


def _members_by_name(group) -> dict:
    """Lower-cased username and full name → user, for the group's members (who can be @mentioned)."""
    names = {}
    for user in User.objects.filter(group_memberships__group=group):
        names.setdefault(user.username.lower(), user)
        if user.full_name:
            names.setdefault(user.full_name.lower(), user)
    return names


_SAFE_NAME_RE = re.compile(r"[^\w.\-\u3400-\u9fff]+")


def _attachment_check(upload):
    if upload.size > settings.KEXIANG_POST_ATTACHMENT_MAX_BYTES:
        raise PostRejectedError(
            _("“%(name)s” is larger than %(mb)d MB. Share big files through the library and link them here.")
            % {"name": upload.name[:80], "mb": settings.KEXIANG_POST_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    if upload.size == 0:
        raise PostRejectedError(_("“%(name)s” is empty. Choose the file again.") % {"name": upload.name[:80]})


@transaction.atomic
def post_create(*, thread, author, body, quote=None, files=(), client_key="") -> tuple[Post, list[str]]:
    """Save a post. Returns it and the @names that match no member (nobody is notified for those).

    The text is sanitised (research.sanitize); an empty or oversized post is refused with a sentence
    and nothing is saved. The same `client_key` from the same author (a phone that sent twice) saves once.
    """
    _require_member(user=author, group=thread.group)
    body = body or ""
    if len(body) > settings.KEXIANG_POST_MAX_CHARS:
        raise PostRejectedError(
            _("This post is %(n)d characters long; the most is %(max)d. Split it into two posts, or attach it as a file.")
            % {"n": len(body), "max": settings.KEXIANG_POST_MAX_CHARS}
        )
    clean = sanitize.clean_html(body)
    text = sanitize.html_to_text(clean)
    if not text.strip() and not files:
        raise PostRejectedError(_("The post is empty. Write something or attach a file."))
    for upload in files:
        _attachment_check(upload)
    if files and author.school_id:
        from media_pipeline.quotas import school_storage

        if not school_storage(author.school).fits(sum(upload.size for upload in files)):
            raise PostRejectedError(
                _("Your school's storage is full, so these files cannot be kept. Ask your school admin to remove "
                  "resources nobody uses; the text of your post can be sent without them."))
    if quote is not None and quote.thread_id != thread.pk:
        quote = None
    client_key = (client_key or "")[:64]
    if client_key:
        earlier = Post.objects.filter(thread=thread, author=author, client_key=client_key).first()
        if earlier is not None:
            return earlier, []
    members = _members_by_name(thread.group)
    found, unknown = sanitize.mentions_find(text, known=members)
    post = Post(thread=thread, author=author, body_html=sanitize.mentions_mark(clean, known=members),
                body_text=text, quote=quote, client_key=client_key)
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError:  # the same client_key raced in from a second request
        return Post.objects.get(thread=thread, author=author, client_key=client_key), []
    for upload in files:
        base, ext = os.path.splitext(os.path.basename(upload.name))
        safe = (_SAFE_NAME_RE.sub("_", base)[:80] or "file") + _SAFE_NAME_RE.sub("", ext)[:10]
        attachment = PostAttachment(post=post, original_filename=safe, size=upload.size)
        attachment.file.save(f"{uuid.uuid4().hex}{ext[:10].lower() if ext.isascii() else ''}", upload, save=False)
        attachment.save()
    Thread.objects.filter(pk=thread.pk).update(last_post_at=post.created_at)
    thread_mark_read(thread=thread, user=author, at=post.created_at)
    url = reverse("research:thread", args=[thread.pk]) + f"#post-{post.pk}"
    who = author.full_name or author.username
    notified = set()
    for name in found:
        user = members[name]
        if user.pk == author.pk or user.pk in notified:
            continue
        notified.add(user.pk)
        Notification.objects.create(user=user, kind=Notification.Kind.MENTION, url=url, group=thread.group,
                                    text=(_("%(who)s mentioned you in “%(thread)s”: %(text)s")
                                          % {"who": who, "thread": thread.title, "text": text[:80]})[:300])
    if (quote is not None and quote.author_id and quote.author_id != author.pk and quote.author_id not in notified
            and GroupMembership.objects.filter(group=thread.group, user_id=quote.author_id).exists()):
        Notification.objects.create(user_id=quote.author_id, kind=Notification.Kind.REPLY, url=url, group=thread.group,
                                    text=(_("%(who)s replied to you in “%(thread)s”: %(text)s")
                                          % {"who": who, "thread": thread.title, "text": text[:80]})[:300])
    return post, unknown


@transaction.atomic
def thread_create(*, group, author, title, body, files=()) -> Thread:
    _require_member(user=author, group=group)
    title = (title or "").strip()
    if not title:
        raise PostRejectedError(_("Give the thread a title."))
    thread = Thread.objects.create(group=group, title=title[:200], created_by=author)
    post_create(thread=thread, author=author, body=body, files=files)
    return thread


def thread_mark_read(*, thread, user, at=None):
    at = at or thread.last_post_at or timezone.now()
    ThreadRead.objects.update_or_create(thread=thread, user=user, defaults={"last_read_at": at})


def notifications_mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
