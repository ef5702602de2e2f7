"""GET /api/v1/search and /api/v1/search/suggest through HTTP, on both backends."""
import pytest


def test_search_api_shape(client, backend, corpus):
    response = client.get("/api/v1/search", {"q": "背影 课件", "page_size": 3})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 5
    assert len(data["results"]) == 3
    first = data["results"][0]
    assert first["external_id"] == "t:bei_cw"
    for key in ("id", "external_id", "title", "type", "stage", "grade", "subject", "edition", "volume", "chapter_path", "url", "highlight"):
        assert key in first
    assert first["grade"] == "八年级" and first["chapter_path"] == ["第四单元", "14 背影"]
    assert "<mark>" in first["highlight"]["title"]
    assert client.get(first["url"]).status_code == 200
    assert set(data["facets"]) == {"stage", "grade", "subject", "edition", "volume", "type", "chapter"}
    assert {"value": "courseware", "label": "课件", "count": 1} in data["facets"]["type"]
    assert data["backend"] == backend.name


def test_search_api_filters_and_sort(client, backend, corpus):
    data = client.get("/api/v1/search", {"grade": "九年级", "subject": "道德与法治", "type": "courseware", "sort": "newest"}).json()
    assert [r["external_id"] for r in data["results"]] == ["t:life2", "t:life", "t:xianfa9"]
    data = client.get("/api/v1/search", {"chapter": corpus.lesson_node.pk}).json()
    assert {r["external_id"] for r in data["results"]} == {"t:poem_cw", "t:poem_lp"}


@pytest.mark.parametrize("params", [{"page": "0"}, {"page_size": "1000"}, {"page": "x"}, {"sort": "random"}, {"chapter": "abc"}])
def test_search_api_rejects_bad_parameters_with_a_message(client, backend, params):
    response = client.get("/api/v1/search", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["error"]


def test_search_api_respects_visibility(client, backend, corpus):
    def ids():
        return {r["external_id"] for r in client.get("/api/v1/search", {"q": "背影"}).json()["results"]}

    assert "t:private_a" not in ids()
    client.force_login(corpus.teacher_b)
    assert "t:private_a" not in ids() and "t:school_a" not in ids()
    client.force_login(corpus.teacher_a)
    assert {"t:private_a", "t:school_a", "t:pairing_a"} <= ids()


def test_suggest_api(client, backend, corpus):
    data = client.get("/api/v1/search/suggest", {"q": "背"}).json()
    assert data["suggestions"] and all("背" in s for s in data["suggestions"])
    assert client.get("/api/v1/search/suggest", {"q": ""}).json() == {"suggestions": []}


def test_search_api_refuses_pages_past_ten_thousand_results(client, backend):
    response = client.get("/api/v1/search", {"page": "101", "page_size": "100"})
    assert response.status_code == 400
    assert "10000" in response.json()["error"]
