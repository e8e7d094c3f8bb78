"""Every reason the matching engine gives is one a registrar can read, in both languages."""

from __future__ import annotations

from django.test import SimpleTestCase
from django.utils import translation

from hromada.lib import matching
from hromada.people.presenting import REASONS, reason_labels


class ReasonLabelsTest(SimpleTestCase):
    def test_every_reason_of_the_engine_has_a_label(self) -> None:
        self.assertEqual(set(matching.REASONS) - set(REASONS), set())

    def test_every_label_is_in_ukrainian(self) -> None:
        with translation.override("uk"):
            for reason in reason_labels(sorted(matching.REASONS)):
                with self.subTest(reason.code), translation.override("en"):
                    self.assertNotEqual(reason.label, str(REASONS[reason.code]))
