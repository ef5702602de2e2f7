"""A pasted page in a search box: a 5,000-word query on every search and list page answers 200 or 400, never
500, in Django itself (the text is cut to what a query can afford before it reaches the database) and through
the real app server (which refuses a request line that long, 414 URI Too Long, a 400-class answer)."""
import pytest
from django.urls import reverse

from research.models import GroupMembership
from tests.factories import ResearchGroupFactory, ResourceFactory, UserFactory

WORDS = " ".join(f"古诗{n} 课件 the{n}" for n in range(5000 // 3 + 1)).split()[:5000]
QUERY = " ".join(WORDS)


def pages(group):
    return [
        ("/search/", {"q": QUERY}),
        ("/search/", {"q": QUERY, "subject": "语文", "sort": "newest"}),
        ("/api/v1/search", {"q": QUERY}),
        ("/api/v1/search", {"q": QUERY, "grade": "三年级", "type": "courseware"}),
        ("/api/v1/search/suggest", {"q": QUERY}),
        ("/resources/", {"q": QUERY}),
        ("/resources/", {"q": QUERY, "stage": "primary"}),
        ("/api/v1/chapters", {"q": QUERY}),
        (reverse("research:search"), {"q": QUERY}),
        (reverse("research:review_new", args=[group.pk]), {"q": QUERY}),
    ]


@pytest.fixture
def world(db):
    teacher = UserFactory(username="liwei")
    group = ResearchGroupFactory()
    GroupMembership.objects.create(group=group, user=teacher)
    for n in range(3):
        ResourceFactory(title=f"古诗三首 课件 {n}", live=True)
    return teacher, group


@pytest.mark.django_db
def test_five_thousand_words_in_every_box_answer_without_error_in_django(client, world):
    teacher, group = world
    assert len(WORDS) == 5000
    for signed_in in (False, True):
        if signed_in:
            client.force_login(teacher)
        for path, params in pages(group):
            response = client.get(path, params)
            assert response.status_code in (200, 302, 400), (path, signed_in, response.status_code)
            if signed_in or not path.startswith("/research/"):
                assert response.status_code == 200, (path, response.status_code)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_five_thousand_words_through_the_app_server_answer_200_or_a_client_error(served, world):
    import requests

    teacher, group = world
    from tests.serving import signed_in

    base = served()
    for session in (requests.Session(), signed_in(teacher)):
        for path, params in pages(group):
            status = session.get(base + path, params=params, timeout=60, allow_redirects=False).status_code
            assert status in (200, 400, 414), (path, status)
        # a long query that fits in a request line reaches Django, and is cut there
        for path, params in pages(group):
            short = {**params, "q": " ".join(WORDS[:400])}
            status = session.get(base + path, params=short, timeout=60, allow_redirects=False).status_code
            assert status in (200, 302), (path, status)
