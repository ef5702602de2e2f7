"""Browsing 学段 → 学科 → 版本 → 册 → 章节 and the chapter picker's APIs, through HTTP."""
import itertools
import re

import pytest
from django.urls import include, path

from config import urls as site_urls
from resources.models import ChapterNode, Edition, Grade, Resource, Stage, Subject, Textbook, Volume
from tests.factories import ResourceFactory, SchoolFactory, SchoolPairingFactory, UserFactory

pytestmark = pytest.mark.django_db

# The APIs live in resources/api_urls.py; config/urls.py mounts them at /api/v1/. Until it does, these tests mount
# them themselves (pytest.mark.urls(__name__)).
if any(getattr(p, "namespace", None) == "resources_api" for p in site_urls.urlpatterns):
    urlpatterns = site_urls.urlpatterns
else:
    urlpatterns = [path("api/v1/", include("resources.api_urls"))] + site_urls.urlpatterns

_ids = itertools.count(1)


def make_book(edition="统编版", grade="三年级", volume="上册", subject="语文", stage="primary", **extra):
    stage, subject = Stage.objects.get(code=stage), Subject.objects.get(name=subject)
    edition = Edition.objects.get_or_create(name=edition, defaults={"series": edition})[0]
    grade, volume = Grade.objects.get(name=grade), Volume.objects.get(name=volume)
    return Textbook.objects.create(
        external_id=f"book-{next(_ids)}", title=f"{stage}{subject}{edition}{grade}{volume}", stage=stage,
        subject=subject, edition=edition, grade=grade, volume=volume, **extra,
    )


def make_node(book, title, parent=None, kind=ChapterNode.Kind.LESSON, position=None):
    return ChapterNode.objects.create(
        external_id=f"node-{next(_ids)}", textbook=book, parent=parent, title=title, kind=kind,
        depth=parent.depth + 1 if parent else 1, position=position if position is not None else next(_ids),
        path=f"{parent.path} > {title}" if parent else title,
    )


def on(chapter, **kwargs):
    """A resource filed under `chapter`, as an upload or import files it."""
    book = chapter.textbook
    return ResourceFactory(
        chapter=chapter, textbook=book, stage=book.stage, subject=book.subject, grade=book.grade,
        edition=book.edition, volume=book.volume, textbook_title=book.title, chapter_path=chapter.path.split(" > "),
        **kwargs,
    )


@pytest.fixture
def book():
    """统编版 三年级上册: 第一单元 > (1 大青树下的小学, 4 古诗三首 > (山行, 赠刘景文)), 第二单元 > 6 秋天的雨."""
    book = make_book()
    unit1 = make_node(book, "第一单元", kind=ChapterNode.Kind.UNIT, position=1)
    unit2 = make_node(book, "第二单元", kind=ChapterNode.Kind.UNIT, position=2)
    nodes = {
        "unit1": unit1, "unit2": unit2,
        "lesson1": make_node(book, "1 大青树下的小学", unit1, position=1),
        "poems": make_node(book, "4 古诗三首", unit1, position=2),
        "rain": make_node(book, "6 秋天的雨", unit2, position=1),
    }
    nodes["shanxing"] = make_node(book, "山行", nodes["poems"], kind=ChapterNode.Kind.PIECE, position=1)
    nodes["zeng"] = make_node(book, "赠刘景文", nodes["poems"], kind=ChapterNode.Kind.PIECE, position=2)
    book.nodes = nodes
    return book


def tree_counts(response):
    """{title: count} over the textbook page's whole tree."""
    counts = {}

    def walk(items):
        for item in items:
            counts[item["node"].title] = item["count"]
            walk(item["children"])

    walk(response.context["tree"])
    return counts


def book_counts(response):
    return {
        (entry["edition"].name, book["label"]): book["count"]
        for entry in response.context["editions"] for book in entry["books"]
    }


def subject_count(response, stage_code, subject_name):
    for item in response.context["stages"]:
        if item["stage"].code == stage_code:
            return next((s["count"] for s in item["subjects"] if s["name"] == subject_name), None)
    return None


def test_counts_roll_up_from_pieces_to_units(client, book):
    n = book.nodes
    on(n["shanxing"]), on(n["shanxing"]), on(n["zeng"]), on(n["poems"]), on(n["lesson1"])
    on(n["unit1"])  # filed under the unit itself
    response = client.get(f"/resources/textbook/{book.pk}/")
    assert response.status_code == 200
    assert tree_counts(response) == {
        "第一单元": 6, "1 大青树下的小学": 1, "4 古诗三首": 4, "山行": 2, "赠刘景文": 1, "第二单元": 0, "6 秋天的雨": 0,
    }
    assert response.context["total"] == 6
    html = response.content.decode()
    assert '<span class="name">第一单元</span> <span class="count">6</span>' in html
    assert "<details" in html and f'href="/resources/chapter/{n["rain"].pk}/"' in html
    # Breadcrumbs 学段 › 学科 › 版本 › 册
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', html, re.S).group(0)
    for label in ("小学", "语文", "统编版", "三年级 上册"):
        assert label in crumbs
    assert f'/resources/browse/primary/{book.subject_id}/' in crumbs


def cards_of(response):
    """[(lesson title, {type: [titles]})] of a chapter page's cards, in their order."""
    return [(card["node"].title, {group["type"]: [r.title for r in group["resources"]] for group in card["types"]})
            for card in response.context["page"].object_list]


def test_chapter_page_shows_one_card_per_lesson_in_the_books_order_with_its_types(client, book):
    n = book.nodes
    older = on(n["shanxing"], title="山行 教学设计", resource_type="lesson_plan")  # a piece (篇): on its lesson's card
    on(n["poems"], title="古诗三首 课件")
    on(n["lesson1"], title="大青树下的小学 课件")  # made last, yet the book's first lesson
    response = client.get(f"/resources/chapter/{n['unit1'].pk}/")
    assert response.status_code == 200
    assert cards_of(response) == [
        ("1 大青树下的小学", {"courseware": ["大青树下的小学 课件"]}),
        ("4 古诗三首", {"courseware": ["古诗三首 课件"], "lesson_plan": ["山行 教学设计"]}),
    ]
    html = response.content.decode()
    assert "秋天的雨" not in html
    assert f'href="/search/?chapter={n["unit1"].pk}"' in html
    assert f'href="{older.get_absolute_url()}"' in html
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', html, re.S).group(0)
    assert f"/resources/textbook/{book.pk}/" in crumbs and 'aria-current="page">第一单元<' in crumbs
    assert [(item["node"].title, item["count"]) for item in response.context["children"]] == [
        ("1 大青树下的小学", 1), ("4 古诗三首", 2)]
    # the type filter: one type, all its lessons; the chips say how many of each
    assert sorted((value, count) for value, _name, count in response.context["type_counts"]) == [
        ("courseware", 2), ("lesson_plan", 1)]
    plans = client.get(f"/resources/chapter/{n['unit1'].pk}/", {"type": "lesson_plan"})
    assert cards_of(plans) == [("4 古诗三首", {"lesson_plan": ["山行 教学设计"]})]
    assert 'href="?type=courseware"' in plans.content.decode()


def test_a_videos_length_is_said_in_minutes(client, book):
    on(book.nodes["rain"], title="秋天的雨 微课", resource_type="micro_lesson", duration_s=8 * 60 + 40)
    html = client.get(f"/resources/chapter/{book.nodes['rain'].pk}/").content.decode()
    assert "秋天的雨 微课</a> <span class=\"meta\">9 分钟</span>" in html


def test_chapter_page_is_paginated_by_twenty_lessons(client, book):
    unit = make_node(book, "第三单元", kind=ChapterNode.Kind.UNIT, position=3)
    lessons = [make_node(book, f"{i + 10} 课文{i}", unit, position=i) for i in range(25)]
    for lesson in lessons:
        on(lesson, title=f"{lesson.title} 课件")
    first = client.get(f"/resources/chapter/{unit.pk}/")
    assert [title for title, _types in cards_of(first)] == [lesson.title for lesson in lessons[:20]]
    assert "?page=2" in first.content.decode()
    second = client.get(f"/resources/chapter/{unit.pk}/", {"page": 2})
    assert [title for title, _types in cards_of(second)] == [lesson.title for lesson in lessons[20:]]


def test_a_school_resource_is_counted_and_shown_to_that_school_only(client, book):
    school_a = SchoolFactory()
    author = UserFactory(school=school_a)
    colleague, outsider = UserFactory(school=school_a), UserFactory()
    secret = on(book.nodes["shanxing"], title="山行 内部教案", visibility=Resource.Visibility.SCHOOL, school=school_a, uploaded_by=author)
    stage_subject = f"/resources/browse/primary/{book.subject_id}/"
    pages = {
        "home": "/resources/browse/", "subject": stage_subject, "book": f"/resources/textbook/{book.pk}/",
        "unit": f"/resources/chapter/{book.nodes['unit1'].pk}/", "piece": f"/resources/chapter/{book.nodes['shanxing'].pk}/",
    }

    def seen_by(user):
        client.logout()
        if user:
            client.force_login(user)
        got = {name: client.get(url) for name, url in pages.items()}
        return {
            "home": subject_count(got["home"], "primary", "语文"),
            "subject": book_counts(got["subject"])[("统编版", "三年级 上册")],
            "subject_total": got["subject"].context["total"],
            "book": got["book"].context["total"],
            "unit": tree_counts(got["book"])["第一单元"],
            "listed": secret.title in got["unit"].content.decode() and secret.title in got["piece"].content.decode(),
            "unit_page": got["unit"].context["page"].paginator.count,
        }

    assert seen_by(colleague) == {"home": 1, "subject": 1, "subject_total": 1, "book": 1, "unit": 1, "listed": True, "unit_page": 1}
    nothing = {"home": 0, "subject": 0, "subject_total": 0, "book": 0, "unit": 0, "listed": False, "unit_page": 0}
    assert seen_by(outsider) == nothing
    assert seen_by(None) == nothing


def test_a_pairing_resource_reaches_the_paired_school_not_others(client, book):
    pairing = SchoolPairingFactory()
    author = UserFactory(school=pairing.supporting)
    on(book.nodes["rain"], title="秋天的雨 结对共享", visibility=Resource.Visibility.PAIRING, school=pairing.supporting, uploaded_by=author)
    client.force_login(UserFactory(school=pairing.supported))
    assert tree_counts(client.get(f"/resources/textbook/{book.pk}/"))["第二单元"] == 1
    client.force_login(UserFactory())
    assert tree_counts(client.get(f"/resources/textbook/{book.pk}/"))["第二单元"] == 0
    assert "结对共享" not in client.get(f"/resources/chapter/{book.nodes['rain'].pk}/").content.decode()


def test_also_chapters_show_the_resource_under_the_other_edition(client, book):
    other = make_book(edition="人教版")
    other_unit = make_node(other, "第二组", kind=ChapterNode.Kind.UNIT)
    other_lesson = make_node(other, "5 古诗两首", other_unit)
    resource = on(book.nodes["poems"], title="古诗三首 微课")
    resource.also_chapters.add(other_lesson)

    response = client.get(f"/resources/textbook/{other.pk}/")
    assert tree_counts(response) == {"第二组": 1, "5 古诗两首": 1}
    assert response.context["total"] == 1
    listing = client.get(f"/resources/chapter/{other_lesson.pk}/")
    assert cards_of(listing) == [("5 古诗两首", {"courseware": ["古诗三首 微课"]})]
    counts = book_counts(client.get(f"/resources/browse/primary/{book.subject_id}/"))
    assert counts == {("统编版", "三年级 上册"): 1, ("人教版", "三年级 上册"): 1}


def test_a_resource_on_two_nodes_of_one_book_counts_once(client, book):
    n = book.nodes
    resource = on(n["shanxing"], title="山行 赠刘景文 合讲")
    resource.also_chapters.add(n["zeng"], n["rain"])
    response = client.get(f"/resources/textbook/{book.pk}/")
    counts = tree_counts(response)
    assert (counts["山行"], counts["赠刘景文"], counts["4 古诗三首"], counts["第一单元"], counts["第二单元"]) == (1, 1, 1, 1, 1)
    assert response.context["total"] == 1
    assert client.get(f"/resources/chapter/{n['poems'].pk}/").context["page"].paginator.count == 1
    subject = client.get(f"/resources/browse/primary/{book.subject_id}/")
    assert book_counts(subject) == {("统编版", "三年级 上册"): 1}
    assert subject.context["editions"][0]["count"] == 1


def test_subject_page_lists_editions_and_books_even_without_resources(client, book):
    volume2 = make_book(volume="下册")
    make_book(edition="人教版", grade="四年级")
    make_book(grade="三年级", volume="上册", subject="数学")  # another subject: not listed
    on(book.nodes["rain"])
    response = client.get(f"/resources/browse/primary/{book.subject_id}/")
    assert response.status_code == 200
    assert [e["edition"].name for e in response.context["editions"]] == ["统编版", "人教版"]
    assert book_counts(response) == {("统编版", "三年级 上册"): 1, ("统编版", "三年级 下册"): 0, ("人教版", "四年级 上册"): 0}
    html = response.content.decode()
    assert f'<a href="/resources/textbook/{volume2.pk}/" class="zero"' in html
    assert f'<a href="/resources/textbook/{book.pk}/" title=' in html


def test_browse_home_lists_stages_subjects_and_books_without_resources(client, book):
    make_book(subject="数学", grade="七年级", stage="junior")
    on(book.nodes["rain"]), on(book.nodes["rain"])
    response = client.get("/resources/browse/")
    assert response.status_code == 200
    assert subject_count(response, "primary", "语文") == 2
    assert subject_count(response, "junior", "数学") == 0  # a book, no resource yet
    html = response.content.decode()
    assert f'href="/resources/browse/primary/{book.subject_id}/"' in html
    assert 'id="stage-primary"' in html and 'id="stage-senior"' in html


@pytest.mark.parametrize("url", [
    "/resources/textbook/999999/", "/resources/chapter/999999/", "/resources/browse/nowhere/1/", "/resources/browse/primary/999999/",
])
def test_unknown_pages_are_404(client, url):
    assert client.get(url).status_code == 404


def test_textbook_page_queries_do_not_grow_with_the_tree(client, django_assert_max_num_queries):
    book = make_book()
    for u in range(5):
        unit = make_node(book, f"第{u + 1}单元", kind=ChapterNode.Kind.UNIT, position=u)
        for n in range(5):
            lesson = make_node(book, f"{u * 5 + n + 1} 课文{u}{n}", unit, position=n)
            make_node(book, f"篇{u}{n}", lesson, kind=ChapterNode.Kind.PIECE, position=0)
            on(lesson)
            on(lesson).also_chapters.add(unit)
    client.force_login(UserFactory())
    assert ChapterNode.objects.filter(textbook=book).count() == 55
    with django_assert_max_num_queries(12):
        response = client.get(f"/resources/textbook/{book.pk}/")
    assert tree_counts(response)["第1单元"] == 10
    chapter = ChapterNode.objects.get(title="第2单元")
    with django_assert_max_num_queries(14):
        response = client.get(f"/resources/chapter/{chapter.pk}/")
    assert response.context["total"] == 10 and len(response.context["page"].object_list) == 5


@pytest.mark.urls(__name__)
def test_chapter_api_prefers_lessons_starting_with_the_text_and_gives_paths(client, book):
    other = make_book(edition="人教版", grade="四年级")
    make_node(other, "读古诗的方法", make_node(other, "第一组", kind=ChapterNode.Kind.UNIT), kind=ChapterNode.Kind.SECTION)
    response = client.get("/api/v1/chapters", {"q": "古诗"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    results = response.json()["results"]
    assert [r["title"] for r in results] == ["4 古诗三首", "读古诗的方法"]
    first = results[0]
    assert first["id"] == book.nodes["poems"].pk and first["kind"] == "lesson"
    assert first["path"] == ["第一单元", "4 古诗三首"]
    assert first["textbook"] == {
        "id": book.pk, "title": book.title, "label": "三年级 上册", "note": "", "edition": "统编版", "grade": "三年级",
        "volume": "上册", "subject": "语文", "stage": "小学",
    }
    assert "古诗三首".encode() in response.content  # Chinese as text, not \\u escapes
    assert "resources" not in response.json() and "count" not in first

    only_book = client.get("/api/v1/chapters", {"q": "古诗", "textbook": other.pk}).json()["results"]
    assert [r["title"] for r in only_book] == ["读古诗的方法"]
    by_path = client.get("/api/v1/chapters", {"q": "第一单元 山"}).json()["results"]
    assert [r["path"] for r in by_path] == [["第一单元", "4 古诗三首", "山行"]]
    assert client.get("/api/v1/chapters", {"q": "古诗", "stage": "junior"}).json()["results"] == []
    assert len(client.get("/api/v1/chapters", {"q": "古诗", "stage": "primary", "subject": "语文", "limit": 1}).json()["results"]) == 1
    assert client.get("/api/v1/chapters", {"q": ""}).json() == {"results": []}
    assert client.get("/api/v1/chapters", {"q": "古诗", "limit": "many"}).status_code == 400
    assert client.get("/api/v1/chapters", {"q": "古诗", "textbook": "x"}).status_code == 400


@pytest.mark.urls(__name__)
def test_chapter_api_caps_results_at_twenty(client):
    book = make_book()
    unit = make_node(book, "第一单元", kind=ChapterNode.Kind.UNIT)
    for i in range(30):
        make_node(book, f"{i + 1} 识字{i}", unit)
    results = client.get("/api/v1/chapters", {"q": "识字", "limit": 100}).json()["results"]
    assert len(results) == 20
    assert results[0]["title"] == "1 识字0"


@pytest.mark.urls(__name__)
def test_textbook_api_filters_books_for_the_selects(client, book):
    math = make_book(subject="数学")
    junior = make_book(stage="junior", grade="七年级")
    all_books = client.get("/api/v1/textbooks").json()["results"]
    assert {b["id"] for b in all_books} == {book.pk, math.pk, junior.pk}
    chinese = client.get("/api/v1/textbooks", {"stage": "primary", "subject": "语文"}).json()["results"]
    assert [b["id"] for b in chinese] == [book.pk]
    by_ids = client.get("/api/v1/textbooks", {"stage": junior.stage_id, "subject": junior.subject_id, "edition": "统编版"}).json()
    assert [b["id"] for b in by_ids["results"]] == [junior.pk]
    assert by_ids["results"][0]["label"] == "七年级 上册"


def test_the_chapter_picker_offers_first_the_version_the_teachers_school_uses_most(client):
    new, old = make_book(curriculum="新教材"), make_book(curriculum="旧教材")
    new_poems, old_poems = make_node(new, "4 古诗三首"), make_node(old, "4 古诗三首")
    teacher = UserFactory()
    for _ in range(2):
        on(old_poems, school=teacher.school)
    on(new_poems)  # another school's

    def first_book():
        answer = client.get("/api/v1/chapters", {"q": "古诗三首"})
        return answer.json()["results"][0]["id"], answer["Cache-Control"]

    assert first_book()[0] == new_poems.pk  # anonymous: the print schools teach now
    client.force_login(teacher)
    chapter, cache = first_book()
    assert chapter == old_poems.pk and "private" in cache
    client.force_login(UserFactory())  # a school that files nothing there: the current print
    assert first_book()[0] == new_poems.pk
