"""What teachers type and what a search that finds nothing offers (issue 20): abbreviations such as 三上, a lesson
title that holds a stage word, chapters of the catalogue that exist without resources, words read as filters."""
import re

import pytest

from resources.models import ChapterNode
from resources.tests.test_browse import make_book, make_node, on
from search.query import query_parse, vocabulary_forget
from tests.browser import PHONE, phone_page, screenshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    vocabulary_forget()
    book = make_book(grade="八年级", volume="上册", stage="junior")
    unit = make_node(book, "第四单元", kind=ChapterNode.Kind.UNIT, position=4)
    back = make_node(book, "15 背影", unit, position=15)
    primary = make_book()
    lesson = make_node(primary, "1 大青树下的小学", position=1)
    on(lesson, title="《大青树下的小学》课件", lesson_title="大青树下的小学")
    yield {"back": back, "lesson": lesson}
    vocabulary_forget()


@pytest.mark.parametrize("typed, grade, volume", [("三上", "三年级", "上册"), ("二下", "二年级", "下册"),
                                                  ("七年级下", "七年级", "下册"), ("4上册", "四年级", "上册")])
def test_grade_and_volume_abbreviations(typed, grade, volume):
    vocabulary_forget()
    parsed = query_parse(f"秋天的雨 {typed}")
    assert parsed.filters == {"grade": grade, "volume": volume} and parsed.terms == ["秋天的雨"]


def test_a_lesson_title_holding_a_stage_word_stays_text(catalogue):
    parsed = query_parse("大青树下的小学")
    assert parsed.terms == ["大青树下的小学"] and "stage" not in parsed.filters
    assert query_parse("小学 语文").filters == {"stage": "小学", "subject": "语文"}  # on their own, still filters


def page_text(client, q):
    html = client.get("/search/", {"q": q}).content.decode()
    return html, " ".join(re.sub(r"<[^>]+>", "", html[html.find("<main"):html.find("</main>")]).split())


def test_a_lesson_title_search_finds_the_lesson_and_says_no_filter(client, catalogue):
    _html, text = page_text(client, "大青树下的小学")
    assert "《大青树下的小学》课件" in text and "学段：小学" not in text and "共 1 条结果" in text


def test_nothing_found_offers_the_chapter_that_exists(client, catalogue):
    html = client.get("/search/", {"q": "背影"}).content.decode()
    assert "只输入课名：背影" not in html
    assert f'href="/resources/chapter/{catalogue["back"].pk}/"' in html and "15 背影" in html
    assert "统编版 八年级 上册" in html and "还没有资源" in html


def test_nothing_found_says_which_words_were_read_as_filters(client, catalogue):
    html, text = page_text(client, "三年级 数学 课件")
    assert "“数学”被理解为数学： 这里还没有资源。" in text or "“数学”被理解为数学：这里还没有资源。" in text
    assert "“三年级”被理解为三年级： 这里有 1 个资源。" in text or "“三年级”被理解为三年级：这里有 1 个资源。" in text
    assert 'href="/search/?q=%E4%B8%89%E5%B9%B4%E7%BA%A7+%E8%AF%BE%E4%BB%B6"' in html  # 三年级 课件: without 数学
    _html, found = page_text(client, "三年级 课件")
    assert "共 1 条结果" in found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_teacher_who_finds_nothing_is_led_to_the_chapter_on_a_phone(live_server, catalogue):
    with phone_page() as page:
        page.goto(f"{live_server.url}/search/?q=背影")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "walkthrough-search-dead-end")
        page.click(".dead-end-chapters a")
        page.wait_for_url(f"**/resources/chapter/{catalogue['back'].pk}/")
        assert "15 背影" in page.inner_text("h1")
        page.goto(f"{live_server.url}/search/?q=三年级 数学 课件")
        screenshot(page, "walkthrough-search-filters")
        page.click(".dead-end-filters a.without-word[href='/search/?q=%E4%B8%89%E5%B9%B4%E7%BA%A7+%E8%AF%BE%E4%BB%B6']")
        page.wait_for_url("**/search/?q=*")
        assert "《大青树下的小学》课件" in page.inner_text("main")
