"""Page previews of documents: real files made in the test, real LibreOffice and poppler (marker `office`)."""
import datetime
import io
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from PIL import Image

from resources import checks, converters, documents
from resources.exceptions import (
    CorruptFileError,
    EmptyFileError,
    PasswordProtectedPdfError,
    PreviewTimeoutError,
    PreviewUnavailableError,
    UnsupportedFileError,
)
from resources.models import Resource
from resources.documents import document_check
from resources.previews import (
    CLAIM_EXPIRES,
    PreviewJob,
    resource_preview_make,
    resource_preview_request,
    resource_preview_requeue,
    resource_previews_stuck,
)
from resources.tasks import resource_preview_task, sweep_stuck_previews
from tests.factories import ResourceFactory
from tests.library_helpers import make_pdf, make_protected_pdf, make_pptx, make_zip, pptx_parts

pytestmark = [pytest.mark.django_db]
PENDING, READY, FAILED, NONE = (Resource.PreviewState.PENDING, Resource.PreviewState.READY,
                                Resource.PreviewState.FAILED, Resource.PreviewState.NONE)
LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def resource_with(path: Path, filename=None, **fields) -> Resource:
    filename = filename or path.name
    resource = ResourceFactory(original_filename=filename, format=documents.extension_of(filename), **fields)
    with path.open("rb") as handle:
        resource.attachment.save(filename, File(handle))
    return resource


def stored_bytes(resource):
    with default_storage.open(resource.attachment.name, "rb") as handle:
        return handle.read()


def page_sizes(resource):
    sizes = []
    for name in resource.preview_pages:
        with default_storage.open(name, "rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
            assert image.format == "JPEG"
            sizes.append(image.size)
    return sizes


def shown_error(resource):
    with translation.override("en"):
        return translation.gettext(resource.preview_error)


def msgid(error):
    """What preview_error stores: the English message id, translated only when shown."""
    with translation.override(None):
        return str(error.user_message)


# --- document_check: the upload form's check, no tools ------------------------------------------------------

def test_document_check_accepts_real_documents_and_a_password_protected_pdf(tmp_path):
    document_check(make_pdf(tmp_path / "讲义.pdf"), "讲义.pdf")
    document_check(make_pptx(tmp_path / "课件.pptx"), "课件.PPTX")
    Image.new("RGB", (10, 10)).save(tmp_path / "p.png")
    Image.new("RGB", (10, 10)).save(tmp_path / "p.jpg")
    document_check(tmp_path / "p.png", "板书.png")
    document_check(tmp_path / "p.jpg", "板书.jpeg")
    (tmp_path / "old.doc").write_bytes(documents.OLE2_MAGIC + b"\x00" * 504)
    document_check(tmp_path / "old.doc", "旧教案.doc")
    # A password keeps only the preview from being made: the file is still worth downloading.
    document_check(make_protected_pdf(tmp_path / "locked.pdf"), "加密.pdf")


@pytest.mark.parametrize("name, content, error", [
    ("空.pdf", b"", EmptyFileError),
    ("教案.pdf", b"MZ\x90\x00" + b"\x00" * 500, CorruptFileError),  # a program renamed .pdf
    ("课件.pptx", os.urandom(4096), CorruptFileError),
    ("课件.pptx", b"PK\x03\x04 this is not really a presentation" * 50, CorruptFileError),
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 500, UnsupportedFileError),
    ("没有扩展名", b"%PDF-1.4", UnsupportedFileError),
])
def test_document_check_refuses_with_a_sentence_for_the_form(tmp_path, name, content, error):
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises(error) as raised:
        document_check(path, name)
    with translation.override("en"):
        sentence = str(raised.value.user_message)
    assert sentence.endswith(".") and len(sentence) > 40, "says what happened and what to do"
    chinese = str(raised.value.user_message)  # the site's language by default
    assert chinese != sentence and chinese.endswith("。"), "and it is translated"
    assert raised.value.detail, "the log gets the details"


def test_document_check_refuses_broken_pptx_packages(tmp_path):
    good = make_pptx(tmp_path / "good.pptx").read_bytes()
    (tmp_path / "cut.pptx").write_bytes(good[: len(good) // 2])  # an upload cut off halfway
    make_zip(tmp_path / "nopres.pptx", pptx_parts(presentation=False))
    make_zip(tmp_path / "word.pptx", {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"})
    for name in ("cut.pptx", "nopres.pptx", "word.pptx"):
        with pytest.raises(CorruptFileError):
            document_check(tmp_path / name, name)


# --- making previews ---------------------------------------------------------------------------------------

@pytest.mark.office
def test_a_pdf_gets_jpeg_pages_a_phone_can_show(tmp_path, media_root, django_capture_on_commit_callbacks):
    resource = resource_with(make_pdf(tmp_path / "讲义.pdf", pages=3))
    with django_capture_on_commit_callbacks(execute=True):
        resource_preview_request(resource=resource)  # queues the task through Celery (eager in tests)
    resource.refresh_from_db()
    assert resource.preview_state == READY and resource.preview_error == ""
    folder = resource.preview_pages[0].rsplit("/", 1)[0]
    assert resource.preview_pages == [f"{folder}/page-{n}.jpg" for n in (1, 2, 3)]
    # whose pages these are (protected_media serves them to the resource's readers), and a random part
    owner, _dash, key = folder.split("/")[1].partition("-")
    assert owner == str(resource.pk) and len(key) == 32
    assert all((media_root / name).stat().st_size < 200_000 for name in resource.preview_pages)
    assert page_sizes(resource) == [(707, 1000)] * 3, "A4 pages, long side 1000 px"
    assert "3 of 3 pages" in resource.preview_detail


@pytest.mark.office
def test_a_pptx_previews_its_first_pages_only(tmp_path, media_root, settings, django_capture_on_commit_callbacks):
    settings.KEXIANG_PREVIEW_PAGES = 4
    resource = resource_with(make_pptx(tmp_path / "deck.pptx", slides=5), "古诗三首.pptx")
    original = stored_bytes(resource)
    with django_capture_on_commit_callbacks(execute=True):
        resource_preview_request(resource=resource)
    resource.refresh_from_db()
    assert resource.preview_state == READY, resource.preview_detail
    assert page_sizes(resource) == [(1000, 563)] * 4, "min(5 slides, KEXIANG_PREVIEW_PAGES=4), 16:9"
    assert "4 of 5 pages" in resource.preview_detail
    assert stored_bytes(resource) == original


@pytest.mark.office
def test_a_password_protected_pdf_fails_with_a_reason_and_the_file_is_kept(tmp_path, media_root):
    data = make_protected_pdf(tmp_path / "locked.pdf").read_bytes()
    resource = resource_with(tmp_path / "locked.pdf", "加密讲义.pdf")
    resource_preview_request(resource=resource)
    assert resource_preview_task.delay(resource.pk).get() == FAILED
    resource.refresh_from_db()
    assert resource.preview_state == FAILED and resource.preview_pages == []
    assert resource.preview_error == msgid(PasswordProtectedPdfError)
    assert shown_error(resource).startswith("This PDF is protected by a password")
    assert "Incorrect password" in resource.preview_detail
    assert stored_bytes(resource) == data, "the uploaded file is never lost"


@pytest.mark.office
def test_a_pptx_libreoffice_cannot_read_fails_with_a_clear_message(tmp_path, media_root):
    parts = pptx_parts()
    parts["ppt/presentation.xml"] = os.urandom(2000)  # still a package, so the upload check lets it in
    path = make_zip(tmp_path / "broken.pptx", parts)
    document_check(path, "broken.pptx")
    resource = resource_with(path)
    resource_preview_request(resource=resource)
    assert resource_preview_task.delay(resource.pk).get() == FAILED
    resource.refresh_from_db()
    assert resource.preview_error == msgid(CorruptFileError)
    assert "LibreOffice made no PDF" in resource.preview_detail
    assert stored_bytes(resource) == path.read_bytes()


@pytest.mark.parametrize("filename, content, error", [
    ("empty.pdf", b"", EmptyFileError),
    ("随机.pptx", os.urandom(3000), CorruptFileError),  # LibreOffice would "open" it as text: never let it try
])
def test_files_the_upload_check_refuses_fail_without_a_converter(tmp_path, media_root, monkeypatch, filename,
                                                                 content, error):
    ran = []
    monkeypatch.setattr(converters, "_run", lambda args, **kw: ran.append(args))
    path = tmp_path / "upload"
    path.write_bytes(content)
    resource = resource_with(path, filename)
    resource_preview_request(resource=resource)
    resource_preview_make(resource=resource)
    assert resource.preview_state == FAILED and resource.preview_error == msgid(error)
    assert ran == []


@pytest.mark.office
def test_running_twice_does_nothing_the_second_time(tmp_path, media_root, django_capture_on_commit_callbacks):
    resource = resource_with(make_pdf(tmp_path / "a.pdf", pages=2))
    with django_capture_on_commit_callbacks(execute=True):
        resource_preview_request(resource=resource)
    resource.refresh_from_db()
    pages, detail = resource.preview_pages, resource.preview_detail
    stamps = [(media_root / name).stat().st_mtime_ns for name in pages]
    assert resource_preview_task.delay(resource.pk).get() == READY
    resource.refresh_from_db()
    assert (resource.preview_pages, resource.preview_detail) == (pages, detail)
    assert [(media_root / name).stat().st_mtime_ns for name in pages] == stamps
    assert resource_preview_task.delay(987654).get() == "gone"


def test_two_copies_cannot_both_claim_the_work(tmp_path, media_root):
    resource = resource_with(make_pdf(tmp_path / "a.pdf", pages=1))
    resource_preview_request(resource=resource)
    first, second = PreviewJob(Resource.objects.get(pk=resource.pk)), PreviewJob(Resource.objects.get(pk=resource.pk))
    assert first.claim() is True
    assert second.claim() is False, "a live worker has it"
    assert resource_preview_make(resource=Resource.objects.get(pk=resource.pk)).preview_state == PENDING


@pytest.mark.office
def test_asking_again_replaces_the_pages_and_deletes_the_old_ones(tmp_path, media_root,
                                                                   django_capture_on_commit_callbacks):
    resource = resource_with(make_pdf(tmp_path / "a.pdf", pages=3))
    with django_capture_on_commit_callbacks(execute=True):
        resource_preview_request(resource=resource)
    resource.refresh_from_db()
    old = list(resource.preview_pages)
    with make_pdf(tmp_path / "b.pdf", pages=2).open("rb") as handle:  # a corrected file replaces the old one
        resource.attachment.save("b.pdf", File(handle))
    with django_capture_on_commit_callbacks(execute=True):
        resource_preview_request(resource=resource)
    resource.refresh_from_db()
    assert resource.preview_state == READY and len(resource.preview_pages) == 2
    assert not set(old) & set(resource.preview_pages)
    assert not any((media_root / name).exists() for name in old)


@pytest.mark.office
def test_pages_made_for_a_file_replaced_meanwhile_are_thrown_away(tmp_path, media_root,
                                                                  django_capture_on_commit_callbacks):
    resource = resource_with(make_pdf(tmp_path / "a.pdf", pages=2))
    resource_preview_request(resource=resource)
    job = PreviewJob(Resource.objects.get(pk=resource.pk))
    assert job.claim()
    resource_preview_request(resource=resource)  # asked again while this worker runs
    with django_capture_on_commit_callbacks(execute=True):
        job.run()
    resource.refresh_from_db()
    assert resource.preview_state == PENDING and resource.preview_pages == []
    assert list((media_root / "previews").rglob("*.jpg")) == [], "its pages were deleted"


def test_only_attachments_of_a_previewable_format_get_previews(tmp_path, media_root,
                                                              django_capture_on_commit_callbacks):
    sheet = tmp_path / "成绩.xlsx"
    make_zip(sheet, {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<w/>"})
    for resource in (resource_with(sheet), ResourceFactory()):
        with django_capture_on_commit_callbacks() as queued:
            resource_preview_request(resource=resource)
        assert queued == [] and resource.preview_state == NONE


def test_timeouts_are_retried_then_fail_with_the_timeout_message(tmp_path, media_root, monkeypatch):
    calls = []

    def too_slow(args, *, timeout):
        calls.append(args[0])
        raise subprocess.TimeoutExpired(args, timeout)

    monkeypatch.setattr(converters, "_run", too_slow)
    resource = resource_with(make_pdf(tmp_path / "a.pdf", pages=1))
    resource_preview_request(resource=resource)
    # Eager Celery runs the retries at once (countdown ignored), unless it propagates errors: then the
    # first Retry would come out of delay() instead.
    conf = resource_preview_task.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False
    try:
        resource_preview_task.delay(resource.pk)
    finally:
        conf.task_eager_propagates = propagates
    resource.refresh_from_db()
    assert len(calls) == 4, "the first try and three retries"
    assert resource.preview_state == FAILED and resource.preview_error == msgid(PreviewTimeoutError)
    assert resource.attachment.storage.exists(resource.attachment.name)


def test_a_missing_converter_fails_at_once_and_says_it_is_not_the_file(tmp_path, media_root, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    resource = resource_with(make_pdf(tmp_path / "a.pdf", pages=1))
    resource_preview_request(resource=resource)
    assert resource_preview_task.delay(resource.pk).get() == FAILED
    resource.refresh_from_db()
    assert resource.preview_error == msgid(PreviewUnavailableError)
    assert "pdfinfo is not installed" in resource.preview_detail


@pytest.mark.office
def test_the_sweeper_queues_previews_left_pending_again(tmp_path, media_root, django_capture_on_commit_callbacks):
    resource = resource_with(make_pdf(tmp_path / "a.pdf", pages=1))
    resource_preview_request(resource=resource)  # its message is lost: never committed here
    Resource.objects.filter(pk=resource.pk).update(preview_queued_at=LONG_AGO)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_stuck_previews() == [resource.pk]
    resource.refresh_from_db()
    assert resource.preview_state == READY
    assert sweep_stuck_previews() == []


def test_the_claim_is_in_columns_and_the_sweeper_takes_back_only_a_dead_workers(tmp_path, media_root,
                                                                                django_capture_on_commit_callbacks):
    resource = resource_with(make_pdf(tmp_path / "a.pdf", pages=1))
    resource_preview_request(resource=resource)
    resource.refresh_from_db()
    assert resource.preview_queued_at is not None and resource.preview_claimed_at is None
    assert resource.preview_detail == "queued" and resource.preview_attempts == 0
    job = PreviewJob(Resource.objects.get(pk=resource.pk))
    assert job.claim()
    resource.refresh_from_db()
    assert resource.preview_claimed_at == job.claimed_at and resource.preview_claimed_by == job.worker
    assert resource.preview_attempts == 1
    assert list(resource_previews_stuck()) == [], "a live claim (and nothing was queued long ago)"
    assert not PreviewJob(Resource.objects.get(pk=resource.pk)).claim()

    # the worker died: its claim expires, the sweeper hands the work back, and another worker takes it
    Resource.objects.filter(pk=resource.pk).update(preview_claimed_at=timezone.now() - CLAIM_EXPIRES * 2)
    stuck = list(resource_previews_stuck())
    assert [r.pk for r in stuck] == [resource.pk]
    assert resource_preview_requeue(resource=stuck[0]) is True
    with django_capture_on_commit_callbacks() as queued:
        assert resource_preview_requeue(resource=stuck[0]) is False, "handed back already: no longer as it was read"
    assert queued == []
    resource.refresh_from_db()
    assert resource.preview_claimed_at is None and resource.preview_claimed_by == ""
    assert resource.preview_detail == "queued again by the sweeper"
    assert PreviewJob(Resource.objects.get(pk=resource.pk)).claim()
    assert Resource.objects.get(pk=resource.pk).preview_attempts == 2
    job.finish("made by the first worker after all")
    assert Resource.objects.get(pk=resource.pk).preview_state == PENDING, "the first worker's claim is gone"


def test_the_migration_moves_claims_written_as_text_into_the_columns():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("resources.migrations.0006_preview_claim")
    working = ResourceFactory(preview_state=PENDING, preview_detail="working 2026-11-30T08:00:00.123456+00:00 web1:42")
    queued = ResourceFactory(preview_state=PENDING, preview_detail=(
        "queued 2026-11-30T07:00:00+00:00 worker2:7 to retry after OSError: [Errno 28] No space left on device"))
    ready = ResourceFactory(preview_state=READY, preview_detail="3 of 3 pages shown; made in 1.2 s")
    migration.claims_to_columns(apps, None)
    for resource in (working, queued, ready):
        resource.refresh_from_db()
    assert (working.preview_claimed_at.isoformat(), working.preview_claimed_by, working.preview_detail) == (
        "2026-11-30T08:00:00.123456+00:00", "web1:42", "")
    assert (queued.preview_queued_at.isoformat(), queued.preview_claimed_at, queued.preview_detail) == (
        "2026-11-30T07:00:00+00:00", None, "queued to retry after OSError: [Errno 28] No space left on device")
    assert (ready.preview_queued_at, ready.preview_claimed_at, ready.preview_detail) == (
        None, None, "3 of 3 pages shown; made in 1.2 s")
    migration.columns_to_claims(apps, None)  # and back
    working.refresh_from_db()
    queued.refresh_from_db()
    assert working.preview_detail == "working 2026-11-30T08:00:00.123456+00:00 web1:42"
    assert queued.preview_detail.startswith("queued 2026-11-30T07:00:00+00:00 ")
    assert queued.preview_detail.endswith(" to retry after OSError: [Errno 28] No space left on device")


def test_the_system_check_names_the_packages_when_tools_are_missing(monkeypatch):
    monkeypatch.setattr(checks.shutil, "which", lambda tool: None)
    warnings = checks.preview_tools_check(None)
    assert [w.id for w in warnings] == ["resources.W001", "resources.W002"]
    assert all("apt-get install libreoffice-impress-nogui libreoffice-writer-nogui poppler-utils" in w.hint
               for w in warnings)
    monkeypatch.setattr(checks.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    assert checks.preview_tools_check(None) == []


@pytest.fixture
def loopback_listener():
    """A TCP listener on this machine's loopback that records every connection made to it."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    hits, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _address = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    hits.append(conn.recv(200))
                except OSError:
                    hits.append(b"")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", hits
    stop.set()
    thread.join()
    server.close()


def docx_with_external_picture(path: Path, url: str) -> Path:
    relations = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/relationships"><Relationship Id="rId5" Type="http://schemas.openxmlformats.org/'
                 f'officeDocument/2006/relationships/image" Target="{url}/linked.png" TargetMode="External"/>'
                 '</Relationships>')
    document = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>秋天的雨</w:t></w:r></w:p>'
                f'<w:p><w:fldSimple w:instr=\'INCLUDEPICTURE "{url}/field.png" \\d\'/></w:p></w:body></w:document>')
    return make_zip(path, {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                               'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                               'officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                       'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                       '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": document,
        "word/_rels/document.xml.rels": relations,
    })


@pytest.mark.office
def test_previews_never_reach_the_network_not_even_this_machine(tmp_path, media_root, monkeypatch, loopback_listener,
                                                                 django_capture_on_commit_callbacks):
    url, hits = loopback_listener
    html = tmp_path / "讲义.doc"  # an HTML page saved as .doc, as websites hand them out
    html.write_text(f'<html><body><p>秋天的雨</p><img src="{url}/page.png"><link rel="stylesheet" href="{url}/s.css">'
                    "</body></html>", encoding="utf-8")
    docx = docx_with_external_picture(tmp_path / "学习单.docx", url)
    resources = [resource_with(html), resource_with(docx)]
    for resource in resources:
        with django_capture_on_commit_callbacks(execute=True):
            resource_preview_request(resource=resource)
        resource.refresh_from_db()
        assert resource.preview_state == READY, resource.preview_detail
    assert hits == [], "a converter reached the listener"

    # the DOCX went to LibreOffice without its external relationship
    cleaned = converters._without_external_parts(docx)
    assert cleaned != docx
    with __import__("zipfile").ZipFile(cleaned) as archive:
        assert b"External" not in archive.read("word/_rels/document.xml.rels")

    # the control: the same HTML converted outside the namespaces does reach it
    monkeypatch.setattr(converters, "_sandboxed", lambda args: list(args))
    converters.office_to_pdf(html, tmp_path / "control")
    assert hits, "the control made no request: this test would not notice a converter on the network"


def test_without_a_network_sandbox_no_converter_runs_and_the_check_says_how_to_allow_one(tmp_path, media_root,
                                                                                            monkeypatch):
    monkeypatch.setattr(converters, "offline_prefix", lambda: None)
    monkeypatch.setattr(checks.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    assert [w.id for w in checks.preview_tools_check(None)] == ["resources.W003"]
    started = []
    monkeypatch.setattr(converters.subprocess, "Popen", lambda *a, **k: started.append(a))
    with pytest.raises(PreviewUnavailableError, match="no sandbox"):
        converters._run(["pdfinfo", tmp_path / "a.pdf"], timeout=5)
    assert started == []


@pytest.mark.office
def test_a_document_cannot_show_files_of_this_machine_in_its_preview(tmp_path, media_root,
                                                                     django_capture_on_commit_callbacks):
    """An HTML page saved as .doc pointing at another school's picture in the media folder (file:///…): the
    converter does not see the media folder, so the preview shows no red."""
    secret = media_root / "previews" / "secret.png"
    secret.parent.mkdir(parents=True)
    Image.new("RGB", (240, 120), (255, 0, 0)).save(secret)
    html = tmp_path / "讲义.doc"
    html.write_text(f'<html><body><p>秋天的雨</p><img src="file://{secret}"></body></html>', encoding="utf-8")
    resource = resource_with(html)
    with django_capture_on_commit_callbacks(execute=True):
        resource_preview_request(resource=resource)
    resource.refresh_from_db()
    assert resource.preview_state == READY, resource.preview_detail

    def reds(name):
        with default_storage.open(name, "rb") as handle:
            image = Image.open(io.BytesIO(handle.read())).convert("RGB").resize((100, 141))
        return sum(1 for r, g, b in image.get_flattened_data() if r > 200 and g < 60 and b < 60)

    assert sum(reds(name) for name in resource.preview_pages) == 0, "the media folder's picture is in the preview"

    # the control: converted with the folders visible, the picture is drawn
    import unittest.mock

    with unittest.mock.patch.object(converters, "hidden_folders", lambda: []):
        pdf = converters.office_to_pdf(html, tmp_path / "control")
        pages = converters.pdf_to_jpegs(pdf, tmp_path / "control-pages", pages=converters.pdf_page_count(pdf))
    drawn = 0
    for page in pages:
        image = Image.open(page).convert("RGB").resize((100, 141))
        drawn += sum(1 for r, g, b in image.get_flattened_data() if r > 200 and g < 60 and b < 60)
    assert drawn > 20, "the control drew no red: this test would not notice a file of this machine in a preview"


def test_the_hiding_script_never_mounts_over_this_machines_folders(tmp_path):
    """Run outside a mount namespace of its own (a mistake in the code that builds the command), it refuses."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "kept.txt").write_text("still here")
    done = subprocess.run(["sh", "-c", converters.HIDE_SCRIPT, "kexiang-sandbox", str(folder), "--", "true"],
                          capture_output=True, text=True)
    assert done.returncode == 97 and "no mount namespace" in done.stderr
    assert (folder / "kept.txt").read_text() == "still here"
    assert "kexiang-hidden" not in Path("/proc/self/mountinfo").read_text()
