"""HomePage moves to the home app (home 0001, which depends on this): the library forgets the model, the table
resources_homepage stays where it is and home's HomePage keeps using it. State only: no table changes."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("resources", "0006_preview_claim"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="HomePage")],
            database_operations=[],
        ),
    ]
