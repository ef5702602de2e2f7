"""Search fixtures: the same behavioural tests run on the database backend and on a real Elasticsearch.

The Elasticsearch case needs ELASTICSEARCH_URL (scripts/services/elasticsearch.sh start) and gets an
alias of its own, removed afterwards, so tests never touch another index.
"""
import dataclasses
import uuid

import pytest

from accounts.models import School, SchoolPairing, User
from resources.models import ChapterNode, Edition, Grade, Resource, Stage, Subject, Textbook, Volume
from search import selectors, services
from search.backends import elastic
from search.backends.database import DatabaseBackend
from search.backends.elastic import ElasticsearchBackend


@dataclasses.dataclass
class Backend:
    name: str
    impl: object
    alias: str = ""

    def sync(self):
        """Make every change so far searchable (outbox to Elasticsearch, then a refresh)."""
        if self.name == "elasticsearch":
            services.outbox_replay()
            elastic.client().indices.refresh(index=self.alias + "*")


def use_elasticsearch(settings):
    settings.ELASTICSEARCH_URL = settings.KEXIANG_TEST_ELASTICSEARCH_URL
    settings.KEXIANG_SEARCH_INDEX = f"kexiang-test-{uuid.uuid4().hex[:10]}"
    selectors.backend_reset()
    return settings.KEXIANG_SEARCH_INDEX


def drop_indices(alias):
    from django.conf import settings

    elastic._client(settings.KEXIANG_TEST_ELASTICSEARCH_URL, 30).indices.delete(index=alias + "*", ignore=[404])


@pytest.fixture(params=["database", pytest.param("elasticsearch", marks=pytest.mark.search)])
def backend(request, settings, db):
    if request.param == "database":
        settings.ELASTICSEARCH_URL = ""
        yield Backend("database", DatabaseBackend())
        return
    alias = use_elasticsearch(settings)
    elastic.index_ensure()
    try:
        yield Backend("elasticsearch", ElasticsearchBackend(), alias)
    finally:
        drop_indices(alias)
        selectors.backend_reset()


@pytest.fixture
def es_alias(settings, db):
    """Elasticsearch only (tests of the cluster's own behaviour: outbox, alias swap)."""
    alias = use_elasticsearch(settings)
    try:
        yield alias
    finally:
        drop_indices(alias)
        selectors.backend_reset()


def _taxonomy():
    t = {}
    t["primary"], _ = Stage.objects.get_or_create(name="小学", defaults={"code": "primary"})
    t["junior"], _ = Stage.objects.get_or_create(name="初中", defaults={"code": "junior"})
    for name, stage in (("三年级", "primary"), ("六年级", "primary"), ("八年级", "junior"), ("九年级", "junior")):
        t[name], _ = Grade.objects.get_or_create(name=name, defaults={"stage": t[stage]})
    t["语文"], _ = Subject.objects.get_or_create(name="语文")
    t["道德与法治"], _ = Subject.objects.get_or_create(name="道德与法治")
    t["统编版"], _ = Edition.objects.get_or_create(name="统编版", defaults={"series": "统编版"})
    t["上册"], _ = Volume.objects.get_or_create(name="上册")
    t["下册"], _ = Volume.objects.get_or_create(name="下册")
    return t


@dataclasses.dataclass
class Corpus:
    t: dict
    school_a: School
    school_b: School
    school_c: School
    teacher_a: User
    teacher_b: User
    teacher_c: User
    lesson_node: ChapterNode
    unit_node: ChapterNode
    r: dict  # name -> Resource


@pytest.fixture
def corpus(backend):
    """A small library with known answers; `backend.sync()` has been called."""
    t = _taxonomy()
    book = Textbook.objects.create(
        external_id="book-3a", title="语文 三年级上册", stage=t["primary"], grade=t["三年级"], subject=t["语文"],
        edition=t["统编版"], volume=t["上册"],
    )
    unit = ChapterNode.objects.create(external_id="u2", textbook=book, title="第二单元", kind="unit", depth=0, position=2, path="第二单元")
    lesson = ChapterNode.objects.create(
        external_id="l4", textbook=book, parent=unit, title="4 古诗三首", kind="lesson", depth=1, position=4, path="第二单元 > 4 古诗三首"
    )
    for i, piece in enumerate(["山行", "赠刘景文", "夜书所见"]):
        ChapterNode.objects.create(
            external_id=f"p{i}", textbook=book, parent=lesson, title=piece, kind="piece", depth=2, position=i,
            path=f"第二单元 > 4 古诗三首 > {piece}",
        )
    other_lesson = ChapterNode.objects.create(
        external_id="l5", textbook=book, parent=unit, title="5 铺满金色巴掌的水泥道", kind="lesson", depth=1, position=5,
        path="第二单元 > 5 铺满金色巴掌的水泥道",
    )
    school_a = School.objects.create(name="甲县第一小学")
    school_b = School.objects.create(name="乙县第二小学")
    school_c = School.objects.create(name="丙市实验小学", kind=School.Kind.SUPPORTING)
    SchoolPairing.objects.create(supporting=school_c, supported=school_a, starts_on="2025-09-01")
    teacher_a = User.objects.create_user("teacher_a", password="x", full_name="甲老师", school=school_a)
    teacher_b = User.objects.create_user("teacher_b", password="x", full_name="乙老师", school=school_b)
    teacher_c = User.objects.create_user("teacher_c", password="x", full_name="丙老师", school=school_c)

    def make(key, title, rtype, grade="八年级", subject="语文", lesson_title="", path=(), chapter=None, **extra):
        stage = t["primary"] if grade in ("三年级", "六年级") else t["junior"]
        return key, Resource.objects.create(
            external_id=f"t:{key}", title=title, resource_type=rtype, stage=stage, grade=t[grade], subject=t[subject],
            edition=t["统编版"], volume=t["上册"], lesson_title=lesson_title or title, chapter_path=list(path),
            chapter=chapter, **extra,
        )

    poem_path = ["第二单元", "4 古诗三首"]
    r = dict([
        make("poem_cw", "古诗三首（第一课时）", "courseware", "三年级", lesson_title="4 古诗三首", path=poem_path, chapter=lesson),
        make("poem_lp", "古诗三首 教学设计", "lesson_plan", "三年级", lesson_title="4 古诗三首", path=poem_path, chapter=lesson),
        make("poem6_cw", "古诗三首", "courseware", "六年级", lesson_title="1 古诗三首", path=["第一单元", "1 古诗三首"]),
        make("cement", "铺满金色巴掌的水泥道", "micro_lesson", "三年级", path=["第二单元", "5 铺满金色巴掌的水泥道"], chapter=other_lesson),
        make("bei_ml", "背影（第一课时）", "micro_lesson", lesson_title="14 背影", path=["第四单元", "14 背影"], use_count=50),
        make("bei_cw", "背影", "courseware", lesson_title="14 背影", path=["第四单元", "14 背影"], use_count=5),
        make("bei_lp", "背影", "lesson_plan", lesson_title="14 背影", path=["第四单元", "14 背影"]),
        make("bei_ex", "背影 课后练习", "exercise", lesson_title="14 背影", path=["第四单元", "14 背影"]),
        make("bei_ws", "背影", "worksheet", lesson_title="14 背影", path=["第四单元", "14 背影"]),
        make("muye", "说“木叶”（第一课时）", "courseware", "九年级", lesson_title="说“木叶”", path=["第三单元", "9 说“木叶”"]),
        make("jiaolong", "“蛟龙”探海", "lesson_plan", "八年级", lesson_title="23 “蛟龙”探海", path=["第六单元", "23 “蛟龙”探海"]),
        make("xianfa8", "坚持宪法至上", "micro_lesson", "八年级", "道德与法治", path=["第一单元 坚持宪法至上"],
             authors=["叶婉帼(道德与法治教研员、高级教师)"]),
        make("xianfa9", "宪法是根本法", "courseware", "九年级", "道德与法治", path=["第三单元 人民当家作主"]),
        make("life", "共筑生命家园", "courseware", "九年级", "道德与法治", path=["第六单元", "共筑生命家园"]),
        make("life2", "珍爱生命", "courseware", "九年级", "道德与法治", path=["第四单元", "珍爱生命"]),
        make("private_a", "背影 我的私密教案", "lesson_plan", lesson_title="14 背影", visibility="private", school=school_a,
             uploaded_by=teacher_a),
        make("school_a", "背影 本校教案", "lesson_plan", lesson_title="14 背影", visibility="school", school=school_a,
             uploaded_by=teacher_a),
        make("pairing_a", "背影 结对校共享课件", "courseware", lesson_title="14 背影", visibility="pairing", school=school_a,
             uploaded_by=teacher_a),
    ])
    backend.sync()
    return Corpus(t, school_a, school_b, school_c, teacher_a, teacher_b, teacher_c, lesson, unit, r)
