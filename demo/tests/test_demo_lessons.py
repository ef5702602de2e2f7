"""The demo lessons the worker makes (demo/lessons.py, demo/tasks.py): what happens when it cannot."""
import ffmpeg
import pytest

from accounts.models import User
from demo.lessons import demo_lessons_progress, demo_lessons_queue
from demo.tasks import demo_lesson_build_task
from resources.models import Resource
from tests.factories import SchoolFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.ffmpeg]


@pytest.fixture
def presenter(db):
    return UserFactory(username="liwei", full_name="李伟", school=SchoolFactory(), role=User.Role.GROUP_LEADER)


def test_a_lesson_ffmpeg_cannot_make_is_left_out_and_queued_again_next_time(presenter, monkeypatch, settings, tmp_path,
                                                                             media_root, django_capture_on_commit_callbacks):
    settings.KEXIANG_SHARED_SAMPLES_DIR = tmp_path / "absent"
    with django_capture_on_commit_callbacks(execute=False):  # (queued, not run: the test runs one below)
        assert demo_lessons_queue(presenter=presenter, log=lambda line: None) == 3
    assert demo_lessons_progress() == {"ready": 0, "total": 3}
    drafts = Resource.objects.filter(external_id__startswith="demo-lesson:")
    assert not drafts.filter(live=True).exists()  # nobody sees a lesson without its video

    # a real FFmpeg run that fails (a picture that is not there), as a broken FFmpeg build would
    monkeypatch.setattr("demo.lessons.ffmpeg.slideshow_command",
                        lambda listing, dest, **kw: ffmpeg.input(str(tmp_path / "missing.png")).output(str(dest)))
    for resource in list(drafts):
        key = resource.external_id.split(":", 1)[1]
        assert demo_lesson_build_task.delay(resource.pk, key).get() == "failed"
    assert not drafts.all().exists() and demo_lessons_progress() is None  # the home page stops waiting

    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert demo_lessons_queue(presenter=presenter, log=lambda line: None) == 3  # the next start tries again
    assert len(queued) == 3
