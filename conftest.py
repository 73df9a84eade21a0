"""Root conftest: browser tests need a real Chromium and Django must allow ORM calls while
Playwright's event loop runs in the test thread."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("OMNI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
TEST_OUTPUT = os.path.join(os.path.dirname(__file__), "test-output")
# The markers that skip by the database and Redis at hand, and the fixtures shared by apps.
pytest_plugins = ["omniretail.testing.plugin"]
# Servers and scripts the tests start run on the generated key, as the suite itself does.
os.environ.setdefault("OMNI_EMBEDDED", "1")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # Browser tests run last: once Playwright's sync API starts, its event loop runs in the
    # main thread, and Django's test client can no longer call an async view from it.
    items.sort(key=lambda item: "browser" in item.keywords)
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: browser layer skipped")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    # The suite's two layers share two cores: an assertion waits up to 15 s, not 5, for a
    # page that does reach the state (a state never reached still fails).
    expect.set_options(timeout=15_000)

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def phone_page(browser):
    """A phone-sized page (the H5 mall is mobile-first)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser):
    """A desktop's page (1366 x 768): consoles and the till use the width, not the phone's
    column."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    """Save a screenshot under test-output/ for people to look at."""
    os.makedirs(TEST_OUTPUT, exist_ok=True)

    def take(page, name: str):
        path = os.path.join(TEST_OUTPUT, f"{name}.png")
        page.screenshot(path=path, full_page=True)
        return path

    return take
