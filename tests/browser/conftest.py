"""Browser tests: Debian's chromium driven by Playwright against the app served on a real port.

The session ``app`` (tests/conftest.py) is served by werkzeug in a daemon thread, one server per
test. Each test starts from the demo catalog; the autouse ``ctx`` fixture wipes the database
afterwards. Without chromium (or Playwright) the tests are skipped, unless REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from shop.extensions import db

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test (select or deselect them with -m browser)."""
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item, so the page fixture knows whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - depends on the environment
        _unavailable(f"playwright is not installed ({error})")
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    except Exception as error:  # noqa: BLE001  (any launch failure means: no browser here)
        playwright.stop()
        _unavailable(f"chromium at {CHROMIUM} does not start: {error}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(autouse=True)
def demo(ctx: None) -> None:
    """The demo catalog (26 products, warehouses IST and ANK), committed so the server sees it."""
    from shop.demo import load_demo

    load_demo(with_orders=False)  # the catalog only: the tests count stock
    db.session.commit()


@pytest.fixture
def live_server(app: Flask, ctx: None, demo: None) -> Iterator[str]:
    """The app on 127.0.0.1:<free port>; torn down before ``ctx`` wipes the database."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def page(browser, live_server: str, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser context (own cookies) per test; relative URLs go to the live server.

    Server errors (HTTP 5xx) and uncaught JavaScript errors fail the test; on failure a
    full-page screenshot is saved to test-results/.
    """
    context = browser.new_context(base_url=live_server, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    server_errors: list[str] = []
    js_errors: list[str] = []

    def _on_response(response) -> None:  # noqa: ANN001
        if response.status >= 500:
            server_errors.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", _on_response)
    page.on("pageerror", lambda e: js_errors.append(str(e)))
    page.server_errors = server_errors  # type: ignore[attr-defined]
    page.js_errors = js_errors  # type: ignore[attr-defined]
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        out = Path(request.config.rootpath) / "test-results"
        out.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        try:
            page.screenshot(path=str(out / f"{name}-failure.png"), full_page=True)
        except Exception:  # noqa: BLE001  (a screenshot is a courtesy; the failure is already reported)
            pass
    context.close()
    if failed is not None and failed.failed and (server_errors or js_errors):
        print(f"server errors: {server_errors}\nJavaScript errors: {js_errors}")  # shown with the failure
    if failed is not None and failed.passed and (server_errors or js_errors):
        pytest.fail(f"server errors: {server_errors}; JavaScript errors: {js_errors}", pytrace=False)


@pytest.fixture
def screenshot_dir(request: pytest.FixtureRequest) -> Path:
    out = Path(request.config.rootpath) / "test-results"
    out.mkdir(exist_ok=True)
    return out
