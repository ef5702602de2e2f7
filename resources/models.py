"""The library's taxonomy (学段/年级/学科/教材版本/册/教材/章节) and its resources."""
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, Task, TaskState, WorkflowMixin

from .admin_forms import ResourceAdminForm
from .admin_widgets import ChapterChooser, ChaptersChooser, TextbookChooser, VideoChooser
from .blocks import LessonPlanBlock
from .licences import Licence


class Stage(models.Model):
    """学段: 小学, 初中, 高中."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=20, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self):
        return self.name


class Grade(models.Model):
    """年级: 一年级 … 九年级, 高一 … 高三."""

    name = models.CharField(_("name"), max_length=20, unique=True)
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="grades")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("grade")
        verbose_name_plural = _("grades")

    def __str__(self):
        return self.name


class Subject(models.Model):
    """学科, as named in the national curriculum plans."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")

    def __str__(self):
        return self.name


class Edition(models.Model):
    """教材版本: 统编版, 人教版, 人美版（主编：杨力） …; `series` drops the editor note."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    series = models.CharField(_("series"), max_length=80, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")

    def __str__(self):
        return self.name


class Volume(models.Model):
    """册: 上册, 下册, 全一册, 必修 第一册, 选择性必修 …."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("volume")
        verbose_name_plural = _("volumes")

    def __str__(self):
        return self.name


class Textbook(models.Model):
    """One book of the national catalogue: a stage, subject, edition, grade and volume."""

    class SchoolSystem(models.TextChoices):
        SIX_THREE = "63", _("6+3 system")
        FIVE_FOUR = "54", _("5+4 system (五四学制)")

    external_id = models.CharField(_("catalogue id"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200, db_index=True)
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="textbooks")
    school_system = models.CharField(
        _("school system"), max_length=2, choices=SchoolSystem.choices, default=SchoolSystem.SIX_THREE
    )
    grade = models.ForeignKey(
        Grade, verbose_name=_("grade"), null=True, blank=True, on_delete=models.PROTECT, related_name="textbooks"
    )
    grade_label = models.CharField(
        _("grade label"), max_length=40, blank=True, help_text=_("The catalogue's grade when it is not one grade")
    )
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="textbooks")
    edition = models.ForeignKey(Edition, verbose_name=_("edition"), on_delete=models.PROTECT, related_name="textbooks")
    volume = models.ForeignKey(Volume, verbose_name=_("volume"), on_delete=models.PROTECT, related_name="textbooks")
    curriculum = models.CharField(_("curriculum"), max_length=20, blank=True, help_text=_("新教材 or 旧教材"))
    source_updated = models.CharField(_("updated at source"), max_length=40, blank=True)

    class Meta:
        ordering = ["stage__position", "grade__position", "subject__position", "edition__name", "volume__position"]
        verbose_name = _("textbook")
        verbose_name_plural = _("textbooks")

    def __str__(self):
        return self.title


class ChapterNode(models.Model):
    """A node of a textbook's chapter tree: 单元 > 板块 > 课 > 篇."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("Unit (单元)")
        SECTION = "section", _("Section (板块)")
        LESSON = "lesson", _("Lesson (课)")
        PIECE = "piece", _("Piece (篇)")

    external_id = models.CharField(_("catalogue id"), max_length=64, unique=True)
    textbook = models.ForeignKey(Textbook, verbose_name=_("textbook"), on_delete=models.CASCADE, related_name="chapters")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    depth = models.PositiveSmallIntegerField(_("depth"))
    position = models.PositiveIntegerField(_("position"), help_text=_("Order among its siblings"))
    path = models.TextField(_("path"), help_text=_("Titles from the root, joined by ' > '"))

    class Meta:
        ordering = ["textbook_id", "depth", "position"]
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        indexes = [models.Index(fields=["textbook", "parent", "position"])]

    def __str__(self):
        return self.title


class ResourceType(models.TextChoices):
    LESSON_PLAN = "lesson_plan", _("Lesson plan")
    COURSEWARE = "courseware", _("Courseware")
    MICRO_LESSON = "micro_lesson", _("Micro-lesson")
    RECORDING = "recording", _("Recorded lesson")
    WORKSHEET = "worksheet", _("Worksheet")
    EXERCISE = "exercise", _("Exercise")
    SCHOOL_CURRICULUM = "school_curriculum", _("School-based curriculum")
    RESOURCE_PACK = "resource_pack", _("Resource pack")


VIDEO_TYPES = (ResourceType.MICRO_LESSON, ResourceType.RECORDING)


class Resource(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """A library resource, in the import schema of DESIGN.md (unknown keys kept in `extra`).

    One model for every type (教案, 课件, 微课, 实录, 任务单, 练习, 校本课程, 资源包): the type decides
    which of body, attachment, media asset and pack items the pages show. It is a Wagtail snippet with
    revisions and a workflow, so a teacher's request to publish to everyone is moderated (see
    ResourceModerationTask); the row always holds what readers see, the pending request is a revision.
    """

    class PreviewState(models.TextChoices):
        NONE = "none", _("No preview")
        PENDING = "pending", _("Making the preview")
        READY = "ready", _("Preview ready")
        FAILED = "failed", _("No preview could be made")

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Only me")
        SCHOOL = "school", _("My school")
        PAIRING = "pairing", _("My pairing")
        PUBLIC = "public", _("Public")

    external_id = models.CharField(_("external id"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=300)
    resource_type = models.CharField(_("type"), max_length=30, choices=ResourceType.choices, db_index=True)
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), null=True, blank=True, on_delete=models.SET_NULL)
    grade = models.ForeignKey(Grade, verbose_name=_("grade"), null=True, blank=True, on_delete=models.SET_NULL)
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), null=True, blank=True, on_delete=models.SET_NULL)
    edition = models.ForeignKey(Edition, verbose_name=_("edition"), null=True, blank=True, on_delete=models.SET_NULL)
    volume = models.ForeignKey(Volume, verbose_name=_("volume"), null=True, blank=True, on_delete=models.SET_NULL)
    textbook = models.ForeignKey(
        Textbook, verbose_name=_("textbook"), null=True, blank=True, on_delete=models.SET_NULL, related_name="resources"
    )
    chapter = models.ForeignKey(
        ChapterNode, verbose_name=_("chapter"), null=True, blank=True, on_delete=models.SET_NULL, related_name="resources"
    )
    textbook_title = models.CharField(_("textbook title"), max_length=200, blank=True)
    chapter_path = models.JSONField(_("chapter path"), default=list, blank=True)
    lesson_title = models.CharField(_("lesson"), max_length=200, blank=True)
    authors = models.JSONField(_("authors"), default=list, blank=True)
    format = models.CharField(_("format"), max_length=20, blank=True)
    duration_s = models.FloatField(_("duration (s)"), null=True, blank=True)
    size_bytes = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    file = models.CharField(_("file"), max_length=1000, blank=True, help_text=_("Path or URL of the content"))
    attachment = models.FileField(_("attachment"), upload_to="resources/%Y/%m/", max_length=500, blank=True)
    original_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    media_asset = models.ForeignKey(
        "media_pipeline.MediaAsset", verbose_name=_("video"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="resources",
    )
    captions = models.FileField(_("captions (WebVTT)"), upload_to="captions/%Y/%m/", max_length=500, blank=True)
    transcript = models.TextField(_("transcript"), blank=True)
    body = StreamField(LessonPlanBlock(), verbose_name=_("lesson plan"), blank=True, null=True)
    licence = models.CharField(_("licence"), max_length=20, choices=Licence.choices, blank=True)
    also_chapters = models.ManyToManyField(
        ChapterNode, verbose_name=_("same lesson in other editions"), blank=True, related_name="also_resources"
    )
    preview_state = models.CharField(
        _("preview"), max_length=10, choices=PreviewState.choices, default=PreviewState.NONE
    )
    preview_pages = models.JSONField(_("preview pages"), default=list, blank=True)
    preview_error = models.TextField(_("preview error shown to people"), blank=True)
    preview_detail = models.TextField(_("preview error detail for operators"), blank=True)
    # The claim on a pending preview (resources/previews.py), in columns as a media asset's is: when it was
    # asked for or handed back, which worker makes it since when, and how many claims it took.
    preview_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    preview_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    preview_claimed_by = models.CharField(max_length=200, blank=True, editable=False)
    preview_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    extra = models.JSONField(_("other fields"), default=dict, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC, db_index=True
    )
    school = models.ForeignKey(
        "accounts.School", verbose_name=_("school"), null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    view_count = models.PositiveIntegerField(_("views"), default=0)
    download_count = models.PositiveIntegerField(_("downloads"), default=0)
    use_count = models.PositiveIntegerField(
        _("uses"), default=0, db_index=True, help_text=_("Views plus downloads; what “most used” sorts by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self):
        return self.title

    base_form_class = ResourceAdminForm  # offers a school admin only their school's videos
    panels = [
        FieldPanel("title"),
        FieldPanel("resource_type"),
        FieldPanel("visibility"),
        FieldPanel("licence"),
        MultiFieldPanel(
            [FieldPanel("stage"), FieldPanel("grade"), FieldPanel("subject"), FieldPanel("edition"),
             FieldPanel("volume"),
             # choosers that search the catalogue: select boxes of every book and chapter made the page 2 MB
             FieldPanel("textbook", widget=TextbookChooser()),
             FieldPanel("chapter", widget=ChapterChooser(linked_fields={"textbook": "#id_textbook"})),
             FieldPanel("also_chapters", widget=ChaptersChooser())],
            heading=_("Textbook and chapter"),
        ),
        FieldPanel("lesson_title"),
        FieldPanel("description"),
        FieldPanel("body"),
        FieldPanel("attachment"),
        FieldPanel("media_asset", widget=VideoChooser()),
        FieldPanel("captions"),
        FieldPanel("transcript"),
    ]

    def get_absolute_url(self):
        return reverse("resources:detail", args=[self.pk])

    # Kept from the row, not taken from a revision, when an approved revision is published: work that
    # finished while it waited (previews, counters, the transcode) must not be rolled back.
    KEPT_ON_PUBLISH = ("view_count", "download_count", "use_count")
    PREVIEW_FIELDS = ("preview_state", "preview_pages", "preview_error", "preview_detail", "preview_queued_at",
                      "preview_claimed_at", "preview_claimed_by", "preview_attempts")

    # The same lesson in other editions chosen in the admin rides in the revision: Wagtail's revision content
    # leaves out a plain many-to-many, so a live resource's edit (saved as a revision, the row untouched) and its
    # approval would drop it. The admin form leaves the chosen ids in `pending_also_chapter_ids`, the revision
    # keeps them under ALSO_CHAPTERS_KEY, and publishing that revision sets them (signal_handlers.
    # resource_published). A revision saved without the form (resource_submit_for_moderation) has no such key,
    # so its approval keeps the links the lesson mapping added meanwhile.
    ALSO_CHAPTERS_KEY = "also_chapter_ids"
    pending_also_chapter_ids = None

    def serializable_data(self):
        data = super().serializable_data()
        if self.pending_also_chapter_ids is not None:
            data[self.ALSO_CHAPTERS_KEY] = list(self.pending_also_chapter_ids)
        return data

    def with_content_json(self, content):
        obj = super().with_content_json(content)
        if self.ALSO_CHAPTERS_KEY in content:  # revisions saved before it was kept have none: nothing changes
            obj.pending_also_chapter_ids = [int(pk) for pk in content[self.ALSO_CHAPTERS_KEY]]
        for name in self.KEPT_ON_PUBLISH:
            setattr(obj, name, getattr(self, name))
        if obj.attachment.name == self.attachment.name:
            for name in self.PREVIEW_FIELDS:
                setattr(obj, name, getattr(self, name))
        else:  # another file: its pages are still to be made (signal_handlers.resource_published asks for them)
            obj.preview_state, obj.preview_pages, obj.preview_error, obj.preview_detail = (
                self.PreviewState.PENDING, [], "", "")
            obj.preview_queued_at = obj.preview_claimed_at = None
            obj.preview_claimed_by, obj.preview_attempts = "", 0
        return obj

    @property
    def duration_minutes(self):
        """A video's length in whole minutes as lists say it (at least 1), or None."""
        return max(1, round(self.duration_s / 60)) if self.duration_s else None

    @property
    def is_video(self):
        return self.resource_type in VIDEO_TYPES

    @property
    def is_pack(self):
        return self.resource_type in (ResourceType.SCHOOL_CURRICULUM, ResourceType.RESOURCE_PACK)

    @property
    def licence_info(self):
        return Licence.info(self.licence)


class PackItem(models.Model):
    """A resource inside a school-based curriculum or resource pack, with its role (教案, 课件, 实践案例)."""

    class Role(models.TextChoices):
        LESSON_PLAN = "lesson_plan", _("Lesson plan")
        COURSEWARE = "courseware", _("Courseware")
        CASE = "case", _("Practice case")
        OTHER = "other", _("Other material")

    pack = models.ForeignKey(Resource, verbose_name=_("pack"), on_delete=models.CASCADE, related_name="pack_items")
    item = models.ForeignKey(Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="in_packs")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OTHER)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["pack_id", "position", "id"]
        verbose_name = _("pack item")
        verbose_name_plural = _("pack items")
        constraints = [models.UniqueConstraint(fields=["pack", "item"], name="pack_item_once")]


class PrepItem(models.Model):
    """A resource a teacher keeps in their lesson-preparation folder (备课夹)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prep_items")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="prep_items")
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lesson-preparation item")
        verbose_name_plural = _("lesson-preparation folder")
        constraints = [models.UniqueConstraint(fields=["user", "resource"], name="prep_item_once")]


class ResourceModerationTask(Task):
    """Moderation before a resource goes public: a district researcher moderates any, a school admin their
    school's ("review" is for 评课 in research; the texts people see keep 审核/"resource review").

    Approve publishes the submitted revision (its visibility becomes public); "request changes" sends it
    back to the uploader with the moderator's comment.
    """

    class Meta:
        verbose_name = _("resource review")
        verbose_name_plural = _("resource reviews")

    @staticmethod
    def reaches_every_school(user):
        """Superusers and district researchers; the admin's permission policy uses the same rule."""
        return user.is_active and (user.is_superuser or getattr(user, "role", "") == "district_researcher")

    @classmethod
    def can_moderate(cls, user, resource):
        if not (user and user.is_authenticated and user.is_active):
            return False
        if cls.reaches_every_school(user):
            return True
        return user.role == "school_admin" and user.school_id is not None and user.school_id == resource.school_id

    def user_can_access_editor(self, obj, user):
        return self.can_moderate(user, obj)

    def locked_for_user(self, obj, user):
        return not self.can_moderate(user, obj)

    def on_action(self, task_state, user, action_name, **kwargs):
        """Approve or request changes: only by someone who may moderate this resource, whatever the URL said."""
        if not self.can_moderate(user, task_state.workflow_state.content_object):
            raise PermissionDenied
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_actions(self, obj, user):
        if not self.can_moderate(user, obj):
            return []
        return [("reject", _("Request changes"), True), ("approve", _("Approve and publish"), False),
                ("approve", _("Approve with comment"), True)]

    def get_task_states_user_can_moderate(self, user, **kwargs):
        states = TaskState.objects.filter(status=TaskState.STATUS_IN_PROGRESS, task=self.task_ptr)
        if self.reaches_every_school(user):
            return states
        if getattr(user, "role", "") == "school_admin" and user.school_id:
            ids = Resource.objects.filter(school_id=user.school_id).annotate(key=Cast("pk", models.CharField()))
            return states.filter(workflow_state__object_id__in=ids.values("key"))
        return TaskState.objects.none()

    @classmethod
    def get_description(cls):
        return _("A school admin of the uploader's school or a district researcher reviews the resource")
