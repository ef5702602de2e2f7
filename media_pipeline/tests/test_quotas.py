"""Limits on what one teacher and one school keep: uploads waiting, a school's storage, abandoned uploads."""
import datetime
import threading

import pytest
from django.utils import timezone

from accounts.models import School, User
from media_pipeline import tus
from media_pipeline.tasks import expire_abandoned_uploads
from resources.models import Resource
from tests.factories import ResourceFactory, UserFactory
from tests.serving import signed_in

TUS = {"Tus-Resumable": "1.0.0"}
GIB = 1024**3


def start(client, length):
    return client.post("/uploads/tus/", headers={**TUS, "Upload-Length": str(length)})


@pytest.mark.django_db
def test_a_teacher_may_have_ten_uploads_waiting_and_the_eleventh_is_refused_in_chinese(client, upload_dir):
    client.force_login(UserFactory(username="liwei"))
    assert all(start(client, 1000).status_code == 201 for _ in range(10))
    refused = start(client, 1000)
    assert refused.status_code == 413
    assert "10 个" in refused.json()["error"] and "6 小时" in refused.json()["error"]
    assert len(list(upload_dir.iterdir())) == 10


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_uploads_of_4_gib_reserve_no_more_than_8_gib(served, settings):
    teacher = UserFactory(username="liwei")
    base = served()
    session = signed_in(teacher)
    answers = []
    go = threading.Barrier(30)

    def one():
        go.wait()
        answers.append(session.post(base + "/uploads/tus/", headers={**TUS, "Upload-Length": str(4 * GIB)},
                                    timeout=60))

    threads = [threading.Thread(target=one) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201, 201] + [413] * 28, statuses
    refused = next(answer for answer in answers if answer.status_code == 413)
    assert "未完成的上传" in refused.json()["error"]
    assert sum(upload.length for upload in tus.uploads_of(owner_ids=[teacher.pk])) == 8 * GIB


@pytest.mark.django_db
def test_a_full_school_is_told_so_and_its_admin_sees_the_storage(client, upload_dir, settings):
    school = School.objects.create(name="乡村中心小学", storage_quota_gb=1)
    teacher = UserFactory(username="zhangfang", school=school)
    ResourceFactory(school=school, uploaded_by=teacher, size_bytes=900 * 1024**2, visibility=Resource.Visibility.SCHOOL)
    client.force_login(teacher)
    assert start(client, 50 * 1024**2).status_code == 201  # 950 MB of 1 GB
    refused = start(client, 100 * 1024**2)
    assert refused.status_code == 413
    message = refused.json()["error"]
    assert "你校的存储空间" in message and "1.0\xa0GB" in message and "950.0\xa0MB" in message

    admin = UserFactory(username="xiaozhang", role=User.Role.SCHOOL_ADMIN, school=school)
    client.force_login(admin)
    page = client.get(f"/resources/figures/?school={school.pk}").content.decode()
    assert "存储空间" in page and "（93%）" in page  # 950 MB of 1 GB

    School.objects.filter(pk=school.pk).update(storage_quota_gb=0)  # no quota for this school
    client.force_login(teacher)
    assert start(client, 100 * 1024**2).status_code == 201


@pytest.mark.django_db
def test_unfinished_uploads_are_deleted_after_six_hours_untouched(client, upload_dir):
    teacher = UserFactory(username="liwei")
    client.force_login(teacher)
    old, recent = (start(client, 1000)["Location"].rstrip("/").rsplit("/", 1)[1] for _ in range(2))
    info = tus._read_info(upload_dir / old)
    info.updated = timezone.now() - datetime.timedelta(hours=7)
    tus._write_info(upload_dir / old, info)
    assert expire_abandoned_uploads() == 1
    assert not (upload_dir / old).exists() and (upload_dir / recent).exists()
    assert len(tus.uploads_of(owner_ids=[teacher.pk])) == 1  # the reservation is freed


@pytest.mark.django_db
def test_files_posted_in_threads_count_and_stop_at_a_full_school(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from research.exceptions import ResearchError
    from research.models import GroupMembership, Post, Thread
    from research.services.threads import post_create
    from tests.factories import ResearchGroupFactory

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    school = School.objects.create(name="乡村中心小学", storage_quota_gb=1)
    teacher = UserFactory(username="zhangfang", school=school)
    ResourceFactory(school=school, uploaded_by=teacher, size_bytes=1024**3 - 1000)
    group = ResearchGroupFactory()
    GroupMembership.objects.create(group=group, user=teacher)
    thread = Thread.objects.create(group=group, title="集体备课", created_by=teacher)
    with pytest.raises(ResearchError, match="存储空间"):
        post_create(thread=thread, author=teacher, body="教案", files=[SimpleUploadedFile("a.pdf", b"x" * 2000)])
    assert not Post.objects.exists()
    post_create(thread=thread, author=teacher, body="教案", files=[SimpleUploadedFile("a.pdf", b"x" * 500)])
    from media_pipeline.quotas import school_storage

    assert school_storage(school).used == 1024**3 - 1000 + 500
