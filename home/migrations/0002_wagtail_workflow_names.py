"""Wagtail's default page workflow and its task are called "Moderators approval" in every language (data, not a
translated string): give them the bilingual names our own workflow has, so the Chinese admin reads Chinese."""
from django.db import migrations

OLD, NEW = "Moderators approval", "页面审核 (page approval)"


def rename(apps, old, new):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=old).update(name=new)
    apps.get_model("wagtailcore", "Task").objects.filter(name=old).update(name=new)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0001_initial"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [
        migrations.RunPython(lambda apps, schema_editor: rename(apps, OLD, NEW),
                             lambda apps, schema_editor: rename(apps, NEW, OLD)),
    ]
