"""The Content-Security-Policy holds on every page a teacher uses, through the real app server: no inline script,
and nothing on the home, search, resource, lesson (playing with hls.js and natively), upload, research thread
and lesson review pages trips it (a `securitypolicyviolation` event or a console report would)."""
import pytest

from research.models import GroupMembership, Thread
from research.services.reviews import comment_add, review_create
from tests.browser import phone_page, sign_in
from tests.factories import ResearchGroupFactory
from tests.test_browser_player import NO_NATIVE_HLS, transcoded_lesson

RECORD = """(() => { window.__csp = [];
  document.addEventListener("securitypolicyviolation",
    e => window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber));
})();"""


@pytest.mark.ffmpeg
@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_no_page_a_teacher_uses_breaks_the_content_security_policy(served, media_root, tmp_path):
    lesson, asset, _rungs = transcoded_lesson(tmp_path, seconds=8)
    teacher = lesson.uploaded_by
    group = ResearchGroupFactory(name="三年级语文联合教研组")
    GroupMembership.objects.create(group=group, user=teacher, role=GroupMembership.Role.LEADER)
    thread = Thread.objects.create(group=group, title="《秋天的雨》集体备课", created_by=teacher)
    review = review_create(group=group, user=teacher, title="《秋天的雨》评课", resource=lesson)
    comment_add(review=review, user=teacher, at=3, body="导入自然")
    base = served()
    pages = [
        ("/", None),
        ("/search/?q=秋天的雨", "#search-q, input[name=q]"),
        (f"/resources/{lesson.pk}/", None),
        (f"/lessons/{lesson.pk}/", "#lesson-play"),
        ("/resources/upload/", None),
        ("/my/media/upload/", None),
        (f"/research/threads/{thread.pk}/", None),
        (f"/research/reviews/{review.pk}/", None),
        (f"/research/groups/{group.pk}/", None),
        ("/research/", None),
    ]

    for player in ("native", "hls.js"):
        with phone_page() as page:
            page.add_init_script(RECORD)
            if player == "hls.js":
                page.add_init_script(NO_NATIVE_HLS)
            console = []
            page.on("console", lambda message: console.append(message.text))
            sign_in(page, base, "liwei", "/")
            for path, action in pages:
                response = page.goto(base + path)
                assert response.status == 200, path
                assert "content-security-policy" in response.headers, path
                assert "script-src 'self'" in response.headers["content-security-policy"]
                assert "unsafe-inline" not in response.headers["content-security-policy"].split("script-src")[1].split(";")[0]
                if action == "#lesson-play":
                    page.evaluate("document.getElementById('lesson-video').muted = true")
                    page.click(action)
                    page.wait_for_function("() => document.getElementById('lesson-video').currentTime > 1", timeout=60_000)
                elif action:
                    page.locator(action).first.fill("秋天")
                    page.wait_for_timeout(600)  # the suggestions ask the server
                page.wait_for_timeout(300)
                violations = page.evaluate("window.__csp")
                assert not violations, (player, path, violations)
            reports = [text for text in console if "Content Security Policy" in text or "Refused to" in text]
            assert not reports, (player, reports)
