"""The review workflow for resources (one ResourceReviewTask, assigned to the Resource snippet) and the
reviewers' group: resources.services.review_setup_ensure, on this migration's historical models."""
from django.db import migrations

def create_review_setup(apps, schema_editor):
    from resources.services import review_setup_ensure

    review_setup_ensure(get_model=apps.get_model)


def remove_workflow(apps, schema_editor):
    from resources.services import REVIEW_WORKFLOW

    apps.get_model("wagtailcore", "Workflow").objects.filter(name=REVIEW_WORKFLOW).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0004_library_content_review"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_review_setup, remove_workflow)]
