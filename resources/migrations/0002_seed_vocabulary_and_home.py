from django.db import migrations


def seed_vocabulary(apps, schema_editor):
    from resources.services import vocabulary_seed

    vocabulary_seed(get_model=lambda name: apps.get_model("resources", name))


def create_homepage(apps, schema_editor):
    """Replace Wagtail's welcome page with the Kexiang home page, as the default site's root."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("resources.HomePage")
    root = Page.objects.get(depth=1)
    welcome = Page.objects.filter(depth=2, slug="home").first()
    locale_id = welcome.locale_id if welcome else root.locale_id
    Page.objects.filter(
        depth=2, slug="home", content_type=ContentType.objects.get(app_label="wagtailcore", model="page")
    ).delete()
    content_type, _created = ContentType.objects.get_or_create(app_label="resources", model="homepage")
    home = HomePage.objects.create(
        title="课享",
        draft_title="课享",
        slug="home",
        content_type=content_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale_id=locale_id,
        live=True,
    )
    Page.objects.filter(pk=root.pk).update(numchild=1)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page_id": home.pk, "site_name": "课享 Kexiang"},
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("resources.HomePage").objects.filter(depth=2, slug="home").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0001_initial"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed_vocabulary, migrations.RunPython.noop),
        migrations.RunPython(create_homepage, remove_homepage),
    ]
