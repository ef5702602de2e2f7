"""A live demonstration lesson (直播课): broadcast by RTMP to nginx, watched on phones, kept as a replay."""
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LiveLesson(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Not started")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")
        FAILED = "failed", _("Failed")

    class Problem(models.TextChoices):
        NO_AUDIO = "no_audio", _("The broadcast has no sound. Check the microphone permission of the streaming app.")
        UNSUPPORTED = "unsupported", _(
            "The broadcast cannot be shown: the streaming app sends a format we cannot read. "
            "Set it to H.264 video and AAC sound.")
        FAILED = "failed", _("Turning the broadcast into video for phones stopped. Stop and start the broadcast again.")
        NO_RECORDING = "no_recording", _("Nothing of the broadcast was recorded, so there is no replay.")
        REPLAY_FAILED = "replay_failed", _("The replay could not be made.")

    class Audience(models.TextChoices):
        GROUP = "group", _("The group's members")
        PAIRING = "pairing", _("The pairing's schools")
        PUBLIC = "public", _("Everyone (公开课)")

    group = models.ForeignKey("research.ResearchGroup", verbose_name=_("group"), on_delete=models.CASCADE,
                              related_name="live_lessons")
    activity = models.ForeignKey("research.Activity", verbose_name=_("activity"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="live_lessons")
    title = models.CharField(_("title"), max_length=200)
    presenter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("presenter"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="live_lessons_presented")
    scheduled_at = models.DateTimeField(_("scheduled start"))
    audience = models.CharField(_("who may watch"), max_length=10, choices=Audience.choices, default=Audience.GROUP)
    # The stream key is shown once; only its SHA-256 is kept (live/services.py).
    stream_key_hash = models.CharField(max_length=64, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SCHEDULED)
    publisher = models.CharField(_("publishing connection"), max_length=100, blank=True, editable=False,
                                 help_text=_("nginx's client id of the one connection publishing now"))
    publisher_since = models.DateTimeField(_("publishing since"), null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # The publisher went away: the lesson is still live (a phone that comes back within
    # KEXIANG_LIVE_GRACE_SECONDS continues it) until live_end decides it has ended.
    dropped_at = models.DateTimeField(_("publisher dropped"), null=True, blank=True)
    # What the muxing session (live/muxer.py) found in the stream, and what went wrong (a Problem).
    source = models.JSONField(_("incoming stream"), default=dict, blank=True)
    problem = models.CharField(_("problem"), max_length=20, blank=True, choices=Problem.choices)
    problem_detail = models.TextField(_("problem detail for operators"), blank=True)
    replay = models.ForeignKey("media_pipeline.MediaAsset", verbose_name=_("replay"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="live_lessons")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_at"]
        verbose_name = _("live lesson")
        verbose_name_plural = _("live lessons")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("live:watch", args=[self.pk])


class LiveViewer(models.Model):
    """Someone watching a live lesson: when they were last seen and how long they watched (attendance)."""

    live = models.ForeignKey(LiveLesson, on_delete=models.CASCADE, related_name="viewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="live_viewings")
    viewer_key = models.CharField(max_length=64, help_text="u<user id>, or a hash of an anonymous session")
    seconds = models.FloatField(_("seconds watched"), default=0)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["live", "viewer_key"], name="one_viewer_row_per_key")]
        verbose_name = _("live viewer")
        verbose_name_plural = _("live viewers")
