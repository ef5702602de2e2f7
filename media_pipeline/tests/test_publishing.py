"""What publishing does without object storage: scratch folders of killed tasks are swept, young ones kept; the
publisher copies only what changed, playlists after what they name."""
import os
import time

from core import media_storage
from media_pipeline import publishing


def test_a_starting_worker_removes_only_the_scratch_folders_killed_tasks_left(settings, tmp_path):
    settings.KEXIANG_SCRATCH_DIR = tmp_path / "scratch"
    old, young = tmp_path / "scratch" / "old-task", tmp_path / "scratch" / "running-task"
    for folder in (old, young):
        (folder / "ladder").mkdir(parents=True)
    then = time.time() - 5 * 3600
    os.utime(old, (then, then))
    assert publishing.scratch_sweep() == 1
    assert not old.exists() and young.exists()


def test_the_publisher_sends_what_changed_and_the_master_playlist_last(settings, tmp_path, media_root, monkeypatch):
    ladder = tmp_path / "ladder"
    (ladder / "240p").mkdir(parents=True)
    (ladder / "240p" / "seg_00000.m4s").write_bytes(b"segment")
    (ladder / "240p" / "index.m3u8").write_text("#EXTM3U\nseg_00000.m4s\n")
    (ladder / "master.m3u8").write_text("#EXTM3U\n240p/index.m3u8\n")
    order = []
    real = media_storage.upload_tree

    def recorded(storage, folder, prefix, *, names=None, last=()):
        order.append(([n for n in names if n not in last], list(last)))
        return real(storage, folder, prefix, names=names, last=last)

    monkeypatch.setattr(media_storage, "upload_tree", recorded)
    publish = publishing.Publisher(ladder, "hls/x")
    publish()
    assert order == [(["240p/seg_00000.m4s"], ["240p/index.m3u8", "master.m3u8"])]
    assert (media_root / "hls/x/master.m3u8").read_text() == "#EXTM3U\n240p/index.m3u8\n"
    publish()  # nothing changed: nothing sent
    assert len(order) == 1
    (ladder / "slides.vtt").write_text("WEBVTT\n")
    publish()
    assert order[-1] == ([], ["slides.vtt"]) and publish.bytes_sent > 0
