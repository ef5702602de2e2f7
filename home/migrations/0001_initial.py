"""HomePage, moved here from the resources app (resources 0007): the model on its existing table
resources_homepage (state only), and its content type renamed from resources.homepage to home.homepage, so the
page rows, revisions, log entries and permissions that point at it find the model in its new app."""
import django.db.models.deletion
import wagtail.fields
from django.conf import settings
from django.db import migrations, models

MODEL = "homepage"


def _rename_content_type(apps, schema_editor, old, new):
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
    moving = content_types.filter(app_label=old, model=MODEL)
    if not moving.exists():
        return  # a database that never had the page (nothing points at it): post_migrate makes the new one
    made_meanwhile = content_types.filter(app_label=new, model=MODEL)
    if made_meanwhile.exists():
        # post_migrate of an earlier partial `migrate` made it for the new app; only its permissions use it
        pages = apps.get_model("wagtailcore", "Page").objects.using(schema_editor.connection.alias)
        if pages.filter(content_type__in=made_meanwhile).exists():
            raise RuntimeError(f"Pages use both content types {old}.{MODEL} and {new}.{MODEL}; merge them by hand.")
        made_meanwhile.delete()
    moving.update(app_label=new)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def content_type_to_home(apps, schema_editor):
    _rename_content_type(apps, schema_editor, "resources", "home")


def content_type_to_resources(apps, schema_editor):
    _rename_content_type(apps, schema_editor, "home", "resources")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("resources", "0007_move_homepage"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HomePage",
                    fields=[
                        ("page_ptr", models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to=settings.WAGTAIL_PAGE_MODEL)),
                        ("intro", wagtail.fields.RichTextField(blank=True, verbose_name="introduction")),
                    ],
                    options={
                        "verbose_name": "home page",
                        "db_table": "resources_homepage",
                    },
                    bases=("wagtailcore.page",),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_home, content_type_to_resources),
    ]
