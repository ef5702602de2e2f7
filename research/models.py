"""Teaching-research (教研) groups and their members. Activities and threads build on these."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.media_storage import PrivateFileSystemStorage, private_media_storage


class ResearchGroup(models.Model):
    """教研组: a subject group in one school, or across a school pairing."""

    name = models.CharField(_("name"), max_length=200)
    subject = models.ForeignKey(
        "resources.Subject", verbose_name=_("subject"), null=True, blank=True, on_delete=models.SET_NULL
    )
    school = models.ForeignKey(
        "accounts.School", verbose_name=_("school"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="research_groups",
    )
    pairing = models.ForeignKey(
        "accounts.SchoolPairing", verbose_name=_("pairing"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="research_groups",
    )
    is_private = models.BooleanField(
        _("private"), default=True, help_text=_("Private groups are seen by their members only")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="GroupMembership", related_name="research_groups", verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("research group")
        verbose_name_plural = _("research groups")

    def __str__(self):
        return self.name


class GroupMembership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        MEMBER = "member", _("Member")
        GUEST_EXPERT = "guest_expert", _("Guest expert")

    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} @ {self.group}"


# ---------------------------------------------------------------------------------------------
# Activities (教研活动): a recurring series makes one Activity row per occurrence, so each
# occurrence can carry its own agenda, sign-ins, minutes, links and thread, and can be moved or
# cancelled on its own.
# ---------------------------------------------------------------------------------------------

class ActivityKind(models.TextChoices):
    """What an activity is. The workload-hours rule for each kind is in settings.KEXIANG_WORKLOAD_RULES."""

    COLLECTIVE_PREP = "collective_prep", _("Collective lesson preparation (集体备课)")
    SUBJECT_GROUP = "subject_group", _("Subject-group research (学科组教研)")
    CROSS_SUBJECT = "cross_subject", _("Cross-subject research (跨学科教研)")
    SCHOOL_WIDE = "school_wide", _("School-wide research (全校教研)")
    JOINT_RESEARCH = "joint_research", _("Joint research (联合教研)")
    DEMONSTRATION = "demonstration", _("Demonstration lesson (示范课)")
    LESSON_TALK = "lesson_talk", _("Lesson talk and review (说课评课)")
    REPORT = "report", _("Talk (专题报告)")
    LECTURE = "lecture", _("Lecture (专题讲座)")


class ActivitySeries(models.Model):
    """A recurring schedule: weekly, every two weeks or monthly, from `starts_on` to `until`."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        BIWEEKLY = "biweekly", _("Every two weeks")
        MONTHLY = "monthly", _("Every month")

    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE, related_name="series", verbose_name=_("group"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=ActivityKind.choices, default=ActivityKind.SUBJECT_GROUP)
    frequency = models.CharField(_("repeats"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    starts_on = models.DateField(_("first date"))
    until = models.DateField(_("last date"))
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    location = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True, help_text=_("Copied to each occurrence, which can change it"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("activity series")
        verbose_name_plural = _("activity series")
        constraints = [
            models.CheckConstraint(condition=models.Q(until__gte=models.F("starts_on")), name="series_until_after_start"),
        ]

    def __str__(self):
        return self.title


class Activity(models.Model):
    """One 教研 occurrence. `original_starts_at` remembers the series slot when it was moved."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        MOVED = "moved", _("Moved")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE, related_name="activities", verbose_name=_("group"))
    series = models.ForeignKey(
        ActivitySeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities", verbose_name=_("series")
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=ActivityKind.choices, default=ActivityKind.SUBJECT_GROUP)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    original_starts_at = models.DateTimeField(_("originally"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    status_note = models.CharField(_("reason"), max_length=300, blank=True)
    location = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True, help_text=_("Sanitised HTML"))
    presenters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="presented_activities", verbose_name=_("presenters"),
        help_text=_("Who gives the lesson, talk or lecture (their hours follow the rule of the kind)"),
    )
    units = models.PositiveSmallIntegerField(
        _("half-days or days"), default=1, help_text=_("For talks, lectures and joint research counted per half-day or day")
    )
    resources = models.ManyToManyField("resources.Resource", blank=True, related_name="activities", verbose_name=_("resources"))
    is_published = models.BooleanField(
        _("on the public page"), default=False,
        help_text=_("Show it to everyone, on the group's public page, /research/public/, the home page and the public "
                    "calendar: title, time, agenda, presenters, minutes and the library resources anyone may see; "
                    "the place too for open events (示范课, 专题报告, 专题讲座)")
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start")]

    def __str__(self):
        return self.title

    @property
    def is_cancelled(self):
        return self.status == self.Status.CANCELLED


class SignIn(models.Model):
    """签到. Kept when the activity is moved or cancelled; hours count only activities that were held."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sign_ins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_ins")
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["signed_at"]
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="one_sign_in_per_activity")]
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")


# ---------------------------------------------------------------------------------------------
# Threads, posts, mentions, notifications
# ---------------------------------------------------------------------------------------------

class Thread(models.Model):
    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE, related_name="threads")
    activity = models.OneToOneField(Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="thread")
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_post_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-last_post_at", "-created_at"]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")

    def __str__(self):
        return self.title


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="research_posts")
    body_html = models.TextField(help_text="Sanitised on the way in (research.sanitize)")
    body_text = models.TextField(blank=True, help_text="Plain text for search and notifications")
    quote = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="quoted_by")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    client_key = models.CharField(max_length=64, blank=True, help_text="Sent twice by a flaky phone: saved once")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "author", "client_key"], condition=~models.Q(client_key=""), name="post_once_per_client_key"
            )
        ]
        verbose_name = _("post")
        verbose_name_plural = _("posts")


PrivateStorage = PrivateFileSystemStorage  # the name migration 0003 gives the storage


class PostAttachment(models.Model):
    """A file on a post. Kept outside MEDIA_ROOT and served only to the group's members."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_media_storage, upload_to="research/%Y/%m/")
    original_filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)


class ThreadRead(models.Model):
    """The newest post a member has seen in a thread (read/unread)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_read_mark_per_thread")]


class Notification(models.Model):
    class Kind(models.TextChoices):
        MENTION = "mention", _("Mention")
        REPLY = "reply", _("Reply")
        REMINDER = "reminder", _("Reminder")
        CHANGE = "change", _("Activity changed")
        SCHEDULED = "scheduled", _("New activities")
        RESOURCE = "resource", _("Resource review")
        LIVE = "live", _("Live lesson starting")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    group = models.ForeignKey(ResearchGroup, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]


# ---------------------------------------------------------------------------------------------
# Observation scales, time-coded lesson review (评课), observation records (听课记录)
# ---------------------------------------------------------------------------------------------

class ObservationScale(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("observation scale")
        verbose_name_plural = _("observation scales")

    def __str__(self):
        return self.name


class ScalePoint(models.Model):
    """One observation point of a scale, scored 0..max_score (LICC: dimension > perspective)."""

    scale = models.ForeignKey(ObservationScale, on_delete=models.CASCADE, related_name="points")
    dimension = models.CharField(_("dimension"), max_length=100)
    label = models.CharField(_("observation point"), max_length=200)
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=5)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scale_id", "position", "id"]
        verbose_name = _("observation point")
        verbose_name_plural = _("observation points")

    def __str__(self):
        return f"{self.dimension} · {self.label}"


class LessonReview(models.Model):
    """评课 of one recorded lesson: time-coded comments on the video, and each observer's scores."""

    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE, related_name="reviews")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews")
    title = models.CharField(_("title"), max_length=200)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviewed_lessons",
        verbose_name=_("teacher"),
    )
    asset = models.ForeignKey("media_pipeline.MediaAsset", on_delete=models.PROTECT, related_name="+", verbose_name=_("video"))
    resource = models.ForeignKey(
        "resources.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("resource")
    )
    scale = models.ForeignKey(ObservationScale, on_delete=models.PROTECT, related_name="+", verbose_name=_("scale"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lesson review")
        verbose_name_plural = _("lesson reviews")

    def __str__(self):
        return self.title


class ReviewComment(models.Model):
    review = models.ForeignKey(LessonReview, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at_seconds = models.FloatField(_("moment (s)"))
    body = models.TextField(_("comment"), max_length=2000)
    point = models.ForeignKey(ScalePoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at_seconds", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(at_seconds__gte=0), name="comment_at_not_negative")]


class ObservationRecord(models.Model):
    """听课记录: one observer's scores of one lesson against a scale. With `review`, it is that
    observer's scoring of a recorded lesson and stays hidden from the other observers until they
    have submitted theirs."""

    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="observations_made")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="observations_received",
        verbose_name=_("teacher observed"),
    )
    teacher_name = models.CharField(_("teacher observed"), max_length=100, blank=True, help_text=_("When not on Kexiang"))
    group = models.ForeignKey(ResearchGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="observations")
    review = models.ForeignKey(LessonReview, null=True, blank=True, on_delete=models.CASCADE, related_name="records")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="observations")
    scale = models.ForeignKey(ObservationScale, on_delete=models.PROTECT, related_name="+")
    lesson_title = models.CharField(_("lesson"), max_length=200)
    subject = models.ForeignKey("resources.Subject", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    observed_on = models.DateField(_("date"))
    notes = models.TextField(_("notes"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="None while a draft")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-observed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "observer"], condition=models.Q(review__isnull=False), name="one_record_per_review_observer")
        ]
        verbose_name = _("observation record")
        verbose_name_plural = _("observation records")


class ObservationScore(models.Model):
    record = models.ForeignKey(ObservationRecord, on_delete=models.CASCADE, related_name="scores")
    point = models.ForeignKey(ScalePoint, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "point"], name="one_score_per_point")]


# ---------------------------------------------------------------------------------------------
# Polishing rounds (磨课) and parallel lessons (同课异构)
# ---------------------------------------------------------------------------------------------

class PolishingRecord(models.Model):
    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE, related_name="polishings")
    title = models.CharField(_("title"), max_length=200)
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("teacher"))
    chapter = models.ForeignKey("resources.ChapterNode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("polishing record")
        verbose_name_plural = _("polishing records")

    def __str__(self):
        return self.title


class PolishingRound(models.Model):
    """试讲 N of a polishing record: the lesson-plan version taught, its video and its review."""

    record = models.ForeignKey(PolishingRecord, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    taught_on = models.DateField(_("taught on"), null=True, blank=True)
    lesson_plan = models.TextField(_("lesson plan"), blank=True)
    asset = models.ForeignKey("media_pipeline.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    review = models.ForeignKey(LessonReview, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.TextField(_("what changed"), blank=True)

    class Meta:
        ordering = ["record_id", "number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="one_round_number_per_record")]


class OpenPoint(models.Model):
    """A point to improve, raised in one round and carried to the next until a round resolves it."""

    record = models.ForeignKey(PolishingRecord, on_delete=models.CASCADE, related_name="open_points")
    text = models.CharField(_("point"), max_length=500)
    raised_in = models.ForeignKey(PolishingRound, on_delete=models.CASCADE, related_name="raised_points")
    resolved_in = models.ForeignKey(PolishingRound, null=True, blank=True, on_delete=models.SET_NULL, related_name="resolved_points")

    class Meta:
        ordering = ["id"]


class ParallelLessons(models.Model):
    """同课异构: two designs of the same textbook lesson, shown side by side."""

    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE, related_name="parallel_lessons")
    title = models.CharField(_("title"), max_length=200)
    chapter = models.ForeignKey("resources.ChapterNode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    design_a = models.ForeignKey("resources.Resource", on_delete=models.PROTECT, related_name="+", verbose_name=_("first design"))
    design_b = models.ForeignKey("resources.Resource", on_delete=models.PROTECT, related_name="+", verbose_name=_("second design"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("parallel lessons")
        verbose_name_plural = _("parallel lessons")


# ---------------------------------------------------------------------------------------------
# Mentoring (师徒结对)
# ---------------------------------------------------------------------------------------------

class Mentorship(models.Model):
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships", verbose_name=_("mentor"))
    group = models.ForeignKey(ResearchGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentorships")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    goals = models.TextField(_("goals"), blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")


class Apprenticeship(models.Model):
    """An apprentice of a mentorship: up to two direct apprentices, then any number radiated (辐射)."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="apprenticeships")
    apprentice = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="apprenticeships")
    is_direct = models.BooleanField(_("direct apprentice"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mentorship", "apprentice"], name="one_apprenticeship")]


class GuidanceLog(models.Model):
    """A monthly guidance record (指导记录) of a mentorship."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="logs")
    month = models.DateField(_("month"), help_text=_("The first day of the month"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    apprentice = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    content = models.TextField(_("what was done"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "-id"]
