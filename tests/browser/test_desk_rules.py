"""The desk's rules in real Chromium: a refusal names the rule that caused it, and a pause
started anywhere shows on every desk of the site at once, without a scan."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PageLog, screenshot
from tests.browser.test_desk import expect_clean, expect_ready, log_in, scan
from tests.serving import ServedApp

pytestmark = pytest.mark.browser

_TOWN = """
import json
from django.utils import timezone
from hromada.distribution.models import DistributionSession
from hromada.people.models import Card
open_at = DistributionSession.objects.filter(status='open', site__code='municipal')
baby = open_at.select_related('programme').get(programme__commodity__code='baby-food')
bread = open_at.get(programme__commodity__code='bread')
today = timezone.localdate()
cards = Card.objects.filter(household__site__code='municipal', status='active').order_by('-code')
no_baby = next(
    c.code for c in cards[:200]
    if baby.programme.eligible_members(c.household, today)[0] > 0
    and baby.programme.eligible_members(c.household, today)[1] == 0
)
print(json.dumps({'baby': str(baby.pk), 'baby_name': baby.programme.name,
                  'bread': str(bread.pk), 'no_baby': no_baby}))
"""


@pytest.fixture(scope="module")
def town(served_app: ServedApp) -> dict[str, str]:
    data: dict[str, str] = json.loads(served_app.python(_TOWN))
    return data


@pytest.fixture
def second_page(browser: Browser) -> Iterator[Page]:
    """Another volunteer's laptop: its own browser context and login."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="uk-UA")
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_refusal_names_the_rule_that_caused_it(
    page: Page, page_log: PageLog, served_app: ServedApp, town: dict[str, str]
) -> None:
    log_in(page, served_app, "distributor")
    page.goto(f"{served_app.url}/distribution/desk/{town['baby']}/")
    expect_ready(page)

    scan(page, town["no_baby"])

    answer = page.locator("#answer .answer")
    expect(answer).to_have_attribute("data-answer", "not_eligible")
    expect(answer).to_have_class(re.compile(r"\brefused\b"))
    # the programme and its rule ("children under 3") are named, in the volunteer's language
    expect(answer.locator(".sub")).to_contain_text(town["baby_name"])
    expect(answer.locator(".sub")).to_contain_text("3")
    expect_ready(page)
    expect_clean(page_log, served_app)
    screenshot(page, "desk-not-eligible")


def test_a_pause_shows_at_once_on_another_desk_and_refuses_its_scans(
    page: Page, second_page: Page, page_log: PageLog, served_app: ServedApp, town: dict[str, str]
) -> None:
    # desk 1: a volunteer at the bread desk
    log_in(page, served_app, "distributor")
    page.goto(f"{served_app.url}/distribution/desk/{town['bread']}/")
    expect_ready(page)
    expect(page.locator(".pause-banner")).to_have_count(0)
    # elsewhere: the coordinator pauses the site
    log_in(second_page, served_app, "coordinator")
    second_page.goto(f"{served_app.url}/distribution/pauses/")
    second_page.select_option("select[name=site]", label="Міська рада")
    second_page.select_option("select[name=reason]", "air_raid")
    second_page.fill("input[name=note]", "тривога")
    second_page.click("form.narrow button[type=submit]")
    expect(second_page.locator(".pause-banner")).to_contain_text("тривога")
    try:
        # desk 1 shows it without anyone touching it (it asks every 3 seconds)
        banner = page.locator(".pause-banner")
        expect(banner).to_be_visible(timeout=8_000)
        expect(banner).to_contain_text("тривога")
        screenshot(page, "desk-paused")
        # and a scan is refused with the reason
        scan(page, "0000-0000-0000")
        answer = page.locator("#answer .answer")
        expect(answer).to_have_attribute("data-answer", "paused")
        expect(answer.locator(".sub")).to_contain_text("тривога")
        expect_ready(page)
    finally:
        second_page.goto(f"{served_app.url}/distribution/pauses/")
        second_page.click("form.inline button.primary")
    # resumed: the banner goes from desk 1 by itself
    expect(page.locator(".pause-banner")).to_have_count(0, timeout=8_000)
    expect_clean(page_log, served_app)
