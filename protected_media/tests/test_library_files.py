"""Images and documents in a lesson plan follow the resource that uses them: through /media/ (original and
rendition files) and through Wagtail's own document view; admins reach them in the admin; files nobody uses are
for admins only."""
import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from resources.models import Resource, ResourceType
from tests.factories import ResourceFactory, SchoolFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def picture():
    buffer = io.BytesIO()
    PILImage.new("RGB", (320, 200), "teal").save(buffer, "JPEG")
    return ImageFile(buffer, name="板书.jpg")


@pytest.fixture
def plan(media_root):
    school = SchoolFactory()
    teacher = UserFactory(username="liwei", school=school)
    image = get_image_model().objects.create(title="板书", file=picture())
    document = get_document_model().objects.create(title="学习单", file=ContentFile(PDF, name="xuexidan.pdf"))
    body = json.dumps([
        {"type": "image", "value": image.pk},
        {"type": "attachment", "value": {"document": document.pk, "caption": "学习单"}},
    ])
    resource = ResourceFactory(title="《秋天的雨》教学设计", resource_type=ResourceType.LESSON_PLAN, live=True,
                               visibility=Resource.Visibility.SCHOOL, school=school, uploaded_by=teacher, body=body)
    resource.save()  # the reference index records what the body uses
    cache.clear()  # Wagtail keeps renditions in the cache: not another test's, whose file and row are gone
    rendition = image.get_rendition("width-200")
    return {"resource": resource, "image": image, "rendition": rendition, "document": document,
            "colleague": UserFactory(username="colleague", school=school), "outsider": UserFactory(username="stranger")}


def urls(plan):
    image, document = plan["image"], plan["document"]
    return [f"/media/{image.file.name}", plan["rendition"].url, f"/media/{document.file.name}",
            f"/documents/{document.pk}/{document.filename}"]


@pytest.mark.django_db
def test_lesson_plan_files_reach_only_the_readers_of_their_resource(client, plan):
    for url in urls(plan):
        assert client.get(url).status_code == 404, url
    client.force_login(plan["outsider"])
    for url in urls(plan):
        assert client.get(url).status_code == 404, url
    client.force_login(plan["colleague"])
    for url in urls(plan):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"].startswith("private")
    assert b"".join(client.get(urls(plan)[3]).streaming_content) == PDF


@pytest.mark.django_db
def test_public_lesson_plan_files_are_cacheable_and_unused_files_are_for_admins(client, plan):
    Resource.objects.filter(pk=plan["resource"].pk).update(visibility=Resource.Visibility.PUBLIC)
    for url in urls(plan):
        response = client.get(url)
        assert response.status_code == 200 and response["Cache-Control"].startswith("public"), url

    stray = get_image_model().objects.create(title="未用", file=picture())
    assert client.get(f"/media/{stray.file.name}").status_code == 404
    client.force_login(plan["colleague"])
    assert client.get(f"/media/{stray.file.name}").status_code == 404
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get(f"/media/{stray.file.name}").status_code == 200


@pytest.mark.django_db
def test_a_school_admin_reaches_their_schools_lesson_plan_files_not_other_schools(client, plan):
    from accounts.models import User

    Resource.objects.filter(pk=plan["resource"].pk).update(visibility=Resource.Visibility.PRIVATE)
    other = UserFactory(username="other-admin", role=User.Role.SCHOOL_ADMIN, is_staff=True)
    from resources.services import moderation_setup_ensure

    moderation_setup_ensure()  # school admins join the moderators' group, which opens the Wagtail admin to them
    other.groups.add(*Group.objects.all())
    assert other.has_perm("wagtailadmin.access_admin")
    client.force_login(other)
    for url in urls(plan):
        assert client.get(url).status_code == 404, url
    own = UserFactory(username="own-admin", role=User.Role.SCHOOL_ADMIN, school=plan["resource"].school)
    client.force_login(own)
    for url in urls(plan):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_whoever_uploaded_an_image_sees_it_before_any_lesson_plan_uses_it(client, media_root):
    teacher = UserFactory(username="uploader")
    image = get_image_model().objects.create(title="新图", file=picture(), uploaded_by_user=teacher)
    client.force_login(UserFactory(username="someone"))
    assert client.get(f"/media/{image.file.name}").status_code == 404
    client.force_login(teacher)
    assert client.get(f"/media/{image.file.name}").status_code == 200
