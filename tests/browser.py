"""Headless Debian Chromium driven by Playwright, with the flags this machine needs."""
import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ARTIFACTS = Path(os.environ.get("KEXIANG_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))
PHONE = {"width": 360, "height": 640}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@contextlib.contextmanager
def phone_page():
    """A page at 360x640 with touch, as a cheap Android phone shows it."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("KEXIANG_CHROMIUM") or shutil.which("chromium")
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_ARGS, viewport=PHONE,
            device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN",
        )
        try:
            yield browser.pages[0] if browser.pages else browser.new_page()
        finally:
            browser.close()


@contextlib.contextmanager
def phone_pages(count):
    """`count` pages at 360x640, each in a context of its own (its own cookies: one person each), one browser."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("KEXIANG_CHROMIUM") or shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield [browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                       locale="zh-CN").new_page() for _ in range(count)]
        finally:
            browser.close()


def wait_for(condition, timeout, page):
    """Poll `condition()` until true (the pages' CSP refuses Playwright's wait_for_function evaluation); waits in
    the page's own event loop, so its requests go on meanwhile."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url, username, next_url, password="correct horse 42"):
    """Sign in on the login page as a person does (the factories' password), landing on `next_url`."""
    page.goto(f"{base_url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.stacked button[type=submit]")
    # the page it lands on, not the login page whose ?next= names it
    page.wait_for_url(lambda url: urlsplit(url).path == urlsplit(next_url).path)


LESSON_VIDEO = "document.getElementById('lesson-video')"


def save_and_play_offline(page):
    """On a lesson page: pause, save for offline, then with the network off reload and play past 2 s."""
    page.evaluate(f"{LESSON_VIDEO}.pause()")
    page.click("#lesson-save")
    page.wait_for_selector("#lesson-offline[data-state='saved']", timeout=60_000)
    page.context.set_offline(True)
    page.reload()
    page.evaluate(f"{LESSON_VIDEO}.muted = true")
    page.click("#lesson-play")
    page.wait_for_function(f"() => {LESSON_VIDEO}.currentTime > 2", timeout=60_000)
    page.context.set_offline(False)
