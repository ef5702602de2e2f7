"""The resource's edit form in the Wagtail admin."""
from wagtail.admin.forms import WagtailAdminModelForm

from media_pipeline.models import MediaAsset


class ResourceAdminForm(WagtailAdminModelForm):
    """Offers a school admin only the videos of their own school's people (and the one already chosen): the
    list would otherwise name every school's videos, and attaching another school's private video to a
    resource would show it to that resource's readers. Those who reach every school choose among all."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        from .models import ResourceModerationTask  # noqa: PLC0415  (the model names this form: a cycle at the top)

        field = self.fields.get("media_asset")
        if field is None or for_user is None or ResourceModerationTask.reaches_every_school(for_user):
            return
        if for_user.school_id:
            choices = MediaAsset.objects.filter(owner__school_id=for_user.school_id)
        else:
            choices = MediaAsset.objects.filter(owner=for_user)
        if self.instance.media_asset_id:
            choices = choices | MediaAsset.objects.filter(pk=self.instance.media_asset_id)
        field.queryset = choices.distinct()
