import shutil

from media_pipeline.checks import ffmpeg_check


def test_missing_ffmpeg_is_a_warning_with_a_hint(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    warnings = ffmpeg_check(None)
    assert [w.id for w in warnings] == ["media_pipeline.W001", "media_pipeline.W002"]
    assert "apt-get install ffmpeg" in warnings[0].hint


def test_no_warning_when_the_tools_are_there(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    assert ffmpeg_check(None) == []
