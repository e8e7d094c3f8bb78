"""From the registry to the desk in real Chromium: a registrar registers a household (the
unused member rows left as the browser sends them), prints its card, and the desk serves it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageLog
from tests.browser.test_desk import expect_clean, log_in, open_desk, scan, town
from tests.serving import ServedApp

pytestmark = pytest.mark.browser

__all__ = ["town"]  # the fixture, shared with the desk's tests


def test_it_registers_a_household_and_the_desk_serves_its_new_card(
    page: Page, page_log: PageLog, served_app: ServedApp, town: object
) -> None:
    log_in(page, served_app, "registrar")
    page.goto(f"{served_app.url}/people/new/")
    page.fill("#id_address", "вул. Шкільна, 7")
    page.fill("#id_members-0-family_name", "Знам’янська")
    page.fill("#id_members-0-given_name", "Олена")
    page.select_option("#id_members-0-sex", "female")
    page.fill("#id_members-0-birth", "1951")
    page.fill("#id_members-1-family_name", "Знам’янський")
    page.fill("#id_members-1-given_name", "Ostap")
    page.select_option("#id_members-1-sex", "male")
    page.fill("#id_members-1-birth", "02.09.2014")
    page.click("form button[type=submit]")

    expect(page).to_have_url(re.compile(r"/people/[0-9a-f-]{36}/$"))
    expect(page.locator("h1")).to_contain_text("Знам’янська Олена")
    code = page.locator("td.code").first.inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    expect(page.locator("table").first).to_contain_text("1951")
    expect(page.locator("table").first).to_contain_text("02.09.2014")
    household_url = page.url

    # found as one types, in Latin, without pressing Enter
    page.goto(f"{served_app.url}/people/")
    page.locator("#q").press_sequentially("Znamianska Olena", delay=20)
    hit = page.locator("#results a[href*='/people/persons/']").first
    expect(hit).to_contain_text("Знам’янська Олена")
    assert "Znamianska" not in page.url  # the names typed stay out of the address
    page.goto(household_url)

    page.click("a.button[href*='/people/cards/sheet/']")
    expect(page.locator(".card .qr svg")).to_have_count(1)
    expect(page.locator(".card-code")).to_have_text(code)
    expect_clean(page_log, served_app)

    page.click("header form[action='/logout/'] button")
    expect(page).to_have_url(f"{served_app.url}/login/")
    log_in(page, served_app, "distributor")
    open_desk(page, served_app, town.municipal_session)  # type: ignore[attr-defined]
    scan(page, code)
    answer = page.locator("#answer .answer")
    expect(answer).to_have_attribute("data-answer", "ok")
    expect(answer.locator(".big")).to_contain_text(re.compile(r"\b4\b"))  # 2 people × 2 loaves
    expect_clean(page_log, served_app)
