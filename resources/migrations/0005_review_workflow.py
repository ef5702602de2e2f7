"""The review workflow for resources: one ResourceReviewTask, assigned to the Resource snippet."""
from django.db import migrations

WORKFLOW_NAME = "资源审核 (resource review)"


def create_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    ResourceReviewTask = apps.get_model("resources", "ResourceReviewTask")

    task_type, _ = ContentType.objects.get_or_create(app_label="resources", model="resourcereviewtask")
    resource_type, _ = ContentType.objects.get_or_create(app_label="resources", model="resource")
    task = ResourceReviewTask.objects.filter(name="审核上传 (review an upload)").first()
    if task is None:
        task = ResourceReviewTask.objects.create(name="审核上传 (review an upload)", content_type=task_type, active=True)
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowContentType.objects.get_or_create(content_type=resource_type, defaults={"workflow": workflow})


REVIEWERS_GROUP = "Resource reviewers"


def create_reviewers_group(apps, schema_editor):
    """School admins and district researchers join this group (accounts.services.user_groups_sync).

    It opens the Wagtail admin and the resource snippet to them; ResourceReviewTask decides which
    resources each may approve.
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    admin_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    resource_type, _ = ContentType.objects.get_or_create(app_label="resources", model="resource")
    wanted = [(admin_type, "access_admin", "Can access Wagtail admin"),
              (resource_type, "change_resource", "Can change resource"),
              (resource_type, "view_resource", "Can view resource"),
              (resource_type, "publish_resource", "Can publish resource")]
    for content_type, codename, name in wanted:
        permission, _ = Permission.objects.get_or_create(content_type=content_type, codename=codename,
                                                         defaults={"name": name})
        group.permissions.add(permission)


def remove_workflow(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WORKFLOW_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0004_library_content_review"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [
        migrations.RunPython(create_workflow, remove_workflow),
        migrations.RunPython(create_reviewers_group, migrations.RunPython.noop),
    ]
