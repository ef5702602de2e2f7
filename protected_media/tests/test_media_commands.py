"""The whole storages at once, on this machine's disk: media_orphans finds the files no row refers to (and only
those), deleting a resource, a video or a post attachment takes its files along, and media_migrate copies every
file across and back (here between two folders standing in for the buckets), resumably."""
import io
import logging
import os
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import FileSystemStorage
from django.core.management import CommandError, call_command
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from core import media_storage
from media_pipeline import tus
from media_pipeline.models import MediaAsset
from protected_media.management.commands import media_migrate
from research.models import Post, PostAttachment, Thread
from tests.factories import ResearchGroupFactory, ResourceFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\n秋天的雨\n".encode()
DAY = 24 * 3600


@pytest.fixture
def private_root(settings, tmp_path, media_root):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT.mkdir()
    return settings.PRIVATE_MEDIA_ROOT


def put(root, name, data=b"x" * 10):
    path = Path(root) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return name


def age(*roots, seconds=2 * DAY):
    """Every file under `roots` last changed `seconds` ago."""
    then = time.time() - seconds
    for root in roots:
        for path in Path(root).rglob("*"):
            if path.is_file():
                os.utime(path, (then, then))


def names(root):
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


def picture():
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 40), "teal").save(buffer, "JPEG")
    return ImageFile(buffer, name="板书.jpg")


def resource_with_files(media_root, **kwargs):
    resource = ResourceFactory(**kwargs)
    resource.attachment.save("jiangyi.pdf", ContentFile(PDF), save=False)
    resource.captions.save("zimu.vtt", ContentFile(VTT), save=False)
    key = uuid.uuid4().hex
    resource.preview_pages = [put(media_root, f"previews/{resource.pk}-{key}/page-{n}.jpg") for n in (1, 2)]
    resource.save()
    return resource


def asset_with_files(media_root, state=MediaAsset.State.READY, *, source_path=None):
    uid = uuid.uuid4()
    source = source_path or put(media_root, f"originals/{uid}/original.mp4")
    asset = MediaAsset.objects.create(uid=uid, owner=UserFactory(), source_path=str(source), state=state)
    put(media_root, f"hls/{uid}/master.m3u8")
    put(media_root, f"hls/{uid}/360p/seg_0000.m4s")
    put(media_root, f"work/{uid}/chunks/chunk_0000/done")
    put(media_root, f"hls/{uid}.partial/360p/seg_0001.m4s")
    return asset


def attachment_in_a_thread(data=PDF):
    author = UserFactory()
    thread = Thread.objects.create(group=ResearchGroupFactory(), title="集体备课", created_by=author)
    post = Post.objects.create(thread=thread, author=author, body_html="<p>教案</p>", body_text="教案")
    attachment = PostAttachment(post=post, original_filename="教案.pdf", size=len(data))
    attachment.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(data), save=False)
    attachment.save()
    return attachment


def orphans(*args):
    out = io.StringIO()
    call_command("media_orphans", *args, stdout=out)
    lines = out.getvalue().splitlines()
    return {tuple(line.split("\t")[:2]) for line in lines[:-1]}, lines[-1]


# ---------------------------------------------------------------------------------------------------
# media_orphans
# ---------------------------------------------------------------------------------------------------

def test_orphans_are_the_files_no_row_refers_to(media_root, private_root):
    resource = resource_with_files(media_root)
    copy = ResourceFactory(attachment=resource.attachment.name)  # a copy shares its original's file
    draft = put(media_root, "resources/2026/01/draft.pdf")  # a change waiting for moderation: only in a revision
    copy.attachment.name = draft
    copy.save_revision(clean=False)
    ready, making, failed = (asset_with_files(media_root, state) for state in (
        MediaAsset.State.READY, MediaAsset.State.PROCESSING, MediaAsset.State.FAILED))
    image = get_image_model().objects.create(title="板书", file=picture())
    cache.clear()  # Wagtail keeps renditions in the cache: not another test's, whose file and row are gone
    rendition = image.get_rendition("width-20")
    document = get_document_model().objects.create(title="学习单", file=ContentFile(PDF, name="xuexidan.pdf"))
    attachment = attachment_in_a_thread()
    lost = {("media", put(media_root, "resources/2020/01/lost.pdf", PDF)),
            ("media", put(media_root, f"hls/{uuid.uuid4()}/master.m3u8")),
            ("media", put(media_root, f"previews/{resource.pk}-{uuid.uuid4().hex}/page-1.jpg")),
            *{("media", f"work/{asset.uid}/chunks/chunk_0000/done") for asset in (ready, failed)},
            *{("media", f"hls/{asset.uid}.partial/360p/seg_0001.m4s") for asset in (ready, failed)},
            ("private", put(private_root, "research/2020/01/lost.docx"))}
    age(media_root, private_root)
    put(media_root, "resources/2026/01/just-uploaded.pdf")  # newer than --older-than: maybe still being written
    kept = set(names(media_root)) - {name for storage, name in lost if storage == "media"}

    found, summary = orphans()
    assert found == lost
    assert summary.startswith("8 unused files, 139 bytes") and "1 newer than 24 h left alone" in summary
    assert names(media_root) and set(names(media_root)) >= kept  # listing deletes nothing

    found, summary = orphans("--delete")
    assert found == lost and "; 8 deleted" in summary
    assert set(names(media_root)) == kept
    assert names(private_root) == [attachment.file.name]
    for name in (resource.attachment.name, resource.captions.name, *resource.preview_pages, draft,
                 ready.source_path, f"hls/{ready.uid}/master.m3u8", f"work/{making.uid}/chunks/chunk_0000/done",
                 f"hls/{making.uid}.partial/360p/seg_0001.m4s", image.file.name, rendition.file.name,
                 document.file.name):
        assert (media_root / name).is_file(), name
    assert orphans("--older-than", "0")[0] == {("media", "resources/2026/01/just-uploaded.pdf")}


# ---------------------------------------------------------------------------------------------------
# Deleting takes the files along
# ---------------------------------------------------------------------------------------------------

def test_a_deleted_resource_takes_its_files_but_not_those_a_copy_shares(media_root, django_capture_on_commit_callbacks):
    resource = resource_with_files(media_root)
    copy = ResourceFactory(attachment=resource.attachment.name)
    with django_capture_on_commit_callbacks(execute=True):
        resource.delete()
    assert names(media_root) == [copy.attachment.name]
    with django_capture_on_commit_callbacks(execute=True):
        copy.delete()
    assert names(media_root) == []


def test_a_deleted_video_takes_its_ladder_work_and_stored_original(media_root, tmp_path,
                                                                    django_capture_on_commit_callbacks):
    stored = asset_with_files(media_root, MediaAsset.State.PROCESSING)
    upload = tmp_path / "uploads" / str(uuid.uuid4()) / "data"
    put(upload.parent, "data")
    uploaded = asset_with_files(media_root, source_path=upload)
    with django_capture_on_commit_callbacks(execute=True):
        stored.delete()
    assert all(str(uploaded.uid) in name for name in names(media_root))
    with django_capture_on_commit_callbacks(execute=True):
        uploaded.delete()
    assert names(media_root) == []
    assert upload.is_file()  # the upload folder's file is not the media storage's to delete


def test_a_deleted_post_takes_its_attachment(private_root, django_capture_on_commit_callbacks):
    attachment = attachment_in_a_thread()
    assert names(private_root) == [attachment.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        attachment.post.delete()
    assert names(private_root) == []


def test_a_storage_that_fails_to_delete_is_logged_and_the_row_still_goes(media_root, monkeypatch, caplog,
                                                                          django_capture_on_commit_callbacks):
    resource = resource_with_files(media_root)
    asset = asset_with_files(media_root)

    def down(*args, **kwargs):
        raise media_storage.StorageUnavailable("connection refused")

    monkeypatch.setattr(media_storage, "delete_file", down)
    monkeypatch.setattr(media_storage, "delete_prefix", down)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        resource.delete()
        asset.delete()
    assert not MediaAsset.objects.exists()
    assert (media_root / resource.attachment.name).is_file()
    warnings = [r.getMessage() for r in caplog.records if "media_orphans will list it" in r.getMessage()]
    assert len(warnings) == 4 + 7  # attachment, captions, two pages; ladder, work, 4 staging folders, original
    assert any(asset.source_path in w for w in warnings)


# ---------------------------------------------------------------------------------------------------
# media_migrate (a folder stands in for the buckets; the objectstore tests use the real S3 server)
# ---------------------------------------------------------------------------------------------------

@pytest.fixture
def buckets(tmp_path, monkeypatch):
    """Media in tmp/bucket, research files in its private/ folder: the layout of one bucket."""
    bucket = tmp_path / "bucket"
    (bucket / "private").mkdir(parents=True)
    monkeypatch.setattr(media_migrate, "s3_storages", lambda: (
        FileSystemStorage(location=bucket), FileSystemStorage(location=bucket / "private")))
    return bucket


def migrate(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("media_migrate", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_migrate_copies_every_file_across_and_back_and_may_run_again(media_root, private_root, buckets, settings,
                                                                     tmp_path):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    owner = UserFactory()
    upload = tus.upload_create(user=owner, length=7, metadata={"filename": "秋天的雨.MP4"})
    tus.upload_path(upload).write_bytes(b"a video")
    uploaded = MediaAsset.objects.create(owner=owner, upload_id=str(upload.id), source_path=str(tus.upload_path(upload)))
    resource = resource_with_files(media_root)
    attachment = attachment_in_a_thread()
    put(media_root, "resources/2026/01/.half.pdf.part")  # being written: not copied
    media = [n for n in names(media_root) if not n.endswith(".part")]

    assert migrate("--to", "s3", "--dry-run").startswith(
        "dry run, nothing changed: 6 files to copy, 0 skipped, 0 failed, ")
    assert names(buckets) == [] and MediaAsset.objects.get(pk=uploaded.pk).source_path.startswith("/")

    summary = migrate("--to", "s3")
    assert summary.startswith("6 files copied, 0 skipped, 0 failed, ") and "1 videos' originals moved" in summary
    uploaded.refresh_from_db()
    assert uploaded.source_path == f"originals/{uploaded.uid}/original.mp4"
    assert names(buckets) == sorted([*media, uploaded.source_path, f"private/{attachment.file.name}"])
    assert (buckets / resource.attachment.name).read_bytes() == PDF
    assert (buckets / uploaded.source_path).read_bytes() == b"a video"

    assert migrate("--to", "s3").startswith("0 files copied, 5 skipped, 0 failed, 0 bytes")  # the video names its copy
    MediaAsset.objects.filter(pk=uploaded.pk).update(source_path=str(tus.upload_path(upload)))  # stopped before saving
    assert "0 files copied, 6 skipped" in migrate("--to", "s3")
    assert MediaAsset.objects.get(pk=uploaded.pk).source_path == uploaded.source_path

    settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT = tmp_path / "media2", tmp_path / "private2"
    assert migrate("--to", "local").startswith("6 files copied, 0 skipped, 0 failed, ")
    assert names(settings.MEDIA_ROOT) == sorted([*media, uploaded.source_path])  # not the research files
    assert names(settings.PRIVATE_MEDIA_ROOT) == [attachment.file.name]
    assert migrate("--to", "local").startswith("0 files copied, 6 skipped")


def test_migrate_says_in_one_line_when_s3_cannot_be_reached(media_root, private_root, settings):
    settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY = "key", "secret"
    settings.AWS_STORAGE_BUCKET_NAME, settings.KEXIANG_PRIVATE_BUCKET_NAME = "kexiang-media", ""
    with pytest.raises(CommandError, match=r"^S3 bucket 'kexiang-media' cannot be reached: ") as raised:
        migrate("--to", "s3")
    assert "\n" not in str(raised.value)
