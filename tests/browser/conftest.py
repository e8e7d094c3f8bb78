"""Real Chromium through Playwright's sync API, and a screenshot of the page when a test fails.

Chromium is the system's (Debian's /usr/bin/chromium): Playwright's own browser download needs
the internet, which the laptops and CI do not have.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

CHROMIUM = os.environ.get("HROMADA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # nothing may leave the machine: no update checks, no sync, no field trials
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

_call_report = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_call_report] = report
    return report


@dataclass
class PageLog:
    """What the page did besides what the test asked: console output, errors, requests."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        self.console.append(f"{message.type}: {message.text} ({message.location['url']})")

    def on_error(self, error: Exception) -> None:
        self.errors.append(str(error))

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def problems(self) -> list[str]:
        """Console errors and warnings (a CSP violation is one) and uncaught exceptions."""
        noisy = [line for line in self.console if line.split(":", 1)[0] in {"error", "warning"}]
        return noisy + [f"pageerror: {error}" for error in self.errors]

    def foreign_requests(self, base_url: str) -> list[str]:
        return [url for url in self.requests if not url.startswith(f"{base_url}/")]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(browser: Browser, page_log: PageLog, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test; on failure its page is saved as a PNG."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="uk-UA")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", page_log.on_console)
    page.on("pageerror", page_log.on_error)
    page.on("request", page_log.on_request)
    try:
        yield page
        report = request.node.stash.get(_call_report, None)
        if report is not None and report.failed:
            screenshot(page, f"FAILED-{request.node.nodeid}")
    finally:
        context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save the page under test-artifacts/ (git-ignored), named after `name`."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=path, full_page=True)
    return path
