"""The library in the Wagtail admin: resources as a snippet with revisions and the review workflow."""
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from django.core.exceptions import PermissionDenied
from wagtail.snippets.views.snippets import DeleteView, EditView, SnippetViewSet

from .models import Resource, ResourceReviewTask


class ResourcePermissionPolicy(ModelPermissionPolicy):
    """A school admin's admin rights reach their own school's resources only; district researchers reach all."""

    def in_reach(self, user, instance):
        return (ResourceReviewTask.reaches_every_school(user)
                or (user.school_id is not None and instance.school_id == user.school_id))

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.in_reach(user, instance) and super().user_has_any_permission_for_instance(user, actions, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        return instances if ResourceReviewTask.reaches_every_school(user) else instances.filter(school_id=user.school_id)


resource_permission_policy = ResourcePermissionPolicy(Resource)
register_permission_policy(Resource, resource_permission_policy)


class _InReachMixin:
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not resource_permission_policy.in_reach(self.request.user, obj):
            raise PermissionDenied
        return obj


class ResourceEditView(_InReachMixin, EditView):
    pass


class ResourceDeleteView(_InReachMixin, DeleteView):
    pass


class ResourceViewSet(SnippetViewSet):
    model = Resource
    icon = "doc-full-inverse"
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["title", "resource_type", "visibility", "school", "uploaded_by", "created_at"]
    list_filter = ["resource_type", "visibility", "live"]
    search_fields = ["title", "lesson_title", "external_id"]
    list_per_page = 50
    edit_view_class = ResourceEditView
    delete_view_class = ResourceDeleteView

    def get_queryset(self, request):
        return (resource_permission_policy.instances_user_has_any_permission_for(request.user, ["change", "delete"])
                .order_by("-created_at"))


register_snippet(ResourceViewSet)
