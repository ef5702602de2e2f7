"""An import from the browser is a job: the file is checked (its preview) and later applied by a Celery worker, the
page following its progress; a school's small list is done within the request by the same code."""
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.media_storage import private_media_storage

STALLED_AFTER = timedelta(minutes=10)  # a started job not heard from for this long has stopped (its worker died)
PREVIEW_KEPT = timedelta(days=2)  # a preview not applied by then is given up, and its stored list deleted


class ImportJob(models.Model):
    class State(models.TextChoices):
        CHECKING = "checking", _("Checking the rows")
        CHECKED = "checked", _("Ready to apply")
        INVALID = "invalid", _("Bad rows: nothing changed")
        APPLYING = "applying", _("Applying")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed: nothing changed")
        EXPIRED = "expired", _("Not applied in time: upload again")

    RUNNING = (State.CHECKING, State.APPLYING)

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("accounts.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               help_text="A school admin's import: that school's rows only. Empty: the district's.")
    file = models.FileField(storage=private_media_storage, upload_to="roster/%Y/%m/", blank=True,
                            help_text="The uploaded list, kept until it is applied or given up")
    file_name = models.CharField(max_length=255)
    create_schools = models.BooleanField(default=False)
    language = models.CharField(max_length=16, default="zh-hans", help_text="The uploader's, for the messages")
    state = models.CharField(max_length=16, choices=State.choices, default=State.CHECKING)
    rows_total = models.PositiveIntegerField(null=True, blank=True, help_text="About how many rows the file holds")
    rows_done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When a worker began the stage; empty: queued")
    writing = models.BooleanField(default=False, help_text="The rows are checked and the changes are being written")
    result = models.JSONField(default=dict, blank=True, help_text="The preview or the summary, and the bad rows")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("people import")
        verbose_name_plural = _("people imports")

    def __str__(self):
        return self.file_name

    @property
    def running(self) -> bool:
        return self.state in self.RUNNING and not self.stalled

    @property
    def queued(self) -> bool:
        return self.state in self.RUNNING and self.started_at is None

    @property
    def stalled(self) -> bool:
        """Started and not heard from: its worker died. (A queued job waits behind other work, a transcode say.)"""
        return (self.state in self.RUNNING and self.started_at is not None
                and timezone.now() - self.updated_at > STALLED_AFTER)
