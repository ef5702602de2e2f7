"""The resource's edit form in the Wagtail admin."""
import uuid

from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminModelForm

from media_pipeline.models import MediaAsset


class ResourceAdminForm(WagtailAdminModelForm):
    """Accepts a school admin's choice among the videos of their own school's people (and the one already chosen)
    only (admin_choosers.videos_in_reach, which the video chooser lists): attaching another school's private
    video to a resource would show it to that resource's readers. Those who reach every school choose among all."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if self.instance.pk is None and not self.instance.external_id:
            self.instance.external_id = f"admin:{uuid.uuid4().hex}"  # required and unique; the form has no field
        if not self.is_bound and self.instance.pending_also_chapter_ids is not None:
            self.initial["also_chapters"] = self.instance.pending_also_chapter_ids  # a draft's, not the row's
        field = self.fields.get("media_asset")
        if field is None or for_user is None:
            return
        from .admin_choosers import videos_in_reach  # noqa: PLC0415  (the choosers import the models, which name this form)

        choices = videos_in_reach(for_user)
        if self.instance.media_asset_id:
            choices = choices | MediaAsset.objects.filter(pk=self.instance.media_asset_id)
        field.queryset = choices.distinct()

    def clean(self):
        """A chapter chosen without its textbook gets its book; one of another book than the textbook chosen is
        refused (the chapter chooser keeps to the chosen textbook, but the textbook can change afterwards)."""
        cleaned = super().clean()
        chapter, textbook = cleaned.get("chapter"), cleaned.get("textbook")
        if chapter is not None and "textbook" in self.fields:
            if textbook is None:
                cleaned["textbook"] = chapter.textbook
            elif chapter.textbook_id != textbook.pk:
                self.add_error("chapter", _("This chapter is in another textbook (%(book)s): choose the chapter "
                                            "again, or clear the textbook.") % {"book": chapter.textbook.title})
        return cleaned

    def save(self, commit=True):
        """A live resource is edited as a revision (the row untouched): the chapters chosen ride in it
        (Resource.pending_also_chapter_ids)."""
        if "also_chapters" in self.cleaned_data:
            self.instance.pending_also_chapter_ids = [chapter.pk for chapter in self.cleaned_data["also_chapters"]]
        return super().save(commit=commit)
