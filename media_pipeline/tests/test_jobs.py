"""Transcode jobs through the Celery task and the uploader's progress endpoint."""
import datetime
import shutil

import pytest
from django.utils import timezone

from media_pipeline.models import MediaAsset
from media_pipeline.services import media_asset_create
from media_pipeline.tasks import sweep_stuck_transcodes, transcode_task
from tests.factories import UserFactory

from tests.shared import SAMPLES

pytestmark = [pytest.mark.ffmpeg, pytest.mark.django_db]


@pytest.fixture
def upload(tmp_path):
    def copy(name):
        dest = tmp_path / "uploads" / name
        dest.parent.mkdir(exist_ok=True)
        shutil.copy(SAMPLES / name, dest)
        return dest
    return copy


@pytest.mark.shared_data
def test_an_upload_becomes_a_published_ladder(client, media_root, upload, django_capture_on_commit_callbacks):
    teacher = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        asset = media_asset_create(owner=teacher, source_path=upload("phone_portrait_iphone6_with-gps.mov"),
                                   title="古诗三首 微课")
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY and asset.attempts == 1
    assert (media_root / asset.output_name / "master.m3u8").exists()
    assert [v["name"] for v in asset.variants] == ["audio", "240p"]
    assert (asset.width, asset.height) == (320, 568)

    client.force_login(teacher)
    data = client.get(f"/api/v1/media/{asset.uid}/progress").json()
    assert data["state"] == "ready" and data["percent"] == 100
    assert data["master_url"].endswith(f"hls/{asset.uid}/master.m3u8")
    page = client.get(f"/my/media/{asset.uid}/").content.decode()
    assert "古诗三首 微课" in page and 'value="100"' in page


def test_progress_is_private_to_the_uploader(client, media_root, upload):
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path="/nowhere.mp4")
    client.force_login(UserFactory())
    assert client.get(f"/api/v1/media/{asset.uid}/progress").status_code == 404
    client.logout()
    assert client.get(f"/api/v1/media/{asset.uid}/progress").status_code == 302


@pytest.mark.shared_data
def test_a_broken_file_fails_once_with_a_message_in_chinese(client, media_root, tmp_path):
    broken = tmp_path / "broken.mp4"
    shutil.copy(SAMPLES / "broken" / "mp4ff_init_truncated.mp4", broken)
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path=str(broken))
    transcode_task.delay(asset.pk)
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.FAILED and asset.attempts == 1
    client.force_login(asset.owner)
    data = client.get(f"/api/v1/media/{asset.uid}/progress").json()
    assert data["state"] == "failed" and "重新上传" in data["error"] and data["master_url"] is None
    assert not (media_root / asset.output_name).exists()


@pytest.mark.shared_data
def test_running_the_task_twice_does_the_work_once(media_root, upload):
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path=str(upload("opencast_av_eth-lecture-slides.mov")))
    transcode_task.delay(asset.pk)
    transcode_task.delay(asset.pk)
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY and asset.attempts == 1


@pytest.mark.shared_data
def test_a_job_alive_in_another_worker_is_left_alone(media_root, upload):
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path=str(upload("opencast_av_eth-lecture-slides.mov")),
                                      state=MediaAsset.State.PROCESSING, heartbeat_at=timezone.now())
    assert transcode_task.delay(asset.pk).get() == "processing"
    assert sweep_stuck_transcodes.delay().get() == []


@pytest.mark.shared_data
def test_the_sweeper_recovers_a_job_whose_worker_died(media_root, upload):
    src = upload("opencast_av_eth-lecture-slides.mov")
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path=str(src), state=MediaAsset.State.PROCESSING,
                                      attempts=1, heartbeat_at=timezone.now() - datetime.timedelta(minutes=30))
    # what the dead worker left: a half-written ladder that must never be published
    partial = media_root / (asset.output_name + ".partial") / "240p"
    partial.mkdir(parents=True)
    (partial / "seg_00000.m4s").write_bytes(b"half")
    assert sweep_stuck_transcodes.delay().get() == [asset.pk]
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY and asset.attempts == 2
    assert not (media_root / (asset.output_name + ".partial")).exists()
    assert (media_root / asset.output_name / "master.m3u8").exists()


@pytest.mark.slow
def test_a_long_recording_is_split_into_parallel_chunk_tasks(media_root, settings, tmp_path):
    from unittest import mock

    from media_pipeline import tasks

    from .conftest import lavfi_clip

    settings.KEXIANG_CHUNK_SECONDS = 8
    src = lavfi_clip(tmp_path / "long.mp4", seconds=26, size="1280x720")
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path=str(src))
    with mock.patch.object(tasks.encode_chunk_task, "delay", wraps=tasks.encode_chunk_task.delay) as chunks, \
            mock.patch.object(tasks.join_chunks_task, "delay", wraps=tasks.join_chunks_task.delay) as joins:
        transcode_task.delay(asset.pk)
    # 0-8, 8-16 and 16-26 s: the 2-second tail joins the last chunk
    assert sorted(call.args[1] for call in chunks.call_args_list) == [0, 1, 2]
    assert joins.call_count == 1  # only the last chunk to finish queues the join
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY and asset.progress == 1.0
    assert [v["name"] for v in asset.variants] == ["audio", "240p", "360p", "720p"]
    outdir = media_root / asset.output_name
    assert "720p/index.m3u8" in (outdir / "master.m3u8").read_text()
    assert not outdir.with_name(outdir.name + ".chunks").exists()


@pytest.mark.shared_data
def test_the_sweeper_gives_up_after_three_attempts(media_root, upload):
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path=str(upload("opencast_av_eth-lecture-slides.mov")),
                                      state=MediaAsset.State.PROCESSING, attempts=3,
                                      heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    assert sweep_stuck_transcodes.delay().get() == []
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.FAILED and asset.error_message


@pytest.mark.shared_data
def test_a_queued_job_whose_message_was_lost_is_sent_again(media_root, upload):
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path=str(upload("opencast_av_eth-lecture-slides.mov")))
    MediaAsset.objects.filter(pk=asset.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    assert sweep_stuck_transcodes.delay().get() == [asset.pk]
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY


def test_ffmpeg_stopped_by_a_signal_is_retried_not_blamed_on_the_file(monkeypatch, tmp_path):
    from media_pipeline import ffmpeg as ff
    from media_pipeline.exceptions import TranscodeInterrupted

    class Killed:
        def __init__(self):
            import io

            self.stdout, self.stderr = iter([]), io.BytesIO(b"")

        def wait(self):
            return -9

    class Command:
        def get_args(self):
            return []

        def run_async(self, **kwargs):
            return Killed()

    with pytest.raises(TranscodeInterrupted):
        ff.run_with_progress(Command(), 10)
    assert issubclass(TranscodeInterrupted, OSError)  # so transcode_task's autoretry_for catches it


def test_ffmpeg_work_is_routed_to_its_own_queue():
    from config.celery import app
    from media_pipeline import tasks

    route = app.amqp.router.route
    for task in (tasks.transcode_task, tasks.encode_chunk_task, tasks.join_chunks_task):
        assert route({}, task.name)["queue"].name == "media"
    assert route({}, tasks.sweep_stuck_transcodes.name)["queue"].name == "default"
    assert tasks.transcode_task.acks_late and tasks.transcode_task.reject_on_worker_lost
