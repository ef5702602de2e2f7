"""The lesson page: who may see it, what it shows before anything is played, and the data figures."""
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from lessons.selectors import lesson_renditions
from media_pipeline.models import MediaAsset
from resources.models import Resource, ResourceType
from tests.factories import ResourceFactory, UserFactory

# what the pipeline stores for a 640x360 recording: audio, 240p and 360p (bit/s)
VARIANTS = [
    {"name": "audio", "bandwidth": 48_000, "average_bandwidth": 47_000, "width": 0, "height": 0, "frame_rate": 0.0},
    {"name": "240p", "bandwidth": 190_000, "average_bandwidth": 150_000, "width": 426, "height": 240, "frame_rate": 15.0},
    {"name": "360p", "bandwidth": 480_000, "average_bandwidth": 400_000, "width": 640, "height": 360, "frame_rate": 25.0},
]


def make_asset(owner, **fields):
    values = {"source_path": "/nowhere/lesson.mp4", "state": MediaAsset.State.READY, "duration": 600.0,
              "width": 640, "height": 360, "has_video": True, "has_audio": True, "variants": VARIANTS}
    values.update(fields)
    return MediaAsset.objects.create(owner=owner, **values)


@pytest.fixture
def lesson(db, media_root):
    owner = UserFactory()
    return ResourceFactory(title="《秋天的雨》微课", resource_type=ResourceType.MICRO_LESSON, uploaded_by=owner,
                           media_asset=make_asset(owner))


def test_the_page_shows_the_poster_box_the_controls_and_the_data_each_quality_uses(client, lesson):
    response = client.get(reverse("lessons:lesson", args=[lesson.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    asset = lesson.media_asset
    assert "《秋天的雨》微课" in html
    assert "aspect-ratio: 640/360" in html  # the box is reserved before the player loads
    assert f'poster="{asset.poster_url}"' in html
    assert 'preload="none"' in html
    # 600 s at 150 kbit/s = 11.25 MB; 400 kbit/s = 30 MB; the sound alone 47 kbit/s = 3.5 MB
    assert [(r.name, r.megabytes) for r in response.context["renditions"]] == [
        ("240p", 11.2), ("360p", 30.0), ("audio", 3.5)]
    assert "11.2 MB" in html and "30.0 MB" in html and "3.5 MB" in html
    for value in ("auto", "240p", "360p", "audio"):
        assert f'<option value="{value}"' in html
    for speed in ("0.75", "1", "1.25", "1.5", "2"):
        assert f'<option value="{speed}"' in html
    assert "<track" not in html  # no captions uploaded
    # hls.js is only named in the player's settings, never loaded by the page itself
    assert "hls.light.min.js" not in html.split('id="lesson-config"')[0]
    assert 'src="/static/js/player.js" defer' in html


def test_the_player_settings_name_the_master_and_every_rung(client, lesson):
    config = client.get(reverse("lessons:lesson", args=[lesson.pk])).context["player_config"]
    base = f"/media/hls/{lesson.media_asset.uid}"
    assert config["master"] == f"{base}/master.m3u8"
    assert config["audio"] == "audio"
    assert config["renditions"] == {"240p": f"{base}/240p/index.m3u8", "360p": f"{base}/360p/index.m3u8",
                                    "audio": f"{base}/audio/index.m3u8"}
    assert config["duration"] == 600.0


def test_captions_are_offered_when_the_lesson_has_them(client, lesson):
    lesson.captions.save("lesson.vtt", ContentFile(b"WEBVTT\n\n00:00.000 --> 00:02.000\n\xe5\x90\x8c\xe5\xad\xa6\xe4\xbb\xac\xe5\xa5\xbd\n"))
    html = client.get(reverse("lessons:lesson", args=[lesson.pk])).content.decode()
    assert '<track kind="captions"' in html and lesson.captions.url in html


@pytest.mark.parametrize("change", [
    {"visibility": Resource.Visibility.SCHOOL},
    {"live": False},
])
def test_a_lesson_the_reader_may_not_see_is_not_found(client, lesson, change):
    Resource.objects.filter(pk=lesson.pk).update(**change)
    assert client.get(reverse("lessons:lesson", args=[lesson.pk])).status_code == 404


def test_its_uploader_may_watch_it_before_it_is_public(client, lesson):
    Resource.objects.filter(pk=lesson.pk).update(live=False, visibility=Resource.Visibility.SCHOOL)
    client.force_login(lesson.uploaded_by)
    assert client.get(reverse("lessons:lesson", args=[lesson.pk])).status_code == 200


@pytest.mark.parametrize("fields", [{"state": MediaAsset.State.QUEUED, "variants": []},
                                    {"state": MediaAsset.State.FAILED},
                                    {"state": MediaAsset.State.PROCESSING, "variants": []}])
def test_a_lesson_without_a_playable_video_is_not_found(client, lesson, fields):
    MediaAsset.objects.filter(pk=lesson.media_asset_id).update(**fields)
    assert client.get(reverse("lessons:lesson", args=[lesson.pk])).status_code == 404


def test_a_resource_without_video_is_not_found(client, db):
    resource = ResourceFactory()
    assert client.get(reverse("lessons:lesson", args=[resource.pk])).status_code == 404


def test_the_resource_page_links_to_the_lesson_page_only_when_the_video_plays(client, lesson):
    detail = reverse("resources:detail", args=[lesson.pk])
    assert reverse("lessons:lesson", args=[lesson.pk]) in client.get(detail).content.decode()
    MediaAsset.objects.filter(pk=lesson.media_asset_id).update(state=MediaAsset.State.QUEUED, variants=[])
    assert reverse("lessons:lesson", args=[lesson.pk]) not in client.get(detail).content.decode()


def test_renditions_put_the_lowest_video_rung_first_and_sound_only_last(db):
    asset = MediaAsset(uid="00000000-0000-0000-0000-000000000001", duration=100.0, state=MediaAsset.State.READY,
                       variants=list(reversed(VARIANTS)))
    renditions = lesson_renditions(asset=asset)
    assert [r.name for r in renditions] == ["240p", "360p", "audio"]
    assert renditions[-1].audio_only and not renditions[0].audio_only
    assert renditions[0].url.endswith("/hls/00000000-0000-0000-0000-000000000001/240p/index.m3u8")
    assert renditions[0].megabytes == 1.9  # 150 kbit/s × 100 s


def test_members_of_a_group_that_reviewed_the_lesson_see_its_comments_on_the_timeline(client, lesson):
    from research.services.reviews import comment_add, review_create
    from research.tests.conftest import People

    people = People()
    lesson.visibility, lesson.live = Resource.Visibility.PUBLIC, True
    lesson.save()
    review = review_create(group=people.group, user=people.leader, title="《秋天的雨》评课", resource=lesson)
    comment_add(review=review, user=people.guest, at="01:30", body="这里的提问<b>很好</b>", point=None)
    comment_add(review=review, user=people.member, at="5:00", body="板书可以更清楚", point=None)
    url = reverse("lessons:lesson", args=[lesson.pk])

    client.force_login(people.member)
    html = client.get(url).content.decode()
    # a marker per comment, placed by its moment in the 600 s lesson, and the list that jumps the player
    assert html.count('class="lesson-mark"') == 2
    assert 'style="left: 15.000000%" data-seek="90.000000"' in html
    assert 'style="left: 50.000000%" data-seek="300.000000"' in html
    assert "《秋天的雨》评课" in html and reverse("research:review", args=[review.pk]) in html
    assert "这里的提问&lt;b&gt;很好&lt;/b&gt;" in html and "<b>很好</b>" not in html  # plain text
    assert 'id="lesson-seek" min="0" max="600.000000"' in html and "<span>10:00</span>" in html  # the scrubber

    # the copy "save for offline" keeps on the phone has none of it: a phone may be shared
    kept = client.get(url + "?offline=1").content.decode()
    assert 'id="lesson-seek"' in kept
    assert 'class="lesson-mark"' not in kept and "板书" not in kept and "评课" not in kept

    # the same public lesson, seen by a teacher outside the group or by nobody signed in: no trace of it
    for viewer in (people.outsider, None):
        client.logout()
        if viewer:
            client.force_login(viewer)
        html = client.get(url).content.decode()
        assert client.get(url).status_code == 200
        assert 'class="lesson-mark"' not in html and "板书" not in html and "评课" not in html


def test_the_player_is_told_where_the_storyboard_and_the_slides_are(client, lesson):
    asset = lesson.media_asset
    lesson.visibility, lesson.live = Resource.Visibility.PUBLIC, True
    lesson.save()
    config = client.get(reverse("lessons:lesson", args=[lesson.pk])).context["player_config"]
    base = f"/media/{asset.output_name}"
    assert config["storyboard"] == f"{base}/storyboard.vtt" and config["slides"] == f"{base}/slides.vtt"
    assert config["poster"] == f"{base}/poster-640.jpg"
    MediaAsset.objects.filter(pk=asset.pk).update(has_video=False)  # a sound recording has neither
    config = client.get(reverse("lessons:lesson", args=[lesson.pk])).context["player_config"]
    assert config["storyboard"] == "" and config["slides"] == ""
