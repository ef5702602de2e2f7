"""The library's taxonomy (学段/年级/学科/教材版本/册/教材/章节), its resources and the home page."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


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


class Resource(models.Model):
    """A library resource, in the import schema of DESIGN.md (unknown keys kept in `extra`)."""

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

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("resources:detail", args=[self.pk])


class HomePage(Page):
    """The site's front page: search, browse by 学段/学科, latest resources, my groups."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1
    subpage_types = []
    template = "resources/home_page.html"

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from research.selectors import group_list_for_user

        from .selectors import browse_tree, resource_list_latest

        context = super().get_context(request, *args, **kwargs)
        context["browse"] = browse_tree(user=request.user)
        context["latest_resources"] = resource_list_latest(user=request.user, limit=8)
        context["my_groups"] = group_list_for_user(user=request.user) if request.user.is_authenticated else []
        return context
