"""`manage.py load_demo_data`, which `make run` calls on every start."""
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import School, SchoolPairing, User
from demo.services import demo_resources_rest
from home.models import HomePage
from research.models import ResearchGroup
from resources.models import Resource, Textbook

pytestmark = pytest.mark.django_db


def test_builtin_demo_loads_once_and_a_demo_teacher_signs_in_by_phone(client, tmp_path):
    out = StringIO()
    call_command("load_demo_data", shared_dir=str(tmp_path / "absent"), allow_without_debug=True, stdout=out)
    assert "built-in" in out.getvalue()
    assert Textbook.objects.count() == 2 and Resource.objects.count() == 26 + 2 + 3
    # the demo lessons are drafts nobody else sees until the worker has made their videos
    assert Resource.objects.filter(external_id__startswith="demo-lesson:", live=False, media_asset=None).count() == 3
    waiting = Resource.objects.get(title="示范课件（演示）")
    assert waiting.visibility == "school" and waiting.workflow_in_progress and waiting.attachment
    assert SchoolPairing.objects.get().supported == School.objects.get(name="乡村中心小学")
    assert ResearchGroup.objects.get().members.count() == 3
    assert User.objects.get(username="admin").is_superuser
    response = client.post("/accounts/login/", {"username": "13900139000", "password": "kexiang-demo"})
    assert response.status_code == 302
    assert "三年级语文联合教研组" in client.get("/").content.decode()

    again = StringIO()
    call_command("load_demo_data", shared_dir=str(tmp_path / "absent"), allow_without_debug=True, stdout=again)
    assert "跳过" in again.getvalue()
    assert Resource.objects.count() == 31 and User.objects.count() == 4


def test_demo_logins_are_refused_without_debug(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo_data", shared_dir=str(tmp_path / "absent"), stdout=StringIO())
    assert not User.objects.exists()


@pytest.mark.shared_data
@pytest.mark.slow
def test_shared_data_demo_loads_every_real_record(shared_data, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.KEXIANG_SHARED_SAMPLES_DIR = tmp_path / "absent"  # (the demo lessons are made elsewhere: test_first_run)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        call_command("load_demo_data", shared_dir=str(shared_data), allow_without_debug=True, stdout=out)
    # the first 3,000 before the server starts; the rest in the worker's task, queued when the load commits
    assert Resource.objects.filter(uploaded_by__isnull=True).count() == 3000
    assert "the other 4325 follow in the background" in out.getvalue()
    assert sum(callback.__qualname__ == "demo_load.<locals>.<lambda>" for callback in queued) == 1  # that task
    demo_resources_rest(path=shared_data / "smartedu_micro_lessons" / "resources.jsonl", start=3000)  # as the task does
    assert Textbook.objects.count() == 2930
    assert Resource.objects.filter(uploaded_by__isnull=True).count() == 7325
    assert Resource.objects.filter(chapter__isnull=False, uploaded_by__isnull=True).count() > 7000
    assert "7,325 条资源" in HomePage.objects.get().intro
