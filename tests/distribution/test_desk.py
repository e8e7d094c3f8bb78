from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

from django.urls import reverse

from hromada.distribution.actions import do_check_in, do_close_session
from hromada.distribution.models import Collection, DistributionSession, Refusal
from hromada.lib import cardcode
from hromada.people.actions import do_revoke_card
from hromada.people.models import Card, Household
from hromada.stock.actions import balance_of, do_record_count
from tests.base import BaseTestCase


class DeskTestCase(BaseTestCase):
    def scan(self, code: str, *, htmx: bool = True) -> str:
        url = reverse("distribution:checkin", args=[self.session_a.pk])
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.client.post(url, {"card": code}, headers=headers)
        self.assertEqual(response.status_code, 200)
        return str(response.content.decode())

    def setUp(self) -> None:
        self.client.post(reverse("set_language"), {"language": "en"})
        self.login(self.dan)

    def test_it_shows_the_desk_with_the_stock_left_and_a_focused_input(self) -> None:
        response = self.client.get(reverse("distribution:desk", args=[self.session_a.pk]))
        self.assertContains(response, 'id="card"')
        self.assertContains(response, "autofocus")
        self.assertContains(response, "<strong>100</strong>")

    def test_it_gives_two_loaves_per_member(self) -> None:
        answer = self.scan(self.card_a.code)
        self.assertIn('data-answer="ok"', answer)
        self.assertIn("Give 6", answer)
        self.assertIn("Household of 3 people", answer)
        self.assertIn("<strong>94</strong>", answer)
        collection = Collection.objects.get()
        self.assertEqual((collection.quantity, collection.members), (6, 3))
        self.assertEqual(collection.served_by, self.dan)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 94)

    def test_it_refuses_a_second_collection_the_same_day_saying_when_and_where(self) -> None:
        self.scan(self.card_a.code)
        answer = self.scan(self.card_a.display_code())
        self.assertIn('data-answer="already_collected"', answer)
        self.assertIn("Already collected today at", answer)
        self.assertIn("Міська рада", answer)
        self.assertEqual(Collection.objects.count(), 1)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 94)
        self.assertEqual(Refusal.objects.get().reason, "already_collected")

    def test_it_serves_the_household_again_the_next_day_in_kyiv(self) -> None:
        def at(year: int, month: int, day: int, hour: int, minute: int) -> str:
            # the clock is moved under the action alone: the session middleware keeps its own
            now = datetime(year, month, day, hour, minute, tzinfo=UTC)
            with mock.patch("django.utils.timezone.now", return_value=now):
                outcome = do_check_in(actor=self.dan, session=self.session_a,
                                      card_code=self.card_a.code)  # fmt: skip
            return outcome.refusal.reason if outcome.refusal else "ok"

        # 21:50 UTC is 23:50 in Kyiv; 22:10 UTC is 00:10 the next day
        self.assertEqual(at(2026, 11, 27, 21, 50), "ok")
        self.assertEqual(at(2026, 11, 27, 22, 10), "ok")
        self.assertEqual(at(2026, 11, 28, 21, 0), "already_collected")
        # summer time: 20:59 UTC is 23:59 in Kyiv, 21:00 UTC is midnight
        self.assertEqual(at(2026, 7, 1, 20, 59), "ok")
        self.assertEqual(at(2026, 7, 1, 21, 0), "ok")
        self.assertEqual(Collection.objects.count(), 4)

    def test_it_refuses_an_unknown_card(self) -> None:
        answer = self.scan(cardcode.generate())
        self.assertIn('data-answer="unknown_card"', answer)
        self.assertIn("unknown", answer)

    def test_it_refuses_a_malformed_code_saying_what_is_wrong(self) -> None:
        answer = self.scan("12345")
        self.assertIn('data-answer="malformed_card"', answer)
        self.assertIn("wrong number of characters", answer)
        mistyped = self.card_a.code[:11] + ("0" if self.card_a.code[11] != "0" else "1")
        self.assertIn("mistyped", self.scan(mistyped))

    def test_it_refuses_a_revoked_card(self) -> None:
        do_revoke_card(actor=self.rita, card=self.card_a)
        answer = self.scan(self.card_a.code)
        self.assertIn('data-answer="card_revoked"', answer)
        self.assertIn("revoked", answer)

    def test_it_refuses_when_out_of_stock_saying_how_many_are_left(self) -> None:
        do_record_count(actor=self.alice, site=self.site_a, commodity=self.bread, counted=5,
                        reason="spoiled in the rain")  # fmt: skip
        answer = self.scan(self.card_a.code)
        self.assertIn('data-answer="out_of_stock"', answer)
        self.assertIn("6 needed, 5 left", answer)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 5)
        self.assertEqual(Collection.objects.count(), 0)

    def test_it_refuses_when_the_session_is_closed(self) -> None:
        do_close_session(actor=self.alice, session=self.session_a)
        answer = self.scan(self.card_a.code)
        self.assertIn('data-answer="session_closed"', answer)
        self.assertEqual(Collection.objects.count(), 0)

    def test_it_names_the_desk_in_the_collection_and_in_the_refusal_at_another(self) -> None:
        name_url = reverse("distribution:desk_name", args=[self.session_a.pk])
        response = self.client.post(name_url, {"desk": "Стіл 2"})
        self.assertRedirects(response, reverse("distribution:desk", args=[self.session_a.pk]))
        self.assertContains(self.client.get(response["Location"]), "Стіл 2")
        self.scan(self.card_a.code)
        self.assertEqual(Collection.objects.get().desk, "Стіл 2")
        self.login(self.alice)  # another volunteer, another desk, the same card
        answer = self.scan(self.card_a.code)
        self.assertIn("desk Стіл 2", answer)

    def test_it_refuses_a_desk_name_too_long_saying_so(self) -> None:
        name_url = reverse("distribution:desk_name", args=[self.session_a.pk])
        response = self.client.post(name_url, {"desk": "Х" * 41})
        self.assertContains(response, "errorlist")
        self.assertContains(response, '<details class="desk-name" open>')

    def test_it_refuses_a_household_with_no_members_on_record(self) -> None:
        # not something the registry lets happen today; the desk must still not crash on it
        empty = Household.objects.create(site=self.site_a)
        card = Card.objects.create(household=empty, code=cardcode.generate())
        answer = self.scan(card.code)
        self.assertIn('data-answer="no_members"', answer)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 100)

    def test_it_refuses_to_open_a_programme_twice_at_one_site(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("distribution:session_open"),
            {"programme": str(self.programme.pk), "site": str(self.site_a.pk)},
        )
        self.assertContains(response, "already open at Міська рада")
        self.assertEqual(DistributionSession.objects.open().filter(site=self.site_a).count(), 1)

    def test_it_works_without_javascript(self) -> None:
        page = self.scan(self.card_a.code, htmx=False)
        self.assertIn("<html", page)
        self.assertIn('data-answer="ok"', page)

    def test_it_asks_for_a_card_when_the_input_is_empty(self) -> None:
        answer = self.scan("")
        self.assertIn("Scan a card or type its code.", answer)

    def test_it_gives_a_distributor_of_site_b_404_for_the_desk_of_site_a(self) -> None:
        self.login(self.bea)
        for name in ("distribution:desk", "distribution:stock_left"):
            url = reverse(name, args=[self.session_a.pk])
            self.assertEqual(self.client.get(url).status_code, 404, name)
        url = reverse("distribution:checkin", args=[self.session_a.pk])
        self.assertEqual(self.client.post(url, {"card": self.card_a.code}).status_code, 404)
        self.assertEqual(Collection.objects.count(), 0)
        listing = self.client.get(reverse("distribution:sessions"))
        self.assertNotContains(listing, str(self.session_a.pk))
        self.assertContains(listing, str(self.session_b.pk))

    def test_it_lets_site_b_serve_only_what_it_has(self) -> None:
        self.login(self.bea)
        url = reverse("distribution:checkin", args=[self.session_b.pk])
        # a household of site A may collect at site B too: the rule is once a day, anywhere
        response = self.client.post(url, {"card": self.card_a.code}, headers={"HX-Request": "1"})
        self.assertContains(response, 'data-answer="ok"')
        self.assertEqual(balance_of(site=self.site_b, commodity=self.bread), 94)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 100)


class UkrainianDeskTestCase(BaseTestCase):
    def test_it_answers_in_ukrainian_by_default(self) -> None:
        self.login(self.dan)
        url = reverse("distribution:checkin", args=[self.session_a.pk])
        answer = self.client.post(url, {"card": self.card_a.code}, headers={"HX-Request": "1"})
        self.assertContains(answer, "Видати 6")
        again = self.client.post(url, {"card": self.card_a.code}, headers={"HX-Request": "1"})
        self.assertContains(again, "Вже отримано сьогодні")
