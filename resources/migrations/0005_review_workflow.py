"""The moderation workflow for resources (one ResourceReviewTask, renamed ResourceModerationTask by 0008,
assigned to the Resource snippet) and the moderators' group, on this migration's historical models. As
resources.services.moderation_setup_ensure makes them at run time, written out here so that renaming the
live code cannot change what this migration does."""
from django.db import migrations

WORKFLOW = "资源审核 (resource review)"
TASK = "审核上传 (review an upload)"
GROUP = "Resource reviewers"
PERMISSIONS = (
    ("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin"),
    ("resources", "resource", "change_resource", "Can change resource"),
    ("resources", "resource", "view_resource", "Can view resource"),
    ("resources", "resource", "publish_resource", "Can publish resource"),
)


def create_review_setup(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType").objects
    task_model = apps.get_model("resources", "ResourceReviewTask")
    task = task_model.objects.filter(name=TASK).first()
    if task is None:
        task_type, _created = content_types.get_or_create(app_label="resources", model="resourcereviewtask")
        task = task_model.objects.create(name=TASK, content_type=task_type, active=True)
    workflow, _created = apps.get_model("wagtailcore", "Workflow").objects.get_or_create(
        name=WORKFLOW, defaults={"active": True})
    apps.get_model("wagtailcore", "WorkflowTask").objects.get_or_create(workflow=workflow, task=task,
                                                                        defaults={"sort_order": 0})
    resource_type, _created = content_types.get_or_create(app_label="resources", model="resource")
    apps.get_model("wagtailcore", "WorkflowContentType").objects.get_or_create(content_type=resource_type,
                                                                               defaults={"workflow": workflow})
    group, _created = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
    permissions = apps.get_model("auth", "Permission").objects
    for app_label, model, codename, name in PERMISSIONS:
        content_type, _created = content_types.get_or_create(app_label=app_label, model=model)
        permission, _created = permissions.get_or_create(content_type=content_type, codename=codename,
                                                         defaults={"name": name})
        group.permissions.add(permission)


def remove_workflow(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WORKFLOW).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0004_library_content_review"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_review_setup, remove_workflow)]
