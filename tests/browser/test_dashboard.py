"""The dashboard in real Chromium: a coordinator opens it after a morning at the desk, and the
charts (inline SVG drawn by the server) are there, with bars of real height."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageLog, screenshot
from tests.browser.test_desk import expect_clean, log_in
from tests.serving import ServedApp

pytestmark = pytest.mark.browser

# a morning at the municipal desks: the first few carded households collect what each open
# programme gives them (or are refused by its rules), and one comes back to the first desk
_MORNING = """
import json
from hromada.core.models import User
from hromada.distribution.actions import do_check_in
from hromada.distribution.models import DistributionSession
from hromada.people.models import Card
sessions = DistributionSession.objects.filter(site__code='municipal', status='open')
desk = User.objects.get(username='distributor')
cards = Card.objects.filter(household__site__code='municipal', status='active').order_by('code')
served = 0
for session in sessions.order_by('pk'):
    for card in cards[:8]:
        if do_check_in(actor=desk, session=session, card_code=card.code).collection is not None:
            served += 1
    do_check_in(actor=desk, session=session, card_code=cards[0].code)
print(json.dumps({'served': served}))
"""


def test_it_draws_the_charts_of_the_day(
    page: Page, page_log: PageLog, served_app: ServedApp
) -> None:
    served = json.loads(served_app.python(_MORNING))["served"]
    assert served > 0, "nobody was served: the demo town has no carded household"
    log_in(page, served_app, "coordinator")

    page.click("header nav a[href='/reports/']")

    expect(page).to_have_url(f"{served_app.url}/reports/")
    for chart in ("chart-served", "chart-programmes", "chart-stock", "chart-refusals"):
        svg = page.locator(f"svg#{chart}")
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 20, chart
        expect(svg.locator("title").first).not_to_be_empty()
    # today's column of people served has a height, the thirteen days before it none
    columns = page.locator("svg#chart-served rect.bar")
    expect(columns).to_have_count(14)
    today = columns.last
    expect(today).to_be_visible()
    drawn = today.bounding_box()
    assert drawn is not None and drawn["height"] > 10
    assert int(today.get_attribute("height") or 0) > 0
    assert int(today.get_attribute("data-value") or 0) > 0
    for name in ("chart-programmes", "chart-stock", "chart-refusals"):
        bar = page.locator(f'svg#{name} rect.bar:not([data-value="0"])').first
        expect(bar).to_be_visible()
        box = bar.bounding_box()
        assert box is not None and box["width"] > 1 and box["height"] > 1, name
    # the same numbers in the table under the chart
    expect(page.locator("table.chart-table").first).to_contain_text(
        today.get_attribute("data-value") or "?"
    )
    screenshot(page, "dashboard")
    expect_clean(page_log, served_app)
