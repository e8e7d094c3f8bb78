from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand

from hromada.people.actions import do_find_duplicates
from hromada.people.matching import reindex_all


class Command(BaseCommand):
    help = (
        "Check the whole registry for people registered twice; new likely pairs join the "
        "coordinators' review queue. Nothing is merged."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reindex", action="store_true",
            help="first rewrite every person's matching keys (after an upgrade that changed them)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reindex"]:
            self.stdout.write(f"Keys rewritten for {reindex_all()} people.")
        added = do_find_duplicates(actor=None, processes=os.cpu_count() or 1)
        self.stdout.write(f"{added} new possible duplicates in the review queue.")
