"""Concurrent writes through the real app server: ten signed-in teachers post to one 教研 thread, read it and
upload a resource at the same time. Every request succeeds (no 500, no "database is locked"), and every post
is saved exactly once. On SQLite (the embedded default) locally, on PostgreSQL in CI."""
import hashlib
import threading
import time
from base64 import b64encode

import pytest

from accounts.models import School
from research.models import GroupMembership, Post, Thread
from resources.models import Resource, Subject
from tests.factories import ResearchGroupFactory, UserFactory
from tests.library_helpers import make_pdf
from tests.serving import signed_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENTS, POSTS_EACH = 10, 12
TUS = {"Tus-Resumable": "1.0.0"}


def b64(text):
    return b64encode(text.encode()).decode()


def upload_resource(session, base, pdf: bytes, title, subject_id):
    """What the upload page does: the file with tus, then the form."""
    metadata = ",".join([f"filename {b64('讲义.pdf')}", f"filetype {b64('application/pdf')}",
                         f"sha256 {b64(hashlib.sha256(pdf).hexdigest())}"])
    created = session.post(base + "/uploads/tus/", headers={**TUS, "Upload-Length": str(len(pdf)),
                                                            "Upload-Metadata": metadata}, timeout=60)
    assert created.status_code == 201, created.text[:300]
    location = created.headers["Location"]
    location = location if location.startswith("http") else base + location
    sent = session.patch(location, data=pdf, headers={**TUS, "Upload-Offset": "0",
                                                       "Content-Type": "application/offset+octet-stream"}, timeout=60)
    assert sent.status_code == 204, sent.text[:300]
    upload_id = location.rstrip("/").rsplit("/", 1)[-1]
    form = session.get(base + "/resources/upload/", timeout=60)
    assert form.status_code == 200
    saved = session.post(base + "/resources/upload/", data={
        "csrfmiddlewaretoken": session.cookies["csrftoken"], "upload_id": upload_id, "title": title,
        "resource_type": "courseware", "subject": subject_id, "visibility": "school", "licence": "CC-BY-NC-SA-4.0",
    }, headers={"Referer": base + "/resources/upload/"}, allow_redirects=False, timeout=60)
    return saved


@pytest.mark.parametrize("via", ["django", pytest.param("nginx", marks=pytest.mark.nginx)])
def test_ten_teachers_post_read_and_upload_at_once_and_nothing_fails_or_doubles(served, tmp_path, via):
    school = School.objects.create(name="城区实验小学")
    group = ResearchGroupFactory(name="三年级语文联合教研组")
    teachers = [UserFactory(username=f"teacher{n}", school=school) for n in range(CLIENTS)]
    for teacher in teachers:
        GroupMembership.objects.create(group=group, user=teacher)
    thread = Thread.objects.create(group=group, title="《秋天的雨》集体备课", created_by=teachers[0])
    subject_id = Subject.objects.get(name="语文").pk
    pdf = make_pdf(tmp_path / "讲义.pdf", pages=1).read_bytes()
    base = served(via=via)
    sessions = [signed_in(teacher) for teacher in teachers]

    statuses, failures = [], []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def teacher_at_work(n):
        session = sessions[n]
        mine = []
        start.wait()
        try:
            for i in range(POSTS_EACH):
                sent = session.post(f"{base}/research/threads/{thread.pk}/post/", data={
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""), "body": f"第{n}位老师的第{i}条意见",
                    "client_key": f"t{n}-p{i}"}, allow_redirects=False, timeout=120)
                mine.append(("post", sent.status_code))
                if i % 4 == 0:
                    mine.append(("read", session.get(f"{base}/research/threads/{thread.pk}/", timeout=120).status_code))
                if i == POSTS_EACH // 2:
                    mine.append(("upload", upload_resource(session, base, pdf, f"第{n}位老师的讲义", subject_id).status_code))
        except Exception as error:  # noqa: BLE001  a failed request is what this test looks for
            with lock:
                failures.append(f"teacher{n}: {error!r}")
        with lock:
            statuses.extend(mine)

    # a CSRF cookie first, as a browser has from the thread page
    for session in sessions:
        assert session.get(f"{base}/research/threads/{thread.pk}/", timeout=60).status_code == 200
    began = time.monotonic()
    workers = [threading.Thread(target=teacher_at_work, args=(n,)) for n in range(CLIENTS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.monotonic() - began

    assert not failures, failures
    bad = [(kind, status) for kind, status in statuses if status not in (200, 302)]
    assert not bad, f"{len(bad)} of {len(statuses)} requests failed: {bad[:10]}"
    assert len(statuses) == CLIENTS * (POSTS_EACH + POSTS_EACH // 4 + 1)
    keys = list(Post.objects.filter(thread=thread).values_list("client_key", flat=True))
    assert len(keys) == CLIENTS * POSTS_EACH, "a post was lost"
    assert sorted(keys) == sorted(f"t{n}-p{i}" for n in range(CLIENTS) for i in range(POSTS_EACH)), "lost or doubled"
    uploads = Resource.objects.filter(external_id__startswith="upload:")
    assert sorted(uploads.values_list("title", flat=True)) == sorted(f"第{n}位老师的讲义" for n in range(CLIENTS))
    assert all(r.attachment and r.school_id == school.pk for r in uploads)
    print(f"{len(statuses)} requests from {CLIENTS} clients in {seconds:.1f} s")
