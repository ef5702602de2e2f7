"""Save for offline on a phone (360×640): a real recording goes through the pipeline; the viewer saves the
lesson, the network goes off, the reloaded page (served by the service worker) plays the saved rung past
2 s and the saved lessons page opens; back online, removing the lesson from the saved lessons page deletes
its cache. (A visit refreshing the kept copy is in test_browser_lesson_timeline.py.)"""
import re

import pytest

from tests.browser import PHONE, phone_page, screenshot
from tests.test_browser_player import NO_NATIVE_HLS, transcoded_lesson


def localhost(url):
    """Service workers need a secure context: http://localhost is one, http://127.0.0.1 may not be."""
    return re.sub(r"^http://(127\.0\.0\.1|0\.0\.0\.0)(?=[:/]|$)", "http://localhost", url)


@pytest.mark.ffmpeg
@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("player", ["native", "hls.js"])
def test_a_saved_lesson_plays_with_the_network_off_and_can_be_removed(live_server, media_root, tmp_path, player):
    lesson, asset, video_rungs = transcoded_lesson(tmp_path, seconds=12)
    lowest = video_rungs[0]["name"]
    base = localhost(live_server.url)
    url = f"{base}/lessons/{lesson.pk}/"
    cache = f"kexiang-lesson-{lesson.pk}"

    with phone_page() as page:
        if player == "hls.js":
            page.add_init_script(NO_NATIVE_HLS)
        requests, console = [], []
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda message: console.append(message.text))
        page.goto(url)
        assert page.evaluate("window.isSecureContext")
        # a plain visit registers no service worker and keeps nothing
        assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
        assert page.evaluate("caches.keys()") == []
        assert page.locator("#lesson-save").is_visible()

        page.click("#lesson-save")
        page.wait_for_selector("#lesson-offline[data-state='saved']", timeout=60_000)
        status = page.locator("#lesson-offline-status").inner_text()
        assert re.search(r"\d+\.\d MB", status), status
        assert page.locator("#lesson-offline-usage").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, f"lesson-offline-{player}-saved-360x640")
        kept = page.evaluate(f"caches.open('{cache}').then(c => c.keys()).then(k => k.map(r => r.url))")
        assert f"{base}/lessons/{lesson.pk}/" in kept
        assert any(f"/hls/{asset.uid}/{lowest}/" in u and u.endswith(".m4s") for u in kept), kept
        assert not any(f"/hls/{asset.uid}/{v['name']}/" in u for u in kept for v in asset.variants if v["name"] != lowest)
        assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 1

        # the network goes off: the page comes from the phone and plays the saved rung
        page.context.set_offline(True)
        requests.clear()
        page.reload()
        assert page.locator("#lesson-video").count() == 1
        assert page.evaluate("!!navigator.serviceWorker.controller")
        page.evaluate("document.getElementById('lesson-video').muted = true")
        page.click("#lesson-play")
        try:
            page.wait_for_function("() => document.getElementById('lesson-video').currentTime > 2", timeout=60_000)
        except Exception:
            state = page.evaluate("""(() => { const v = document.getElementById('lesson-video');
              return {src: v.currentSrc, error: v.error && [v.error.code, v.error.message], network: v.networkState,
                      ready: v.readyState, time: v.currentTime}; })()""")
            raise AssertionError(f"{state} {requests} {console}") from None
        ladder = [u for u in requests if f"/hls/{asset.uid}/" in u and not u.endswith(".jpg")]
        assert ladder and all(f"/hls/{asset.uid}/{lowest}/" in u for u in ladder), ladder
        screenshot(page, f"lesson-offline-{player}-playing-offline-360x640")

        # still offline, the saved lessons page opens and lists it
        page.goto(f"{base}/lessons/saved/")
        page.wait_for_selector("#saved-lessons[data-ready='1']")
        item = page.locator(f".saved-item[data-lesson='{lesson.pk}']")
        assert "《秋天的雨》微课" in item.inner_text() and re.search(r"\d+\.\d MB", item.inner_text())
        screenshot(page, f"lesson-offline-{player}-saved-list-offline-360x640")

        # online: removing it from the saved lessons page deletes its cache
        page.context.set_offline(False)
        page.goto(f"{base}/lessons/saved/")
        page.wait_for_selector("#saved-lessons[data-ready='1']")
        item = page.locator(f".saved-item[data-lesson='{lesson.pk}']")
        item.locator(".saved-remove").click()
        page.wait_for_selector(f".saved-item[data-lesson='{lesson.pk}']", state="detached")
        assert page.locator("#saved-empty").is_visible()
        page.wait_for_function(f"() => caches.keys().then(k => !k.includes('{cache}'))")
        assert cache not in page.evaluate("caches.keys()")
        assert page.evaluate("localStorage.getItem('kexiang.offline')") == "{}"
