"""Choosers for a resource's textbook, chapter and the same lesson in other editions in the Wagtail admin.

The national catalogue has about 3,000 books and 4,500 chapters: select boxes of them made the resource's editor
2 MB. These widgets hold only the chosen ids and names; Wagtail's chooser modal (resources/admin_choosers.py)
finds a book or chapter as one types its title, each named with its print (新教材/旧教材, 五四学制) as the upload
form's chapter picker names them. Models are named by string and the selectors imported late: models.py uses
these widgets in its panels.
"""
from django import forms
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import BaseChooser


class _OneChooser(BaseChooser):
    """A chooser of one row, found again by its id with the rows its name needs (`related_fields()`)."""

    show_edit_link = False

    def related_fields(self):
        return ()

    def get_instance(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, self.model_class):
            return value
        return (self.model_class.objects.select_related(*self.related_fields()).filter(pk=value).first()
                if str(value).isdigit() else None)


class TextbookChooser(_OneChooser):
    model = "resources.Textbook"
    chooser_modal_url_name = "resources_textbook_chooser:choose"
    icon = "doc-full"
    choose_one_text = _("Choose a textbook")
    choose_another_text = _("Choose another textbook")

    def related_fields(self):
        return ("stage", "subject", "edition", "grade", "volume")

    def get_display_title(self, instance):
        from .selectors import textbook_name  # noqa: PLC0415  (selectors import the models, which use this)

        return textbook_name(instance)


class ChapterChooser(_OneChooser):
    model = "resources.ChapterNode"
    chooser_modal_url_name = "resources_chapter_chooser:choose"
    icon = "list-ul"
    choose_one_text = _("Choose a chapter")
    choose_another_text = _("Choose another chapter")

    def related_fields(self):
        from .selectors import CHAPTER_BOOK_RELATED  # noqa: PLC0415

        return CHAPTER_BOOK_RELATED

    def get_display_title(self, instance):
        from .selectors import chapter_name  # noqa: PLC0415

        return chapter_name(instance)


class VideoChooser(_OneChooser):
    """A resource's video: the school's videos grow without bound (a district's admin reaches every school's), so
    they are found in a modal, not listed in a select box."""

    model = "media_pipeline.MediaAsset"
    chooser_modal_url_name = "resources_video_chooser:choose"
    icon = "media"
    choose_one_text = _("Choose a video")
    choose_another_text = _("Choose another video")

    def related_fields(self):
        return ("owner",)

    def get_display_title(self, instance):
        from .admin_choosers import video_name  # noqa: PLC0415  (the choosers import these widgets)

        return video_name(instance)


class ChaptersChooser(forms.Widget):
    """Several chapters (a many-to-many field): one chapter chooser per chapter already chosen and `spare` empty
    ones to add more; every chooser posts its id under the field's name, and an empty one is left out, so clearing
    a chooser removes that chapter. No script of our own: each is Wagtail's chooser."""

    template_name = "resources/admin/chapters_chooser.html"

    def __init__(self, attrs=None, spare=2):
        super().__init__(attrs)
        self.spare = spare

    def _values(self, value):
        if value in (None, ""):
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        return [str(getattr(v, "pk", v)) for v in values if v not in (None, "")]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        base_id = (attrs or {}).get("id") or f"id_{name}"
        choosers = []
        for index, chapter in enumerate([*self._values(value), *[None] * self.spare]):
            chooser = ChapterChooser(choose_one_text=_("Add a chapter in another edition"))
            choosers.append(chooser.render(name, chapter, {"id": f"{base_id}_{index}"}))
        context["widget"]["choosers"] = choosers
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # the site's templates, not the form renderer's (which sees only the apps' folders), as BaseChooser does
        return render_to_string(self.template_name, self.get_context(name, value, attrs))

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        values = getter(name) if getter else data.get(name)
        if values in (None, ""):
            return []
        values = values if isinstance(values, (list, tuple)) else [values]
        return list(dict.fromkeys(v for v in values if v not in (None, "")))

    def value_omitted_from_data(self, data, files, name):
        return False  # every chooser emptied: no chapters

    @property
    def media(self):
        return ChapterChooser().media
