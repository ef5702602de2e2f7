"""Playable demo lessons for `make run`: a few real micro-lessons run through the real pipeline (every rung,
poster, storyboard, slide stills), with captions, filed under chapters of the library, one of them reviewed
(评课) by the demo group and shown as the recorded lesson of a published activity.

Nothing here slows the start: demo_lessons_queue only records the lessons (drafts nobody else sees) and
queues one task each; the worker makes the video (the sample videos beside the project when
../shared/samples exists, else slides drawn with Pillow and a voice-like tone from FFmpeg's own sources),
hands it to media_asset_create, and publishes the lesson once its first rungs play. The home page says
how many are ready meanwhile (demo_lessons_progress).
"""
import datetime
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from accounts.models import User
from media_pipeline import ffmpeg, publishing
from media_pipeline.models import MediaAsset
from media_pipeline.services import media_asset_create
from research.models import Activity, ResearchGroup
from research.services.reviews import comment_add, review_create
from resources.licences import DEFAULT_LICENCE
from resources.models import ChapterNode, Resource, ResourceType
from resources.services import resource_file_under

log = logging.getLogger(__name__)

EXTERNAL_PREFIX = "demo-lesson:"
WAIT_AT_MOST = datetime.timedelta(hours=1)
SLIDE_SIZE = (640, 360)
# Fonts with Chinese glyphs that Debian and most distributions ship; without one the slides are in English.
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


@dataclass(frozen=True)
class Slide:
    heading: str
    lines: tuple[str, ...]
    caption: str  # what the teacher says over it: the captions
    heading_en: str = ""  # drawn instead when no Chinese font is installed


@dataclass(frozen=True)
class DemoLesson:
    key: str
    title: str
    lesson_title: str  # the textbook lesson (课) it is filed under
    resource_type: str
    description: str
    slides: tuple[Slide, ...]
    sample: str = ""  # a file in ../shared/samples used instead of the slides when it is there
    review: bool = False  # the demo group reviews this one (time-coded comments)
    slide_seconds: int = 9


LESSONS = (
    DemoLesson(
        key="autumn-rain", title="《秋天的雨》朗读指导（示例微课）", lesson_title="秋天的雨",
        resource_type=ResourceType.MICRO_LESSON, review=True,
        description="统编版三年级上册。用四张幻灯片讲清朗读的停顿与重音，适合课前预习。（课享示例课程，由 FFmpeg 生成）",
        slides=(
            Slide("秋天的雨", ("统编版 三年级上册", "朗读指导"), "同学们好，今天我们一起朗读《秋天的雨》。", "Autumn rain"),
            Slide("读准字音", ("爽快  扇子  频频点头", "五彩缤纷"), "先读准这几个词语，注意“缤纷”的读音。", "Say the words"),
            Slide("读好停顿", ("秋天的雨，/是一把钥匙。", "它带着清凉和温柔，/轻轻地，/轻轻地……"), "在斜线处稍作停顿，读出秋雨的轻柔。", "Pauses"),
            Slide("读出感情", ("秋天的雨，", "藏着非常多的颜色。"), "最后，带着喜爱的感情，把第二自然段读给家人听。", "Feeling"),
        ),
    ),
    DemoLesson(
        key="big-tree-class", title="《大青树下的小学》课堂实录片段（示例）", lesson_title="大青树下的小学",
        resource_type=ResourceType.RECORDING, sample="opencast_av_eth-lecture-slides.mov",
        description="一段真实的课堂录像：教师讲解与板书。（课享示例课程；有 ../shared/samples 时用其中的录像）",
        slides=(
            Slide("大青树下的小学", ("统编版 三年级上册", "第一单元"), "这节课我们认识一所边疆的小学。", "A school under the tree"),
            Slide("找一找", ("课文写了哪些民族的小朋友？",), "请同学们找一找，课文写了哪些民族的小朋友。", "Find out"),
        ),
    ),
    DemoLesson(
        key="three-poems", title="《古诗三首》板书微课（示例）", lesson_title="古诗三首",
        resource_type=ResourceType.MICRO_LESSON, sample="opencast_scene-change_eth-lecture-slides.mov",
        description="只有画面的板书微课：板书在第 12 秒换页。（课享示例课程）",
        slides=(
            Slide("古诗三首", ("山行 · 赠刘景文 · 夜书所见",), "今天学习三首写秋天的古诗。", "Three poems"),
            Slide("山行", ("远上寒山石径斜，", "白云生处有人家。"), "先读《山行》，注意“斜”的读音。", "Mountain walk"),
        ),
    ),
)


def _samples_dir() -> Path:
    return Path(settings.KEXIANG_SHARED_SAMPLES_DIR)


def demo_lesson_by_key(key) -> DemoLesson | None:
    return next((lesson for lesson in LESSONS if lesson.key == key), None)


def demo_lessons_queue(*, presenter, log=print) -> int:
    """Record the demo lessons not made yet (drafts: nobody else sees them), filed under their chapter of the
    catalogue, and queue the task that makes each. Returns how many."""
    from .tasks import demo_lesson_build_task  # noqa: PLC0415  (the task calls back into this module)

    queued = 0
    if presenter is None:
        return queued
    for lesson in LESSONS:
        if Resource.objects.filter(external_id=EXTERNAL_PREFIX + lesson.key).exists():
            continue
        with transaction.atomic():
            resource = Resource(
                external_id=EXTERNAL_PREFIX + lesson.key, title=lesson.title, resource_type=lesson.resource_type,
                description=lesson.description, format="mp4", licence=DEFAULT_LICENCE,
                authors=[presenter.get_full_name()], school=presenter.school, uploaded_by=presenter,
                visibility=Resource.Visibility.PUBLIC, live=False, source="课享示例",
            )
            chapter = _chapter_of(lesson.lesson_title)
            if chapter is not None:
                resource_file_under(resource, chapter)
            resource.full_clean()
            resource.save()
            transaction.on_commit(lambda pk=resource.pk, key=lesson.key: demo_lesson_build_task.delay(pk, key))
        queued += 1
    if queued:
        log(f"示例课程 demo lessons: {queued} queued; the worker makes them in the background "
            f"(about a minute each; progress on the home page and in the Celery log)")
    return queued


def _chapter_of(lesson_title):
    """The lesson's chapter in 三年级语文 (the demo group's), the current textbook (新教材) first; else any."""
    chapters = (ChapterNode.objects.filter(kind=ChapterNode.Kind.LESSON, title__endswith=lesson_title)
                .select_related("textbook").order_by("pk"))
    third_grade = chapters.filter(textbook__grade__name="三年级", textbook__subject__name="语文")
    return (third_grade.filter(textbook__curriculum="新教材").first() or third_grade.first()
            or chapters.filter(textbook__curriculum="新教材").first() or chapters.first())


def demo_lessons_progress() -> dict | None:
    """{"ready": n, "total": m} while some demo lesson is still being made; None when none is (or no demo).
    A draft that waited an hour was lost (no worker ran it): no more waiting for it."""
    lessons = Resource.objects.filter(external_id__startswith=EXTERNAL_PREFIX)
    waiting = (lessons.filter(live=False, created_at__gte=timezone.now() - WAIT_AT_MOST)
               .exclude(media_asset__state=MediaAsset.State.FAILED))
    if not waiting.exists():
        return None
    return {"ready": lessons.filter(live=True).count(), "total": lessons.count()}


# -- in the worker -----------------------------------------------------------------------------------------

def demo_lesson_make(*, resource, lesson: DemoLesson) -> MediaAsset:
    """The lesson's video (sample or slides) into the media storage, its captions, and its transcode queued."""
    if resource.media_asset_id:
        return resource.media_asset
    sample = _samples_dir() / lesson.sample if lesson.sample else None
    with tempfile.TemporaryDirectory(prefix="kexiang-demo-") as scratch:
        scratch = Path(scratch)
        if sample is not None and sample.is_file():
            video, seconds = sample, None
            captions = None
        else:
            video = scratch / f"{lesson.key}.mp4"
            seconds = _slides_video(lesson, scratch, video)
            captions = _captions(lesson)
        name = publishing.original_store(video, f"demo-{lesson.key}-{resource.pk}", video.name)
    with transaction.atomic():
        asset = media_asset_create(owner=resource.uploaded_by, source_path=name, title=video.name)
        resource.media_asset = asset
        if seconds:
            resource.duration_s = seconds
        if captions:
            resource.captions.save(f"demo-{lesson.key}.vtt", ContentFile(captions.encode()), save=False)
        resource.save(update_fields=["media_asset", "duration_s", "captions"])
    return asset


def demo_lesson_drop(*, resource):
    """A demo lesson whose video could not be made: its draft goes (with its asset), so nothing waits for it."""
    asset = resource.media_asset
    resource.delete()
    if asset is not None:
        asset.delete()


def demo_lesson_publish(*, resource) -> bool:
    """Once the lesson's first rungs play: visible to everyone (a demo lesson needs no moderation). True when it is."""
    asset = resource.media_asset
    if asset is None or not asset.playable:
        return False
    if not resource.live:
        resource.live = True
        if asset.duration:
            resource.duration_s = asset.duration
        resource.save(update_fields=["live", "duration_s"])
    return True


def _font(size):
    for path in CJK_FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size=size), False


def _slides_video(lesson: DemoLesson, folder: Path, dest: Path) -> int:
    """Draw the slides, then FFmpeg makes them a video with a voice-like tone. Returns its length in seconds."""
    heading_font, chinese = _font(40)
    line_font, _ = _font(26)
    listing = folder / "slides.txt"
    entries = []
    for number, slide in enumerate(lesson.slides, start=1):
        image = Image.new("RGB", SLIDE_SIZE, (250, 248, 240))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, SLIDE_SIZE[0], 72), fill=(11, 110, 79))
        heading = slide.heading if chinese else (slide.heading_en or lesson.key)
        draw.text((32, 14), heading, font=heading_font, fill="white")
        for row, text in enumerate(slide.lines if chinese else (), start=0):
            draw.text((40, 110 + row * 52), text, font=line_font, fill=(30, 30, 30))
        draw.text((SLIDE_SIZE[0] - 90, SLIDE_SIZE[1] - 40), f"{number}/{len(lesson.slides)}", font=line_font,
                  fill=(120, 120, 120))
        path = folder / f"slide-{number}.png"
        image.save(path)
        entries.append(f"file '{path.name}'\nduration {lesson.slide_seconds}\n")
    # the concat demuxer takes the last picture's duration only when it is named once more
    entries.append(f"file 'slide-{len(lesson.slides)}.png'\n")
    listing.write_text("".join(entries))
    seconds = lesson.slide_seconds * len(lesson.slides)
    ffmpeg.slideshow_command(listing, dest, seconds=seconds, size=SLIDE_SIZE).run(capture_stdout=True,
                                                                                 capture_stderr=True)
    return seconds


def _captions(lesson: DemoLesson) -> str:
    def stamp(seconds):
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000"

    cues = ["WEBVTT", ""]
    for index, slide in enumerate(lesson.slides):
        start = index * lesson.slide_seconds
        cues += [f"{stamp(start + 1)} --> {stamp(start + lesson.slide_seconds - 1)}", slide.caption, ""]
    return "\n".join(cues)


DEMO_GROUP = "三年级语文联合教研组"
REVIEWED_AT = "城乡联合示范课：《秋天的雨》朗读指导"  # the published 示范课 of demo/research.py that it was
REVIEW_COMMENTS = (
    (3, "开场直接出示课题，简洁；可以先请学生说说秋天的雨是什么样的。"),
    (21, "停顿的斜线标得清楚，建议让学生先自己试读再出示。"),
    (30, "“读出感情”一页可以配一段范读录音。"),
)


def demo_lesson_review(*, resource) -> bool:
    """The demo group's 评课 of the lesson, filed under its published 示范课 (demo/research.py), which then shows
    the lesson as its recording. False while the video is not ready yet (a review needs its length)."""
    asset = resource.media_asset
    if asset is None or asset.state != MediaAsset.State.READY:
        return False
    group = ResearchGroup.objects.filter(name=DEMO_GROUP).first()
    if group is None:
        return True
    leader = User.objects.filter(username="liwei").first()
    expert = User.objects.filter(username="wangjing").first()
    teacher = resource.uploaded_by
    activity = Activity.objects.filter(group=group, title=REVIEWED_AT).first()
    with transaction.atomic():
        # one review, even if two copies of the task get here (the row lock orders them; SQLite writes one at a time)
        Resource.objects.select_for_update().filter(pk=resource.pk).first()
        if group.reviews.filter(resource=resource).exists():
            return True
        review = review_create(group=group, user=leader, title=f"评课：{resource.title}", resource=resource,
                               teacher=teacher if group.memberships.filter(user=teacher).exists() else None,
                               activity=activity)
        for at, body in REVIEW_COMMENTS:
            if asset.duration and at <= asset.duration:
                comment_add(review=review, user=expert or leader, at=at, body=body)
        if activity is not None:
            activity.resources.add(resource)
    return True
