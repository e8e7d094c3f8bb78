"""The bus, end to end in real Chromium: the evacuation officer creates a trip and plans it
from the waitlist, prints the manifest (rendered to PDF: every passenger is on the paper),
boards people by scanning their cards at the door and sends the bus off; the reception centre
confirms all but one and closes its list; the coordinator finds the missing passenger on the
unaccounted page."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS, PageLog, screenshot
from tests.browser.test_desk import expect_clean, log_in, scan
from tests.serving import DEMO_PASSWORD, ServedApp

pytestmark = pytest.mark.browser

OFFICER = "trip-officer"
RECEPTION = "trip-reception"
CITY = "Кременчук"  # a reception centre of this test's own, whatever the demo has
VEHICLE = "Тестовий мікроавтобус, AX 9999 XX"

# The test's own reception centre, its two logins and a small minibus; a few waiting requests
# of carded households of the municipal site not yet asking, on top of the demo's waitlist.
_SEED = f"""
import json
from hromada.core.actions import do_save_user
from hromada.core.models import Role, Site, User
from hromada.evacuation.actions import (
    MemberNeeds, Places, RequestData, do_create_reception_centre, do_create_request,
    do_save_vehicle,
)
from hromada.evacuation.models import RequestMember
from hromada.people.models import Household
coordinator = User.objects.get(username='coordinator')
municipal = Site.objects.get(code='municipal')
centre = do_create_reception_centre(
    actor=coordinator, code='browser-centre', name='Пункт прийому (тест)', city='{CITY}'
)
do_save_user(actor=None, username='{OFFICER}', role=Role.EVACUATION,
             password='{DEMO_PASSWORD}', sites=Site.objects.filter(pk=municipal.pk))
do_save_user(actor=None, username='{RECEPTION}', role=Role.RECEPTION,
             password='{DEMO_PASSWORD}', sites=Site.objects.filter(pk=centre.site_id))
do_save_vehicle(actor=coordinator, kind='minibus', name='{VEHICLE}',
                places=Places(seats=5, wheelchair_spaces=1, pet_places=1, luggage=12))
waiting = RequestMember.objects.filter(request__status='waiting')
busy = set(waiting.values_list('person__household', flat=True))
made = 0
for household in Household.objects.filter(site=municipal).exclude(pk__in=busy).order_by('pk'):
    members = [p for p in household.members.all() if p.status == 'present']
    if not 1 <= len(members) <= 3 or household.active_card() is None:
        continue
    do_create_request(actor=coordinator, household=household, data=RequestData(
        members=[MemberNeeds(p) for p in members], luggage=1, civilian_declared=True))
    made += 1
    if made == 6:
        break
asking = waiting.filter(request__site=municipal).values('request').distinct()
print(json.dumps({{'waiting': asking.count()}}))
"""

# The trip's passengers as the database has them, with the card of each one's household.
_MANIFEST = """
import json
from hromada.evacuation.models import Passenger, Trip
trip = Trip.objects.get(pk='{trip}')
rows = []
for p in trip.passengers.select_related('person__household').order_by('created_at'):
    card = p.person.household.active_card()
    rows.append({{'pk': str(p.pk), 'name': str(p.person), 'seat': p.seat, 'status': p.status,
                 'request': str(p.request_id), 'card': card.code if card else None}})
print(json.dumps({{'status': trip.status, 'passengers': rows}}))
"""


def database(served_app: ServedApp, trip: str) -> dict[str, object]:
    return json.loads(served_app.python(_MANIFEST.format(trip=trip)))  # type: ignore[no-any-return]


def words(text: str) -> str:
    """Whitespace as one space: a long name may wrap inside its cell on the paper."""
    return re.sub(r"\s+", " ", text).strip()


def test_it_takes_a_bus_from_the_waitlist_to_the_reception_centre(
    page: Page, page_log: PageLog, served_app: ServedApp
) -> None:
    seeded = json.loads(served_app.python(_SEED))
    assert seeded["waiting"] >= 3, "the demo town's waitlist is too short"

    # -- the officer creates the trip and plans it from the waitlist
    log_in(page, served_app, OFFICER)
    page.goto(f"{served_app.url}/evacuation/trips/")
    expect_clean(page_log, served_app)
    departs = timezone.localtime(timezone.now() + timedelta(days=1)).replace(hour=7, minute=30)
    vehicle = page.locator("#id_vehicle option", has_text=VEHICLE).get_attribute("value")
    page.select_option("#id_vehicle", value=vehicle)
    page.fill("#id_departure_point", "Парковка біля міської ради")
    page.fill("#id_departs_at", departs.strftime("%Y-%m-%dT%H:%M"))
    centre = page.locator("#id_destination option", has_text=CITY).get_attribute("value")
    page.select_option("#id_destination", value=centre)
    page.fill("#id_driver", "Водій Тарас")
    page.click("form.narrow button[type=submit]")
    expect(page).to_have_url(re.compile(r"/evacuation/trips/[0-9a-f-]{36}/plan/$"))
    trip = re.findall(r"/trips/([0-9a-f-]{36})/plan/", page.url)[0]
    expect(page.locator("h1")).to_contain_text(departs.strftime("%d.%m.%Y 07:30"))

    taken = page.locator("ol.taken > li.plan-request")
    expect(taken.first).to_be_visible()
    # the officer takes the first proposed household off: it is left out, and says why
    first = taken.first.get_attribute("data-request")
    taken.first.locator("a[data-remove]").click()
    expect(page.locator(f"ul.left-out li[data-request='{first}']")).to_be_visible()
    expect(page.locator(f"ol.taken li[data-request='{first}']")).to_have_count(0)
    assert f"remove={first}" in page.url
    screenshot(page, "evacuation-plan")
    page.click("form.plan-save button[type=submit]")
    expect(page).to_have_url(f"{served_app.url}/evacuation/trips/{trip}/")

    manifest = database(served_app, trip)
    passengers = manifest["passengers"]
    assert isinstance(passengers, list) and passengers, "the saved plan put nobody on the bus"
    assert first not in {p["request"] for p in passengers}
    assert all(p["status"] == "planned" and p["seat"] for p in passengers)

    # -- the manifest, printed: every passenger's name is on the paper
    page.goto(f"{served_app.url}/evacuation/trips/{trip}/manifest/")
    expect(page.locator("header.top")).to_have_count(0)  # no navigation on the sheet
    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "evacuation-manifest.pdf").write_bytes(pdf)
    text = words(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))
    missing = [p["name"] for p in passengers if words(p["name"]) not in text]
    assert missing == [], f"names not on the printed manifest: {missing}"
    rows = page.locator("table.manifest tr.passenger")
    expect(rows).to_have_count(len(passengers))

    # -- boarding by scanning each household's card at the door
    page.goto(f"{served_app.url}/evacuation/trips/{trip}/boarding/")
    card_input = page.locator("#board-card")
    expect(card_input).to_be_focused()
    codes = list(dict.fromkeys(p["card"] for p in passengers))
    refused_once = False
    for code in codes:
        assert code, "a passenger's household has no card"
        scan(page, code)
        scanned = page.locator("section.scanned")
        expect(scanned).to_be_visible()
        while scanned.locator("form.board-form").count():
            form = scanned.locator("form.board-form").first
            declaration = form.locator("input[name=civilian_confirmed]")
            if declaration.count() and not refused_once:
                # an adult without the declaration confirmed is refused, and says why
                form.locator("button").click()
                expect(page.locator(".flash.error")).to_be_visible()
                refused_once = True
                scanned = page.locator("section.scanned")
                form = scanned.locator("form.board-form").first
                declaration = form.locator("input[name=civilian_confirmed]")
            if declaration.count():
                declaration.check()
            form.locator("button").click()
            expect(page.locator(".flash.success")).to_be_visible()
            scanned = page.locator("section.scanned")
    assert refused_once, "no adult on the bus: the declaration was never asked for"
    expect(page.locator("[data-count=boarded]")).to_have_text(str(len(passengers)))
    screenshot(page, "evacuation-boarded")
    page.check("form.depart input[name=confirm]")
    page.click("form.depart button[type=submit]")
    expect(page).to_have_url(f"{served_app.url}/evacuation/trips/{trip}/")
    after = database(served_app, trip)
    assert after["status"] == "departed"
    on_bus = after["passengers"]
    assert isinstance(on_bus, list)
    assert {p["status"] for p in on_bus} == {"boarded"}

    # -- the reception centre confirms all but one, and closes its list
    page.context.clear_cookies()
    log_in(page, served_app, RECEPTION)
    page.goto(f"{served_app.url}/evacuation/trips/")
    page.click(f"a[href='/evacuation/trips/{trip}/arrival/']")
    lost = on_bus[-1]
    arrived = [p for p in on_bus if p["pk"] != lost["pk"]]
    for passenger in arrived:
        row = page.locator(f"table.arrival-list tr[data-passenger='{passenger['pk']}']")
        row.locator("button").click()
        expect(
            page.locator(f"table.arrival-list tr[data-passenger='{passenger['pk']}']")
        ).to_have_class(re.compile(r"\bstatus-arrived\b"))
    page.check("input[name=confirm]")
    page.click("form.narrow button.danger")
    expect(page.locator("[data-count=unaccounted]")).to_have_text("1")
    expect(page.locator("[data-count=arrived]")).to_have_text(str(len(arrived)))
    screenshot(page, "evacuation-arrival")

    # -- the coordinator's dashboard shows the missing passenger, in red, until accounted for
    page.context.clear_cookies()
    log_in(page, served_app, "coordinator")
    page.goto(f"{served_app.url}/reports/")
    panel = page.locator("section.unaccounted-panel")
    expect(panel).to_have_class(re.compile(r"\balert\b"))
    expect(panel).to_contain_text(str(lost["name"]))
    screenshot(page, "evacuation-dashboard")
    panel.locator("h2 a").click()
    expect(page).to_have_url(f"{served_app.url}/evacuation/unaccounted/")
    section = page.locator(f"section.unaccounted[data-passenger='{lost['pk']}']")
    expect(section).to_be_visible()
    expect(section.locator(".name")).to_contain_text(str(lost["name"]))
    expect(section.locator("form.resolve")).to_be_visible()
    screenshot(page, "evacuation-unaccounted")
    expect_clean(page_log, served_app)
