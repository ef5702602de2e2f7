"""Broad searches: counts and facets estimated from the sample (search/sample.py) and marked so (API and
page), the page still ranked best first; narrow searches exact. On the database backend (PostgreSQL in CI's
main run, SQLite in its second, so both dialects) and on a real Elasticsearch."""
import pytest

from resources.models import Resource, ResourceType
from resources.services import resources_import
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(settings, backend):
    settings.KEXIANG_SEARCH_EXACT_UP_TO = 5
    settings.KEXIANG_SEARCH_CANDIDATES = 3


@pytest.fixture
def units(small_limits, backend):
    """Ten resources with 单元 in their chapter path only, the oldest one with it in its title too."""
    best = ResourceFactory(title="单元复习 课件", chapter_path=["第二单元", "单元复习"], lesson_title="单元复习")
    others = [
        ResourceFactory(title=f"课文朗读 {n}", chapter_path=["第一单元", f"{n} 课文"], lesson_title=f"课文 {n}")
        for n in range(9)
    ]
    ResourceFactory(title="说“木叶” 教学设计", resource_type=ResourceType.LESSON_PLAN)
    backend.sync()
    return best, others


def search(client, **params):
    response = client.get("/api/v1/search", params)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["backend"] in ("database", "elasticsearch")
    return data


def test_a_broad_search_is_marked_as_estimated_and_still_ranks_the_best_first(client, units):
    best, _others = units
    data = search(client, q="单元")
    assert data["count_is_estimate"] is True
    assert data["count"] > 5  # more than the exact limit, whatever the sample saw
    # The title match is the oldest resource, outside the newest three matches: the title tier's own
    # candidates bring it in, so it still comes first.
    assert data["results"][0]["id"] == best.pk
    assert {r["id"] for r in data["results"]} <= {best.pk} | {o.pk for o in _others}


@pytest.mark.parametrize("page_size", [3, 4])
def test_small_pages_of_a_broad_search_keep_the_title_match_first_and_lose_nothing(client, units, page_size):
    """A pool smaller than the matches: the title match (the oldest) still leads, and the pages together
    list every match once."""
    best, others = units
    seen = []
    for page in range(1, 5):
        data = search(client, q="单元", page_size=page_size, page=page)
        assert data["count_is_estimate"] is True
        seen += [r["id"] for r in data["results"]]
    assert seen[0] == best.pk
    assert sorted(seen) == sorted([best.pk] + [o.pk for o in others])


def test_a_narrow_search_is_exact(client, units):
    data = search(client, q="木叶")
    assert data["count_is_estimate"] is False
    assert data["count"] == 1
    assert [b["count"] for b in data["facets"]["type"]] == [1]


def test_browsing_a_broad_filter_is_estimated_and_a_narrow_one_exact(client, units):
    assert search(client, subject="语文")["count_is_estimate"] is True
    narrow = search(client, type="lesson_plan")
    assert (narrow["count"], narrow["count_is_estimate"]) == (1, False)


def test_the_page_says_about(client, units):
    html = client.get("/search/", {"q": "单元"}).content.decode()
    assert 'data-estimate="1"' in html
    assert "约" in html.split('class="result-count"', 1)[1].split("</p>", 1)[0]
    exact = client.get("/search/", {"q": "木叶"}).content.decode()
    assert "共 1 条结果" in exact and 'data-estimate="1"' not in exact


def test_the_estimate_is_close_on_a_larger_library(settings, backend, client):
    """1,280 resources through the import path: the sample (one in 64) sees about 20 and the estimate
    lands within a quarter of the truth, for the count and for the facet that holds them all."""
    settings.KEXIANG_SEARCH_EXACT_UP_TO = 100
    rows = [{
        "external_id": f"bulk:{n}", "title": f"第{n}课 单元练习", "resource_type": "courseware", "stage": "小学",
        "grade": "三年级", "subject": "语文", "edition": "统编版", "volume": "上册", "textbook": "", "chapter_path": [],
        "lesson_title": "", "authors": [], "format": "", "duration_s": None, "size_bytes": None, "width": None,
        "height": None, "source": "", "description": "", "tags": [], "file": "", "extra": {},
    } for n in range(1280)]
    resources_import(rows=rows)
    assert Resource.objects.count() == 1280
    backend.sync()
    data = search(client, q="单元练习")
    assert data["backend"] == backend.name
    assert data["count_is_estimate"] is True
    assert 960 <= data["count"] <= 1600, data["count"]
    (subject,) = data["facets"]["subject"]
    assert subject["value"] == "语文" and 960 <= subject["count"] <= 1600
    assert len(data["results"]) == 20
