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
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
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
