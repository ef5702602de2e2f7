"""The default observation scale (课堂观察 LICC: 4 dimensions × 5 perspectives, each scored 0–5):
research.services.observations.scale_default_ensure, on this migration's historical models."""
from django.db import migrations


def create_default_scale(apps, schema_editor):
    from research.services.observations import scale_default_ensure

    scale_default_ensure(get_model=apps.get_model)


def remove_default_scale(apps, schema_editor):
    from research.services.observations import LICC_SCALE_NAME

    scale = apps.get_model("research", "ObservationScale").objects.filter(name=LICC_SCALE_NAME).first()
    if scale is not None:
        apps.get_model("research", "ScalePoint").objects.filter(scale=scale).delete()
        scale.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("research", "0003_activities_threads_reviews"),
    ]

    operations = [migrations.RunPython(create_default_scale, remove_default_scale)]
