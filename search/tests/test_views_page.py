"""The search page (/search/) over HTTP, on the database backend: what a teacher's browser receives."""
import re

import pytest

from resources.models import Grade, ResourceType, Stage
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    senior = Stage.objects.get(code="senior")
    grade = Grade.objects.get(name="高一")
    return [
        ResourceFactory(
            title="说“木叶” 课件", resource_type=ResourceType.COURSEWARE, stage=senior, grade=grade,
            lesson_title="说“木叶”", chapter_path=["第三单元", "9 说“木叶”"], authors=["林老师"],
        ),
        ResourceFactory(title="说“木叶” 教学设计", resource_type=ResourceType.LESSON_PLAN, stage=senior, grade=grade),
        ResourceFactory(title="秋天的雨 教学设计", resource_type=ResourceType.LESSON_PLAN),
    ]


def page_html(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def results(html):
    return re.findall(r'<li class="result">.*?</li>', html, re.S)


def test_the_page_shows_the_count_and_highlighted_results_in_chinese(client, library):
    html = page_html(client, q="说木叶")
    assert 'value="说木叶"' in html  # the box keeps the query
    assert "共 2 条结果" in html
    cards = results(html)
    assert len(cards) == 2 and all("木叶" in card for card in cards)
    assert "<mark>说“木叶</mark>" in html or "<mark>说</mark>“<mark>木叶</mark>" in html
    assert "秋天的雨" not in html
    assert "作者：林老师" in html and "第三单元 / 9" in html
    # Sorting, and the type facet as links that keep the query and add the filter.
    assert "相关度" in html and "最新" in html and "最常用" in html
    assert 'href="/search/?q=%E8%AF%B4%E6%9C%A8%E5%8F%B6&amp;type=courseware"' in html
    assert 'href="/search/?q=%E8%AF%B4%E6%9C%A8%E5%8F%B6&amp;sort=newest"' in html


def test_a_filter_shows_as_a_chip_that_removes_it(client, library):
    html = page_html(client, q="说木叶", type="courseware", page="2")
    assert "共 1 条结果" in html
    assert "类型：课件" in html
    # The remove link keeps the query and drops the filter (and the page, which no longer applies).
    assert 'class="chip removable" href="/search/?q=%E8%AF%B4%E6%9C%A8%E5%8F%B6"' in html


def test_understood_words_and_the_type_they_select(client, library):
    html = page_html(client, q="说木叶 课件")
    assert "已识别" in html and "类型：课件" in html
    assert f'href="{library[0].get_absolute_url()}"' in results(html)[0]  # the courseware first


def test_hostile_titles_are_escaped(client, library):
    ResourceFactory(title="<script>alert(1)</script>说木叶", authors=["<b>x</b>"])
    html = page_html(client, q="说木叶")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    # The query itself, echoed in the box, the title and the empty state, is escaped too.
    html = page_html(client, q='"><img src=x onerror=alert(1)>')
    assert "<img src=x" not in html


def test_no_results_gives_tips(client, library):
    html = page_html(client, q="不存在的课文名称")
    assert "共 0 条结果" in html
    assert "没有找到与“不存在的课文名称”相关的资源" in html
    assert "错别字" in html and "按学段和学科浏览资源库" in html
    assert not results(html)


def test_words_that_match_only_partly_come_after_a_divider(client, library):
    partial = ResourceFactory(title="木叶的故事")
    html = page_html(client, q="说木叶")
    before, after = html.split("以下结果只包含部分关键词", 1)
    link = f'href="{partial.get_absolute_url()}"'
    assert link in after and link not in before
    assert len(results(before)) == 2 and "<mark>木叶</mark>的故事" in after


@pytest.mark.parametrize("params", [{"page_size": "abc"}, {"page_size": "1000"}, {"page": "0"}, {"sort": "random"}, {"chapter": "x"}])
def test_invalid_parameters_show_a_message_not_an_error_page(client, library, params):
    html = page_html(client, q="说木叶", **params)
    assert 'class="notice error" role="alert"' in html
    assert "共 2 条结果" in html  # the query still runs, with the defaults
    # Links on the page do not carry the bad parameter on.
    (name, value), = params.items()
    main = html.split('role="alert"', 1)[1].split("</main>", 1)[0]
    assert f"{name}={value}" not in main


def test_pages_link_to_each_other(client):
    for n in range(3):
        ResourceFactory(title=f"背影 课件 {n}")
    html = page_html(client, q="背影", page_size="2")
    assert "1 / 2" in html and 'rel="next"' in html and "page=2" in html and "page_size=2" in html
    html = page_html(client, q="背影", page_size="2", page="2")
    assert 'rel="prev"' in html and len(results(html)) == 1


def test_the_home_page_searches_here(client):
    assert 'action="/search/"' in client.get("/").content.decode()


def test_a_later_page_of_partial_matches_says_so_at_the_top(client, library):
    for n in range(3):
        ResourceFactory(title=f"木叶 {n}")
    html = page_html(client, q="说木叶", page_size="2", page="2")
    main = html.split('<ol class="results">', 1)[1]
    assert main.index("以下结果只包含部分关键词") < main.index('<li class="result">')
