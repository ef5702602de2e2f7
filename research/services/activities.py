"""Writes of activities: schedules and occurrences, moves and cancellations (members are told), the
leader's edits, sign-ins (签到), and reminders."""
import datetime
import uuid

from dateutil import rrule
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import sanitize
from ..exceptions import ScheduleError
from ..models import Activity, ActivitySeries, GroupMembership, Notification, SignIn
from ..permissions import is_member, require_leader, require_member
from ..selectors.activities import SIGN_IN_CLOSES_AFTER, SIGN_IN_OPENS_BEFORE

MAX_OCCURRENCES = 60
SIGN_IN_RECORD_UNTIL = datetime.timedelta(days=30)  # the leader's paper list, entered later
DEFAULT_KIND = Activity._meta.get_field("kind").default


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
                  kind=DEFAULT_KIND, location="", agenda="", skip_dates=()) -> ActivitySeries:
    """Schedule a recurring series; each date becomes an Activity. `skip_dates` are left out (holidays)."""
    require_leader(user=user, group=group)
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
    first = series.activities.order_by("starts_at").first()
    who = user.full_name or user.username
    members = GroupMembership.objects.filter(group=group).exclude(user=user).values_list("user_id", flat=True)
    Notification.objects.bulk_create(
        Notification(user_id=user_id, kind=Notification.Kind.SCHEDULED, group=group,
                     url=reverse("research:activity", args=[first.pk]),
                     text=(_("%(who)s scheduled “%(title)s”: %(count)d dates from %(first)s") % {
                         "who": who, "title": title, "count": len(dates),
                         "first": timezone.localtime(first.starts_at).strftime("%Y-%m-%d %H:%M")})[:300])
        for user_id in sorted(members)
    )
    return series


@transaction.atomic
def activity_create(*, group, user, title, starts_at, ends_at, kind=DEFAULT_KIND,
                    location="", agenda="", presenters=(), units=1) -> Activity:
    require_leader(user=user, group=group)
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
    require_leader(user=user, group=activity.group)
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
    require_leader(user=user, group=activity.group)
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
    """The leader edits an occurrence: agenda, minutes (sanitised), place, what goes on the public page.
    None leaves a field as it is."""
    require_leader(user=user, group=activity.group)
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


# -- sign-ins ----------------------------------------------------------------------------------

def _sign_in_opened_check(*, activity, now):
    """What both ways of signing in need: an activity that was not cancelled and whose sign-in has opened."""
    if activity.is_cancelled:
        raise ScheduleError(_("This activity was cancelled, so there is nothing to sign in to."))
    if now < activity.starts_at - SIGN_IN_OPENS_BEFORE:
        raise ScheduleError(_("Sign-in opens an hour before the activity starts."))


def activity_sign_in(*, activity, user, now=None) -> SignIn:
    """签到: a member, from an hour before the start until two days after the end (late paper sign-ins);
    research.selectors.activities.activity_sign_in_is_open is the same window."""
    require_member(user=user, group=activity.group)
    now = now or timezone.now()
    _sign_in_opened_check(activity=activity, now=now)
    if now > activity.ends_at + SIGN_IN_CLOSES_AFTER:
        raise ScheduleError(_("Sign-in for this activity has closed. Ask the group leader to add you."))
    sign_in, _created = SignIn.objects.get_or_create(activity=activity, user=user)
    return sign_in


def activity_sign_in_record(*, activity, user, member) -> SignIn:
    """The leader records a member who was there but did not sign in on a phone (paper list, no signal).
    Any time after the start; never for a cancelled activity."""
    require_leader(user=user, group=activity.group)
    now = timezone.now()
    _sign_in_opened_check(activity=activity, now=now)
    if now > activity.ends_at + SIGN_IN_RECORD_UNTIL:
        raise ScheduleError(_("Sign-ins can be recorded up to 30 days after an activity."))
    if not is_member(user=member, group=activity.group):
        raise ScheduleError(_("Only members of the group can be signed in."))
    sign_in, _created = SignIn.objects.get_or_create(activity=activity, user=member)
    return sign_in


# -- reminders ---------------------------------------------------------------------------------

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
