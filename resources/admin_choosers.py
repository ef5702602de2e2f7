"""The chooser modals behind resources/admin_widgets.py: find a textbook or a chapter of the national catalogue by
typing its title (Chinese), each named with its book's print (新教材/旧教材, 五四学制), the print schools teach now
first, as the upload form's chapter picker does (the same selectors). The chapter chooser keeps to the textbook
already chosen in the form when there is one. Textbooks and chapters hold no resources: anyone in the admin may
look them up. Registered in wagtail_hooks.py."""
from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView, ChosenView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from core.text import as_id, bounded_query

from media_pipeline.models import MediaAsset

from .admin_widgets import ChapterChooser, TextbookChooser, VideoChooser
from .models import ChapterNode, Textbook
from .selectors import (
    CHAPTER_BOOK_ORDER,
    CHAPTER_BOOK_RELATED,
    chapter_matches,
    chapter_name,
    chapter_path,
    textbook_label,
    textbook_matches,
    textbook_name,
    textbook_note,
)


class TitleSearchForm(BaseFilterForm):
    """The modal's search box; the view's selector does the searching."""

    q = forms.CharField(label=_("Search term"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Type a title, e.g. 古诗三首")}))

    def query(self):
        query = bounded_query(self.cleaned_data.get("q") if self.is_valid() else "", chars=50)
        self.is_searching, self.search_query = bool(query), query or None
        return query


class _Searched:
    filter_form_class = TitleSearchForm
    per_page = 20

    def filter_object_list(self, objects):
        return objects  # get_object_list searched already


class _TextbookLists(_Searched):
    def get_object_list(self):
        return textbook_matches(query=self.filter_form.query())

    @property
    def columns(self):
        return [
            self.title_column,
            Column("edition", label=_("Edition"), accessor="edition.name"),
            Column("label", label=_("Grade and volume"), accessor=textbook_label),
            Column("note", label=_("Version"), accessor=textbook_note),
        ]


class _ChapterLists(_Searched):
    def get_object_list(self):
        textbook = self.request.GET.get("textbook", "").strip()
        query = self.filter_form.query()
        if query:
            return chapter_matches(query=query, textbook=textbook)
        nodes = ChapterNode.objects.select_related(*CHAPTER_BOOK_RELATED).order_by(*CHAPTER_BOOK_ORDER)
        if textbook:
            nodes = nodes.filter(textbook_id=as_id(textbook)) if as_id(textbook) is not None else nodes.none()
        return nodes

    @property
    def columns(self):
        return [
            self.title_column,
            Column("book", label=_("Textbook"), accessor=lambda node: textbook_name(node.textbook)),
            Column("path", label=_("Where in the book"), accessor=lambda node: " › ".join(chapter_path(node)[:-1])),
        ]


def videos_in_reach(user):
    """The videos `user` may attach to a resource in the admin: those who reach every school, any; a school admin,
    their school's people's; anyone else, their own. (Another school's private video attached to a resource would
    show it to that resource's readers.)"""
    from .models import ResourceModerationTask  # noqa: PLC0415  (the models import the widgets these views use)

    assets = MediaAsset.objects.select_related("owner__school")
    if ResourceModerationTask.reaches_every_school(user):
        return assets
    if user.school_id:
        return assets.filter(owner__school_id=user.school_id)
    return assets.filter(owner=user)


def video_name(asset):
    """无标题 videos are named by their upload date; then whose it is and how long."""
    title = asset.title or _("Video of %(date)s") % {"date": asset.created_at.strftime("%Y-%m-%d %H:%M")}
    length = f"{int(asset.duration) // 60:02d}:{int(asset.duration) % 60:02d}" if asset.duration else ""
    owner = asset.owner.full_name or asset.owner.username if asset.owner_id else ""
    return " · ".join(part for part in (title, owner, length) if part)


class VideoSearchForm(TitleSearchForm):
    q = forms.CharField(label=_("Search term"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("A title or who uploaded it")}))


class _VideoLists(_Searched):
    filter_form_class = VideoSearchForm

    def get_object_list(self):
        assets = videos_in_reach(self.request.user).order_by("-created_at", "-pk")
        query = self.filter_form.query()
        if query:
            assets = assets.filter(Q(title__icontains=query) | Q(owner__full_name__icontains=query)
                                   | Q(owner__username__iexact=query))
        return assets

    @property
    def columns(self):
        return [
            self.title_column,
            Column("owner", label=_("Uploaded by"), accessor=lambda a: a.owner.full_name or a.owner.username),
            Column("school", label=_("School"), accessor=lambda a: a.owner.school.name if a.owner.school_id else ""),
            Column("state", label=_("State"), accessor="get_state_display"),
            Column("created", label=_("Uploaded"), accessor=lambda a: a.created_at.strftime("%Y-%m-%d")),
        ]


class VideoChooseView(_VideoLists, ChooseView):
    def get_object_string(self, instance):
        return video_name(instance)


class VideoChooseResultsView(_VideoLists, ChooseResultsView):
    def get_object_string(self, instance):
        return video_name(instance)


class VideoChosenView(ChosenView):
    def get_object(self, pk):
        asset = videos_in_reach(self.request.user).filter(pk=pk).first()
        if asset is None:
            raise ObjectDoesNotExist
        return asset

    def get_display_title(self, instance):
        return video_name(instance)


class TextbookChooseView(_TextbookLists, ChooseView):
    pass


class TextbookChooseResultsView(_TextbookLists, ChooseResultsView):
    pass


class TextbookChosenView(ChosenView):
    def get_display_title(self, instance):
        return textbook_name(instance)


class ChapterChooseView(_ChapterLists, ChooseView):
    pass


class ChapterChooseResultsView(_ChapterLists, ChooseResultsView):
    pass


class ChapterChosenView(ChosenView):
    def get_display_title(self, instance):
        return chapter_name(instance)


class TextbookChooserViewSet(ChooserViewSet):
    model = Textbook
    icon = "doc-full"
    page_title = _("Choose a textbook")
    choose_view_class = TextbookChooseView
    choose_results_view_class = TextbookChooseResultsView
    chosen_view_class = TextbookChosenView
    base_widget_class = TextbookChooser
    register_widget = False  # the resource's panels name their widgets (models.py)


class ChapterChooserViewSet(ChooserViewSet):
    model = ChapterNode
    icon = "list-ul"
    page_title = _("Choose a chapter")
    choose_view_class = ChapterChooseView
    choose_results_view_class = ChapterChooseResultsView
    chosen_view_class = ChapterChosenView
    base_widget_class = ChapterChooser
    register_widget = False
    preserve_url_parameters = ["multiple", "textbook"]  # the form's textbook, through searches and pages


class VideoChooserViewSet(ChooserViewSet):
    model = MediaAsset
    icon = "media"
    page_title = _("Choose a video")
    choose_view_class = VideoChooseView
    choose_results_view_class = VideoChooseResultsView
    chosen_view_class = VideoChosenView
    base_widget_class = VideoChooser
    register_widget = False


textbook_chooser_viewset = TextbookChooserViewSet("resources_textbook_chooser", url_prefix="resources/textbooks/chooser")
chapter_chooser_viewset = ChapterChooserViewSet("resources_chapter_chooser", url_prefix="resources/chapters/chooser")
video_chooser_viewset = VideoChooserViewSet("resources_video_chooser", url_prefix="resources/videos/chooser")
