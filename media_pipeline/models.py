"""A media asset: one uploaded recording and the HLS ladder made from it."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .playlists import MASTER_PLAYLIST


class MediaAsset(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be processed")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE,
                              related_name="media_assets")
    title = models.CharField(_("title"), max_length=300, blank=True)
    upload_id = models.CharField(_("upload"), max_length=64, unique=True, null=True, blank=True)
    source_path = models.CharField(_("original file"), max_length=1000, help_text=_("Never served to viewers"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED, db_index=True)
    progress = models.FloatField(_("progress"), default=0.0)
    error_message = models.TextField(_("error shown to the uploader"), blank=True)
    error_detail = models.TextField(_("error detail for operators"), blank=True)
    size_bytes = models.BigIntegerField(_("size of the original (bytes)"), null=True, blank=True,
                                        help_text="Counts against the owner's school's storage quota")
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    has_video = models.BooleanField(default=False)
    has_audio = models.BooleanField(default=False)
    variants = models.JSONField(_("renditions"), default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    join_queued = models.BooleanField(default=False, help_text="The chunks of a long recording are being joined")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("media asset")
        verbose_name_plural = _("media assets")

    def __str__(self):
        return self.title or str(self.uid)

    @property
    def output_name(self):
        """Folder of the published ladder, relative to MEDIA_ROOT."""
        return f"hls/{self.uid}"

    @property
    def playable(self):
        """True once the lowest rungs are published, before the higher ones are done."""
        return bool(self.variants) and self.state in (self.State.PROCESSING, self.State.READY)

    @property
    def master_url(self):
        return f"{settings.MEDIA_URL}{self.output_name}/{MASTER_PLAYLIST}" if self.playable else None

    @property
    def poster_url(self):
        return f"{settings.MEDIA_URL}{self.output_name}/poster-640.jpg" if self.playable else None

    @property
    def poster_small_url(self):
        """320 px wide: for cards in a list, where 640 would cost a phone twice the data."""
        return f"{settings.MEDIA_URL}{self.output_name}/poster-320.jpg" if self.playable else None

    @property
    def storyboard_url(self):
        """WebVTT of thumbnails (#xywh into storyboard.jpg) for previews while scrubbing; videos only."""
        return f"{settings.MEDIA_URL}{self.output_name}/storyboard.vtt" if self.playable and self.has_video else None

    @property
    def slides_url(self):
        """WebVTT of stills at each change of picture, shown with the sound-only rendition; videos only.
        Ladders made before slides existed have none: the player then keeps the poster."""
        return f"{settings.MEDIA_URL}{self.output_name}/slides.vtt" if self.playable and self.has_video else None
