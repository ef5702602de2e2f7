"""Writes of the outbox: preferences, the deliveries each new notification needs, sending one, the daily digest."""
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from research.models import Notification

from .models import Delivery, DeliveryPreference, Mode
from .senders import PERMANENT, SENDERS, TRANSIENT

logger = logging.getLogger(__name__)
CHANNEL = "email"
# Without a choice of their own: what cannot wait comes at once, the rest once a day.
DEFAULTS = {
    Notification.Kind.MENTION: Mode.INSTANT,
    Notification.Kind.REPLY: Mode.DIGEST,
    Notification.Kind.REMINDER: Mode.INSTANT,
    Notification.Kind.CHANGE: Mode.INSTANT,
    Notification.Kind.SCHEDULED: Mode.DIGEST,
    Notification.Kind.RESOURCE: Mode.INSTANT,
    Notification.Kind.LIVE: Mode.INSTANT,
}
LOOK_BACK = timedelta(days=2)  # notifications older than this when first seen are not mailed any more


def preferences_of(*, user) -> dict:
    chosen = dict(DeliveryPreference.objects.filter(user=user).values_list("kind", "mode"))
    return {kind: chosen.get(kind, DEFAULTS.get(kind, Mode.DIGEST)) for kind in Notification.Kind.values}


@transaction.atomic
def preferences_save(*, user, email, modes: dict) -> None:
    user.email = email
    user.full_clean(validate_unique=False, exclude=["password"])
    user.save(update_fields=["email"])
    for kind, mode in modes.items():
        DeliveryPreference.objects.update_or_create(user=user, kind=kind, defaults={"mode": mode})


def deliveries_plan(*, now=None) -> list:
    """A delivery for every recent notification that has none yet, by its person's choice; the ids of those to
    send at once. Safe to run twice, and from several workers (one delivery per notification and channel)."""
    now = now or timezone.now()
    new = list(Notification.objects.filter(created_at__gte=now - LOOK_BACK)
               .exclude(deliveries__channel=CHANNEL).select_related("user")[:5000])
    if not new:
        return []
    sender = SENDERS[CHANNEL]
    chosen = {}
    for user_id, kind, mode in DeliveryPreference.objects.filter(user_id__in={n.user_id for n in new}).values_list(
            "user_id", "kind", "mode"):
        chosen[(user_id, kind)] = mode
    rows = []
    for notification in new:
        mode = chosen.get((notification.user_id, notification.kind), DEFAULTS.get(notification.kind, Mode.DIGEST))
        state = Delivery.State.PENDING
        if mode == Mode.OFF or not sender.address_of(notification.user) or not notification.user.is_active:
            state = Delivery.State.SKIPPED
        rows.append(Delivery(notification=notification, user_id=notification.user_id, channel=CHANNEL, mode=mode,
                             state=state))
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Delivery.objects.filter(notification__in=new, channel=CHANNEL, state=Delivery.State.PENDING,
                                        mode=Mode.INSTANT).values_list("pk", flat=True))


def _absolute(url):
    return url if url.startswith(("http://", "https://")) else settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


def _footer():
    return _("You receive this because of your choices on Kexiang. Change them: %(url)s") % {
        "url": _absolute("/notifications/email/")}


def _record(deliveries, *, error=None, sent=False, permanent=False):
    now = timezone.now()
    fields = {"last_attempt_at": now}
    if sent:
        fields.update(state=Delivery.State.SENT, sent_at=now, last_error="")
    else:
        fields.update(last_error=str(error)[:500])
        if permanent:
            fields["state"] = Delivery.State.FAILED
    for delivery in deliveries:
        delivery.attempts += 1
        for name, value in fields.items():
            setattr(delivery, name, value)
    Delivery.objects.bulk_update(deliveries, ["attempts", *fields])


def _send(user, deliveries, subject, body):
    """Send one message for `deliveries`; raises a TRANSIENT error after recording it (the caller retries)."""
    sender = SENDERS[CHANNEL]
    address = sender.address_of(user)
    if not address:
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(state=Delivery.State.SKIPPED)
        return False
    try:
        sender.send(to=address, subject=subject, body=body)
    except PERMANENT as error:
        logger.warning("mail to %s refused for good: %s", user.pk, error)
        _record(deliveries, error=error, permanent=True)
        return False
    except TRANSIENT as error:
        logger.info("mail to %s not sent yet (%s): kept for later", user.pk, error)
        _record(deliveries, error=error)
        raise
    _record(deliveries, sent=True)
    return True


def delivery_send(*, delivery_id) -> bool:
    """Send one delivery at once (a TRANSIENT error is recorded and raised: the task retries, the sweeper too)."""
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update().select_related("notification", "user")
                    .filter(pk=delivery_id, state=Delivery.State.PENDING, mode=Mode.INSTANT).first())
        if delivery is None:
            return False  # (sent already, or turned into a digest entry)
    notification = delivery.notification
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Kexiang] %(kind)s: %(text)s") % {"kind": notification.get_kind_display(),
                                                       "text": notification.text[:60]}
        body = f"{notification.text}\n\n{_absolute(notification.url)}\n\n-- \n{_footer()}\n"
    return _send(delivery.user, [delivery], subject, body)


def digests_send(*, now=None) -> int:
    """One mail per person with the waiting digest entries (oldest first); how many mails went."""
    sent = 0
    user_ids = (Delivery.objects.filter(state=Delivery.State.PENDING, mode=Mode.DIGEST, channel=CHANNEL)
                .values_list("user_id", flat=True).distinct())
    for user in User.objects.filter(pk__in=list(user_ids)):
        deliveries = list(Delivery.objects.filter(user=user, state=Delivery.State.PENDING, mode=Mode.DIGEST,
                                                  channel=CHANNEL).select_related("notification")
                          .order_by("notification__created_at"))
        if not deliveries:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("[Kexiang] Your day: %(n)s notifications") % {"n": len(deliveries)}
            lines = [f"· {d.notification.get_kind_display()}: {d.notification.text}\n  {_absolute(d.notification.url)}"
                     for d in deliveries]
            body = "\n\n".join(lines) + f"\n\n-- \n{_footer()}\n"
        try:
            if _send(user, deliveries, subject, body):
                sent += 1
        except TRANSIENT:
            continue  # (kept: the next digest run takes them)
    return sent


def deliveries_due(*, now=None, after=timedelta(minutes=10)) -> list:
    """Instant deliveries still waiting after `after` since their last try (or never tried): to queue again."""
    now = now or timezone.now()
    waiting = Delivery.objects.filter(state=Delivery.State.PENDING, mode=Mode.INSTANT, channel=CHANNEL)
    return list(waiting.filter(last_attempt_at__isnull=True, created_at__lte=now - timedelta(minutes=1))
                .values_list("pk", flat=True)) + list(
        waiting.filter(last_attempt_at__lte=now - after).values_list("pk", flat=True))
