"""The bread desk in real Chromium: a volunteer logs in, a USB scanner types card codes and
Enter into the one focused input, and the answer fills the screen, green or red."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageLog, screenshot
from tests.serving import DEMO_PASSWORD, ServedApp

pytestmark = pytest.mark.browser

# The Ukrainian ЙЦУКЕН layout written out key by key (not taken from hromada.lib.cardcode,
# so that a wrong key there fails here): what a scanner types for each Latin letter when the
# laptop is left on the Ukrainian layout. Digits and the dash sit on the same keys.
_UKRAINIAN_KEYS = dict(zip("QWERTYUIOPASDFGHJKLZXCVBNM", "ЙЦУКЕНГШЩЗФІВАПРОЛДЯЧСМИТЬ", strict=True))

_HOUSEHOLDS = """
import json
from hromada.distribution.models import DistributionSession
from hromada.people.models import Card
sessions = {
    s.site.code: str(s.pk)
    for s in DistributionSession.objects.filter(
        status='open', programme__commodity__code='bread'
    ).select_related('site')
}
cards = (
    Card.objects.filter(household__site__code='municipal', status='active')
    .select_related('household').order_by('code')
)
households = [
    {'code': c.code, 'members': c.household.members_count()} for c in cards
]
bread = DistributionSession.objects.get(pk=sessions['municipal']).programme
print(json.dumps({
    'sessions': sessions,
    'households': [h for h in households if h['members'] > 0],
    'per_person': bread.quantity,
}))
"""


@dataclass(frozen=True)
class Household:
    code: str
    members: int


@dataclass(frozen=True)
class DemoTown:
    municipal_session: str
    school_session: str
    households: list[Household]
    per_person: int


@pytest.fixture(scope="module")
def town(served_app: ServedApp) -> DemoTown:
    """The open sessions and the carded households of the municipal site, from the database."""
    data = json.loads(served_app.python(_HOUSEHOLDS))
    households = [Household(**row) for row in data["households"]]
    assert len(households) >= 2, "the demo town has too few carded households"
    return DemoTown(
        municipal_session=data["sessions"]["municipal"],
        school_session=data["sessions"]["school-2"],
        households=households,
        per_person=data["per_person"],
    )


def log_in(page: Page, served_app: ServedApp, username: str) -> None:
    page.goto(f"{served_app.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.narrow button[type=submit]")
    # the header names whoever is logged in; the login page does not
    expect(page.locator("header .who")).to_contain_text(username)


def open_desk(page: Page, served_app: ServedApp, session: str) -> None:
    """From the sessions list to the desk, as a volunteer would."""
    page.goto(f"{served_app.url}/distribution/")
    page.click(f"a[href='/distribution/desk/{session}/']")
    expect(page).to_have_url(f"{served_app.url}/distribution/desk/{session}/")


def scan(page: Page, code: str) -> None:
    """A USB scanner: it types into whatever has the focus, then presses Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def stock_left(page: Page) -> int:
    text = page.locator("#left strong").inner_text()
    return int(re.sub(r"\D", "", text))  # "10 000" in Ukrainian, "10,000" in English


def expect_ready(page: Page) -> None:
    """The input is empty and focused, waiting for the next card."""
    card = page.locator("#card")
    expect(card).to_have_value("")
    expect(card).to_be_focused()


def expect_clean(page_log: PageLog, served_app: ServedApp) -> None:
    assert page_log.problems() == [], "console errors, CSP violations or script errors"
    assert page_log.foreign_requests(served_app.url) == [], "requests leaving the laptop"
    assert page_log.requests, "no request was recorded: the recorder is broken"


def on_ukrainian_layout(code: str) -> str:
    return "".join(_UKRAINIAN_KEYS.get(char, char) for char in code)


def test_it_serves_a_card_once_then_refuses_it(
    page: Page, page_log: PageLog, served_app: ServedApp, town: DemoTown
) -> None:
    household = town.households[0]
    quantity = town.per_person * household.members
    log_in(page, served_app, "distributor")
    open_desk(page, served_app, town.municipal_session)
    expect_clean(page_log, served_app)  # the styles and scripts loaded, under the CSP
    expect_ready(page)  # autofocus: the scanner may type at once
    answer = page.locator("#answer .answer")
    expect(answer).not_to_have_attribute("data-answer", re.compile(".*"))
    before = stock_left(page)

    scan(page, household.code)

    expect(answer).to_have_attribute("data-answer", "ok")
    expect(answer).to_have_class(re.compile(r"\bok\b"))
    expect(answer.locator(".big")).to_be_visible()
    expect(answer.locator(".big")).to_contain_text(re.compile(rf"\b{quantity}\b"))
    expect(answer.locator(".sub")).to_contain_text(re.compile(rf"\b{household.members}\b"))
    expect(page.locator("#left strong")).to_have_text(re.compile(r"\d"))
    assert stock_left(page) == before - quantity
    expect_ready(page)
    screenshot(page, "desk-green")

    scan(page, household.code)

    expect(answer).to_have_attribute("data-answer", "already_collected")
    expect(answer).to_have_class(re.compile(r"\brefused\b"))
    expect(answer.locator(".big")).to_be_visible()
    assert stock_left(page) == before - quantity
    expect_ready(page)
    screenshot(page, "desk-red")

    scan(page, "1234")

    expect(answer).to_have_attribute("data-answer", "malformed_card")
    expect(answer).to_have_class(re.compile(r"\brefused\b"))
    assert stock_left(page) == before - quantity
    expect_ready(page)
    expect_clean(page_log, served_app)


def test_it_reads_a_code_typed_on_the_ukrainian_layout(
    page: Page, page_log: PageLog, served_app: ServedApp, town: DemoTown
) -> None:
    household = town.households[1]
    typed = on_ukrainian_layout(f"{household.code[:4]}-{household.code[4:8]}-{household.code[8:]}")
    assert typed != household.code and re.search("[А-ЯІ]", typed), "the code has no letter"
    log_in(page, served_app, "distributor")
    open_desk(page, served_app, town.municipal_session)
    expect_clean(page_log, served_app)  # the styles and scripts loaded, under the CSP
    expect_ready(page)
    before = stock_left(page)

    scan(page, typed)

    answer = page.locator("#answer .answer")
    expect(answer).to_have_attribute("data-answer", "ok")
    expect(answer.locator(".big")).to_contain_text(
        re.compile(rf"\b{town.per_person * household.members}\b")
    )
    assert stock_left(page) == before - town.per_person * household.members
    expect_ready(page)
    expect_clean(page_log, served_app)


def test_it_hides_the_desk_of_another_site(
    page: Page, page_log: PageLog, served_app: ServedApp, town: DemoTown
) -> None:
    log_in(page, served_app, "distributor2")
    own = page.goto(f"{served_app.url}/distribution/desk/{town.school_session}/")
    assert own is not None and own.status == 200  # logged in, and a desk is reachable

    other = page.goto(f"{served_app.url}/distribution/desk/{town.municipal_session}/")

    assert other is not None
    assert other.status == 404
    expect(page.locator("#scan")).to_have_count(0)
    assert page_log.foreign_requests(served_app.url) == []


def test_it_keeps_up_with_scans_faster_than_its_answers(
    page: Page, page_log: PageLog, served_app: ServedApp, town: DemoTown
) -> None:
    first, second = town.households[2], town.households[3]
    log_in(page, served_app, "distributor")
    open_desk(page, served_app, town.municipal_session)
    before = stock_left(page)

    scan(page, first.code)
    scan(page, second.code)  # the scanner does not wait for the first answer

    answer = page.locator("#answer .answer")
    expect(answer).to_have_attribute("data-answer", "ok")
    expect(answer.locator(".card-tail")).to_contain_text(second.code[-4:])
    given = town.per_person * (first.members + second.members)
    expect(page.locator("#left strong")).to_have_text(re.compile(r"\d"))
    page.wait_for_function(
        "n => Number(document.querySelector('#left strong').textContent.replace(/\\D/g, '')) === n",
        arg=before - given,
    )
    expect_ready(page)
    expect_clean(page_log, served_app)
