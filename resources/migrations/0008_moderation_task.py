"""ResourceReviewTask becomes ResourceModerationTask: "review" is 评课 (research's LessonReview), the library's
check before a resource goes public is moderation. The table is renamed; Django's contenttypes renames the
content type (resources.resourcereviewtask → resources.resourcemoderationtask) right after RenameModel, so
the task row (wagtailcore.Task.content_type) and its task states keep pointing at it. The model's permissions
follow here. The names people see (资源审核, "resource review") stay."""
from django.db import migrations

OLD, NEW = "resourcereviewtask", "resourcemoderationtask"


def _rename_permissions(apps, schema_editor, old, new):
    permissions = apps.get_model("auth", "Permission").objects.using(schema_editor.connection.alias)
    for permission in permissions.filter(content_type__app_label="resources", codename__endswith=f"_{old}"):
        codename = permission.codename.removesuffix(old) + new
        if permissions.filter(content_type_id=permission.content_type_id, codename=codename).exists():
            permission.delete()  # made meanwhile by post_migrate for the new name: that one stays
        else:
            permission.codename = codename
            permission.save(update_fields=["codename"])


def permissions_to_moderation(apps, schema_editor):
    _rename_permissions(apps, schema_editor, OLD, NEW)


def permissions_to_review(apps, schema_editor):
    _rename_permissions(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):

    dependencies = [
        ("resources", "0007_move_homepage"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameModel(old_name="ResourceReviewTask", new_name="ResourceModerationTask"),
        migrations.RunPython(permissions_to_moderation, permissions_to_review),
    ]
