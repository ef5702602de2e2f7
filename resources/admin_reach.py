"""The Wagtail admin's views over many resources, kept to the reader's reach: the site-history and workflow
reports leave out the resources out of reach, and bulk actions on resources are for those who reach every
school (a school admin acts on one resource at a time).

Reports:

Wagtail shows a report's rows to anyone with any permission on the row's model; a school admin has them on
Resource (the moderators' group), so without this they would read the titles and history of every school's
resources. Bulk actions: Wagtail's lists every object of the model for "select all" and names those it refuses.
Mounted over Wagtail's own URLs in config/urls.py (the same paths, matched first).
"""
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.bulk_action import index
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.admin.views.reports.workflows import WorkflowTasksView, WorkflowView

from .models import Resource, ResourceModerationTask
from .wagtail_hooks import resource_permission_policy


def _out_of_reach_q(user, prefix=""):
    """Rows (log entries, workflow states) about a resource `user` may not reach in the admin."""
    resource_type = ContentType.objects.get_for_model(Resource)
    in_reach = resource_permission_policy.reach(user).annotate(key=Cast("pk", CharField())).values("key")
    return Q(**{f"{prefix}content_type": resource_type}) & ~Q(**{f"{prefix}object_id__in": in_reach})


def _admin(view):
    return never_cache(require_admin_access(view))


class SiteHistoryInReachView(LogEntriesView):
    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if {"content_type", "object_id"} <= {f.name for f in queryset.model._meta.get_fields()}:  # not pages' log
            queryset = queryset.exclude(_out_of_reach_q(self.request.user))
        return queryset


class WorkflowInReachView(WorkflowView):
    def get_queryset(self):
        return super().get_queryset().exclude(_out_of_reach_q(self.request.user))


class WorkflowTasksInReachView(WorkflowTasksView):
    def get_queryset(self):
        return super().get_queryset().exclude(_out_of_reach_q(self.request.user, "workflow_state__"))


def resource_bulk_action(request, action):
    """Bulk actions on resources: Wagtail's own view for those who reach every school, 403 for anyone else."""
    if not ResourceModerationTask.reaches_every_school(request.user):
        raise PermissionDenied
    return index(request, "resources", "resource", action)


bulk_urlpatterns = [path("resources/resource/<str:action>/", _admin(resource_bulk_action))]

# The same paths and names as Wagtail's (wagtail/admin/urls/reports.py), matched before them.
urlpatterns = [
    path("site-history/", _admin(SiteHistoryInReachView.as_view())),
    path("site-history/results/", _admin(SiteHistoryInReachView.as_view(results_only=True))),
    path("workflow/", _admin(WorkflowInReachView.as_view())),
    path("workflow/results/", _admin(WorkflowInReachView.as_view(results_only=True))),
    path("workflow_tasks/", _admin(WorkflowTasksInReachView.as_view())),
    path("workflow_tasks/results/", _admin(WorkflowTasksInReachView.as_view(results_only=True))),
]
