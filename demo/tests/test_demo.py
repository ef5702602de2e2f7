"""`manage.py load_demo_data`, which `make run` calls on every start."""
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import School, SchoolPairing, User
from research.models import ResearchGroup
from resources.models import Resource, Textbook

pytestmark = pytest.mark.django_db


def test_builtin_demo_loads_once_and_a_demo_teacher_signs_in_by_phone(client, tmp_path):
    out = StringIO()
    call_command("load_demo_data", shared_dir=str(tmp_path / "absent"), allow_without_debug=True, stdout=out)
    assert "built-in" in out.getvalue()
    assert Textbook.objects.count() == 2 and Resource.objects.count() == 28
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
    assert Resource.objects.count() == 28 and User.objects.count() == 4


def test_demo_logins_are_refused_without_debug(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo_data", shared_dir=str(tmp_path / "absent"), stdout=StringIO())
    assert not User.objects.exists()


@pytest.mark.shared_data
@pytest.mark.slow
def test_shared_data_demo_loads_a_few_thousand_real_records(shared_data):
    call_command("load_demo_data", shared_dir=str(shared_data), allow_without_debug=True, stdout=StringIO())
    assert Textbook.objects.count() == 2930
    assert Resource.objects.filter(uploaded_by__isnull=True).count() == 3000
    assert Resource.objects.filter(chapter__isnull=False).count() == 3002
