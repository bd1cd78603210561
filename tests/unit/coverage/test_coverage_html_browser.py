"""The HTML coverage report opened in a real headless Chromium: rendered content, its script, no network.

Chromium comes from Debian (``apt-get install chromium``; ``.ci/run`` installs it); Playwright drives
that browser (``executable_path``), never a browser build of its own. Only a machine without any
Chromium skips this test, saying so.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from kpn_contract.contract.specs import project_index
from kpn_contract.coverage import CoverageReport, compute, exchanges_from_cassettes
from kpn_contract.coverage.render import render

SHIPPED = Path(__file__).resolve().parents[3] / "cassettes"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("KPN_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate) if candidate else None
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set KPN_CHROMIUM to its path)")
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh profile: nothing from earlier runs
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        browser = context.browser
        assert browser is not None
        try:
            yield browser
        finally:
            context.close()


@pytest.fixture(scope="module")
def report() -> CoverageReport:
    return compute(project_index(), exchanges_from_cassettes([SHIPPED]), source="cassettes")


def test_the_report_renders_in_chromium_with_no_request_beyond_itself(
    browser: Browser, report: CoverageReport, tmp_path: Path
) -> None:
    page_file = tmp_path / "coverage.html"
    html = render(report, "html")
    # Nothing external to load, by construction: no attribute or CSS url() names another origin. (The
    # text may hold "://": Vonage SMS publishes paths such as /https://example.com:webhooks/inbound-sms.)
    assert not re.search(
        r"""(?:src|href|action)\s*=\s*["']?[a-z][a-z0-9+.-]*://|url\(\s*["']?[a-z]+://""", html
    )
    page_file.write_text(html, encoding="utf-8")

    page = browser.new_page()
    requests: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.as_uri())

    totals = page.locator("#totals")
    assert f"{report.operations_called}/{report.operations_declared} operations called" in totals.inner_text()
    assert totals.get_attribute("data-statuses-covered") == str(report.statuses_covered)
    rows = page.locator("tr.operation")
    keys = [op.operation.key for spec in report.specs for op in spec.operations]
    assert rows.count() == len(keys) == report.operations_declared
    assert [rows.nth(i).get_attribute("data-operation") for i in range(rows.count())] == keys
    devices = page.locator('tr.operation[data-operation="GET /api/devices"] td.statuses-seen').inner_text()
    for status in ("200", "302", "400", "403"):
        assert status in devices

    # The inline script ran: it counts the rows it shows, and filters them.
    shown = page.locator("#shown")
    assert shown.inner_text() == f"{len(keys)} operations shown"
    page.check("#uncalled-only")
    uncalled = report.operations_declared - report.operations_called
    assert shown.inner_text() == f"{uncalled} operations shown"
    page.uncheck("#uncalled-only")
    page.fill("#filter", "/api/")
    assert shown.inner_text() == f"{sum('/api/' in key.lower() for key in keys)} operations shown"

    page.close()
    assert requests == [page_file.as_uri()]
    assert failed == []
    assert errors == []
