"""The library in the Wagtail admin: resources as a snippet with revisions and the moderation workflow.

Every admin view of a resource applies the same reach as editing it (ResourcePermissionPolicy.in_reach): a
school admin reaches their own school's resources, a district researcher (and a superuser) every school's.
Wagtail checks only model permissions in many of its views (history, usage, revisions, compare, unpublish,
lock, workflow history, the chooser, the site-history and workflow reports), so here:
- every view of the snippet that names a resource (a `pk` in its URL) refuses one out of reach (403);
- the chooser lists, finds and returns only resources in reach;
- the site-history and workflow reports leave out the resources out of reach, and bulk actions on resources
  are for those who reach every school (resources/admin_reach.py, mounted in config/urls.py);
- the edit form offers only videos of the admin's school (ResourceAdminForm);
- the moderation task refuses an approval or rejection by someone who may not moderate that resource.
"""
import re
from functools import wraps

from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from wagtail import hooks
from wagtail.models import Revision, TaskState, WorkflowState
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    ChooseResultsView, ChooseView, SnippetChooserViewSet, SnippetChosenMultipleView, SnippetChosenView,
)
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin_choosers import chapter_chooser_viewset, textbook_chooser_viewset, video_chooser_viewset
from .models import Resource, ResourceModerationTask


class ResourcePermissionPolicy(ModelPermissionPolicy):
    """A school admin's admin rights reach their own school's resources only; district researchers reach all."""

    def in_reach(self, user, instance):
        return (ResourceModerationTask.reaches_every_school(user)
                or (user.school_id is not None and instance.school_id == user.school_id))

    def reach(self, user, queryset=None):
        """The resources in `user`'s reach, of `queryset` (all resources by default)."""
        queryset = Resource.objects.all() if queryset is None else queryset
        if ResourceModerationTask.reaches_every_school(user):
            return queryset
        return queryset.filter(school_id=user.school_id) if user.school_id else queryset.none()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.in_reach(user, instance) and super().user_has_permission_for_instance(user, action, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.in_reach(user, instance) and super().user_has_any_permission_for_instance(user, actions, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        return self.reach(user, super().instances_user_has_any_permission_for(user, actions))


resource_permission_policy = ResourcePermissionPolicy(Resource)
register_permission_policy(Resource, resource_permission_policy)


class _ChooserInReach:
    def get_object_list(self):
        return resource_permission_policy.reach(self.request.user, super().get_object_list())


class ResourceChooseView(_ChooserInReach, ChooseView):
    pass


class ResourceChooseResultsView(_ChooserInReach, ChooseResultsView):
    pass


class ResourceChosenView(SnippetChosenView):
    def get_object(self, pk):
        obj = super().get_object(pk)
        if not resource_permission_policy.in_reach(self.request.user, obj):
            raise ObjectDoesNotExist
        return obj


class ResourceChosenMultipleView(SnippetChosenMultipleView):
    def get_objects(self, pks):
        return resource_permission_policy.reach(self.request.user, super().get_objects(pks))


class ResourceChooserViewSet(SnippetChooserViewSet):
    choose_view_class = ResourceChooseView
    choose_results_view_class = ResourceChooseResultsView
    chosen_view_class = ResourceChosenView
    chosen_multiple_view_class = ResourceChosenMultipleView


def _parts_belong(pk, kwargs) -> bool:
    """The revision, workflow state and task state named in a URL are the resource `pk`'s own (Wagtail looks
    some up by their id alone, so another school's could be acted on through one's own resource)."""
    resource_type = ContentType.objects.get_for_model(Resource)
    of_this = {"base_content_type": resource_type, "object_id": pk}
    checks = [
        ("revision_id", Revision.objects, of_this),
        ("workflow_state_id", WorkflowState.objects, of_this),
        ("task_state_id", TaskState.objects, {f"workflow_state__{k}": v for k, v in of_this.items()}),
    ]
    for name, objects, owner in checks:
        value = str(kwargs.get(name, ""))
        if value.isdigit() and not objects.filter(pk=int(value), **owner).exists():
            return False
    return True


class ResourceViewSet(SnippetViewSet):
    model = Resource
    icon = "doc-full-inverse"
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["title", "resource_type", "visibility", "school", "uploaded_by", "created_at"]
    list_filter = ["resource_type", "visibility", "live"]
    search_fields = ["title", "lesson_title", "external_id"]
    list_per_page = 50
    chooser_viewset_class = ResourceChooserViewSet

    def get_queryset(self, request):
        return (resource_permission_policy.instances_user_has_any_permission_for(request.user, ["change", "delete"])
                .order_by("-created_at"))

    def construct_view(self, view_class, **kwargs):
        """Each view of one resource (edit, delete, copy, history, usage, revisions, compare, revert,
        unpublish, lock, unlock, workflow actions and history, previews) first checks it is in reach, and that
        the revision, workflow state or task state its URL names belongs to that resource."""
        view = super().construct_view(view_class, **kwargs)

        @wraps(view)
        def in_reach_only(request, *args, **kwargs):
            if "pk" in kwargs:
                pk = unquote(str(kwargs["pk"]))
                if not re.fullmatch(r"[0-9]+", pk):  # "+1", " 1", "1.0": Django would read them as 1
                    raise Http404
                resource = Resource.objects.filter(pk=int(pk)).only("pk", "school_id").first()
                if resource is not None and not resource_permission_policy.in_reach(request.user, resource):
                    raise PermissionDenied
                if not _parts_belong(pk, kwargs):
                    raise Http404
            return view(request, *args, **kwargs)

        return in_reach_only


register_snippet(ResourceViewSet)


@hooks.register("register_admin_viewset")
def register_textbook_chooser():
    return textbook_chooser_viewset


@hooks.register("register_admin_viewset")
def register_chapter_chooser():
    return chapter_chooser_viewset


@hooks.register("register_admin_viewset")
def register_video_chooser():
    return video_chooser_viewset
