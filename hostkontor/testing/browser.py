"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright for UI tests."""

import os
import shutil

import pytest

from .services import require_service

CHROMIUM = os.environ.get("HOSTKONTOR_CHROMIUM", "/usr/bin/chromium")
# The flags keep Chromium from reaching out to the network at start (there is none here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium_browser():
    if not shutil.which(CHROMIUM):
        require_service("chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("playwright", "the playwright package is not installed")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (fixtures, assertions) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(base_url=live_server.url, locale="de-DE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
