"""Demo content for `make run`: the catalogue, resources, two paired schools and their people, then the
teaching research (research.py).

Uses ../shared/data when it is beside the project (the real catalogue and a few thousand real
resource records); otherwise the small built-in set in demo/content/.
"""
import datetime
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw

from accounts.models import School, SchoolPairing, User
from home.models import HomePage
from research.models import GroupMembership, ResearchGroup
from resources.catalogue import read_catalogue
from resources.importing import read_resource_file
from resources.licences import DEFAULT_LICENCE
from resources.models import Resource, Subject, Textbook
from resources.previews import resource_preview_request
from resources.services import resource_submit_for_moderation, resources_import, textbooks_import, vocabulary_seed

from .lessons import demo_lessons_queue
from .research import research_demo_load

BUILTIN_DIR = Path(__file__).resolve().parent / "content"

DEMO_PASSWORD = "kexiang-demo"
DEMO_USERS = [
    # username, full name, phone, role, school key, staff/superuser
    ("admin", "管理员", None, User.Role.SCHOOL_ADMIN, "city", True),
    ("liwei", "李伟", "13800138000", User.Role.GROUP_LEADER, "city", False),
    ("zhangfang", "张芳", "13900139000", User.Role.TEACHER, "village", False),
    ("wangjing", "王静", "13700137000", User.Role.DISTRICT_RESEARCHER, None, False),
]


# Resource records imported before the server starts; the rest of a large file follows in the worker, so a
# first `make run` serves its home page as soon as with a small demo (the full 7,325 take ~6 s more).
IMPORT_BEFORE_START = 3000


@dataclass
class DemoSource:
    catalogue: Path
    resources: Path
    shared: bool


def demo_source(shared_dir=None) -> DemoSource:
    shared_dir = Path(shared_dir or settings.KEXIANG_SHARED_DATA_DIR)
    jsonl = shared_dir / "smartedu_micro_lessons" / "resources.jsonl"
    if (shared_dir / "smartedu_textbook_catalog").is_dir() and jsonl.is_file():
        return DemoSource(shared_dir, jsonl, True)
    return DemoSource(BUILTIN_DIR, BUILTIN_DIR / "resources.jsonl", False)


def demo_is_loaded():
    return User.objects.filter(username="admin").exists() and Resource.objects.exists()


def demo_load(*, source: DemoSource, log=print):
    vocabulary_seed()
    report = textbooks_import(catalogue=read_catalogue(source.catalogue))
    log(f"教材 textbooks: +{report.books.created}, 章节 chapters: +{report.chapters.created}")
    rows, errors = read_resource_file(source.resources)
    counts = resources_import(rows=rows[:IMPORT_BEFORE_START])
    log(f"资源 resources: +{counts.created} (updated {counts.updated}, skipped {len(errors)})")
    if len(rows) > IMPORT_BEFORE_START:
        from .tasks import demo_resources_rest_task  # noqa: PLC0415  (the task calls back into this module)

        transaction.on_commit(lambda: demo_resources_rest_task.delay(str(source.resources), IMPORT_BEFORE_START))
        log(f"资源 resources: the other {len(rows) - IMPORT_BEFORE_START} follow in the background (a few seconds)")
    _people_and_groups()
    _shared_by_teachers(log)
    research_demo_load(log)
    demo_lessons_queue(presenter=User.objects.get(username="liwei"), log=log)
    home = HomePage.objects.first()
    if home and not home.intro:
        home.intro = _demo_intro(source=source, records=len(rows), books=Textbook.objects.count())
        home.save_revision().publish()


@transaction.atomic
def _people_and_groups():
    city, _c = School.objects.get_or_create(
        name="城区实验小学", defaults={"short_name": "城区实验", "kind": School.Kind.SUPPORTING, "region": "示例市示例区"}
    )
    village, _c = School.objects.get_or_create(
        name="乡村中心小学", defaults={"short_name": "乡村中心", "kind": School.Kind.SUPPORTED, "region": "示例市示例县"}
    )
    pairing, _c = SchoolPairing.objects.get_or_create(
        supporting=city, supported=village,
        defaults={"starts_on": datetime.date(2025, 9, 1), "ends_on": datetime.date(2028, 7, 31), "programme": "城乡学校结对帮扶"},
    )
    schools = {"city": city, "village": village}
    users = {}
    for username, full_name, phone, role, school_key, superuser in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, phone=phone, role=role,
                        school=schools.get(school_key), is_staff=superuser, is_superuser=superuser)
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
        users[username] = user
    group, _c = ResearchGroup.objects.get_or_create(
        name="三年级语文联合教研组", defaults={"pairing": pairing, "school": city, "subject": Subject.objects.filter(name="语文").first()}
    )
    for username, role in (("liwei", GroupMembership.Role.LEADER), ("zhangfang", GroupMembership.Role.MEMBER),
                           ("wangjing", GroupMembership.Role.GUEST_EXPERT)):
        GroupMembership.objects.get_or_create(group=group, user=users[username], defaults={"role": role})


def demo_resume(*, source: DemoSource, log=print):
    """On a later start: what the worker did not finish (its task lost, FFmpeg missing then) is queued again:
    the demo lessons that are not there, and the records of the file not imported yet."""
    demo_lessons_queue(presenter=User.objects.filter(username="liwei").first(), log=log)
    if not source.shared:
        return
    rows, _errors = read_resource_file(source.resources)
    have = set(Resource.objects.filter(external_id__in=[row["external_id"] for row in rows])
               .values_list("external_id", flat=True))
    if len(have) < len(rows):
        from .tasks import demo_resources_rest_task  # noqa: PLC0415  (the task calls back into this module)

        transaction.on_commit(lambda: demo_resources_rest_task.delay(str(source.resources), 0))
        log(f"资源 resources: {len(rows) - len(have)} not imported yet follow in the background")


def demo_resources_rest(*, path, start):
    """The records of a large demo file after the first `start` (imported before the server started)."""
    rows, _errors = read_resource_file(path)
    return resources_import(rows=rows[start:])


def _demo_intro(*, source, records, books):
    """The home page's note of what the demo holds (an editor changes it in the admin like any intro)."""
    origin = ("国家中小学智慧教育平台公开的教材目录与课程资源记录（只有目录信息，不含文件）" if source.shared
              else "课享内置的小型示例目录")
    return (f"<p>城乡结对学校共享教案、课件与微课，一起开展教研。</p><p><b>这是示例站点</b>：{origin}，"
            f"共 {books:,} 册教材、{records:,} 条资源；3 节可播放的示例课（用 FFmpeg 生成，启动后约一分钟内出现）；"
            f"两所结对学校和一个联合教研组，它的公开页面有示范课安排和录像。示例账号见启动信息。</p>")


def _demo_pdf(title, pages=3):
    """A small courseware PDF drawn with Pillow, so the demo needs no files beside the project."""
    images = [Image.new("RGB", (1000, 563), "white") for _ in range(pages)]
    for number, image in enumerate(images, start=1):
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, 1000, 70), fill=(11, 110, 79))
        draw.text((40, 25), f"{title}  -  {number}/{pages}", fill="white")
        draw.text((40, 120), "Kexiang demo courseware", fill="black")
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def _shared_by_teachers(log):
    """Two resources a teacher shared: one waiting for moderation (public asked), one for the school, with previews."""
    teacher = User.objects.get(username="zhangfang")
    chapter = Resource.objects.filter(chapter__isnull=False).select_related("chapter", "textbook").first()
    for title, public in (("示范课件（演示）", True), ("校内共享讲义（演示）", False)):
        if Resource.objects.filter(title=title, uploaded_by=teacher).exists():
            continue
        with transaction.atomic():
            resource = Resource(
                external_id=f"demo-upload:{title}", title=title, resource_type="courseware", format="pdf",
                licence=DEFAULT_LICENCE, authors=[teacher.full_name], school=teacher.school, uploaded_by=teacher,
                visibility=Resource.Visibility.SCHOOL, original_filename=f"{title}.pdf",
                subject=Subject.objects.filter(name="语文").first(),
            )
            if chapter is not None:
                for name in ("chapter", "textbook", "stage", "grade", "subject", "edition", "volume"):
                    setattr(resource, name, getattr(chapter, name))
                resource.chapter_path, resource.lesson_title = chapter.chapter_path, chapter.lesson_title
                resource.textbook_title = chapter.textbook_title
            data = _demo_pdf(title)
            resource.size_bytes = len(data)
            resource.attachment.save(f"demo-{abs(hash(title)) % 10**8}.pdf", ContentFile(data), save=False)
            resource.full_clean()
            resource.save()
            resource_preview_request(resource=resource)
            if public:
                resource_submit_for_moderation(resource=resource, user=teacher)
    log("共享演示 shared by teachers: 2 (one waiting for moderation in /admin/)")
