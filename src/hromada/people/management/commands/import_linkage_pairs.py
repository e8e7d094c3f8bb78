"""Bring the pairs the regional linkage job found into the coordinators' review queue.

The file is the job's pairs.csv (scripts/splink_link.py, docs/linkage.md): one pair a row,
columns person_a, person_b, match_probability. Every row is checked before anything is
written; one bad row and nothing is imported. Nothing is merged: a coordinator decides.
"""

from __future__ import annotations

import csv
import math
import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hromada.people.actions import LinkedPair, RegistryError, do_import_duplicate_pairs
from hromada.people.models import Person

COLUMNS = ("person_a", "person_b", "match_probability")
# a file with many broken rows is named by its first few; the rest would bury them
MAX_ERRORS = 20


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{text!r} is not a probability between 0 and 1")
    return value


def read_pairs(path: Path) -> list[LinkedPair]:
    """Every row of the file as a pair, or a CommandError naming each bad row and column
    (rows numbered as a spreadsheet shows them: the header is row 1)."""
    try:
        file = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from None
    with file:
        try:
            errors, pairs, rows = _read_rows(path, csv.DictReader(file))
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not a UTF-8 text file") from None
    errors += _unknown_persons(pairs, rows)
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(f"... and {len(errors) - MAX_ERRORS} more")
        raise CommandError("Nothing was imported:\n" + "\n".join(shown))
    return pairs


def _read_rows(
    path: Path, reader: csv.DictReader[str]
) -> tuple[list[str], list[LinkedPair], list[int]]:
    """The pairs of the well-formed rows with their row numbers, and what is wrong with the
    others."""
    errors: list[str] = []
    pairs: list[LinkedPair] = []
    rows: list[int] = []
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise CommandError(f"{path}: no column {', '.join(missing)} in the header row")
    for row_number, row in enumerate(reader, start=2):
        values: dict[str, Any] = {}
        for column in ("person_a", "person_b"):
            text = (row[column] or "").strip()
            try:
                values[column] = uuid.UUID(text)
            except ValueError:
                errors.append(f"row {row_number}, column {column}: {text!r} is not a person id")
        try:
            values["probability"] = _probability((row["match_probability"] or "").strip())
        except ValueError as error:
            errors.append(f"row {row_number}, column match_probability: {error}")
        a, b = values.get("person_a"), values.get("person_b")
        if a is not None and a == b:
            errors.append(f"row {row_number}, column person_b: the same person as person_a")
        elif len(values) == 3:
            pairs.append(LinkedPair(**values))
            rows.append(row_number)
    return errors, pairs, rows


def _unknown_persons(pairs: list[LinkedPair], rows: list[int]) -> list[str]:
    ids = sorted({p for pair in pairs for p in (pair.person_a, pair.person_b)})
    present: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):  # SQLite's limit on a query's parameters
        chunk = ids[start : start + 500]
        present.update(Person.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    return [
        f"row {row}, column {column}: no person {value} in this registry"
        for pair, row in zip(pairs, rows, strict=True)
        for column, value in (("person_a", pair.person_a), ("person_b", pair.person_b))
        if value not in present
    ]


class Command(BaseCommand):
    help = (
        "Add the pairs of the regional linkage job (a CSV of person_a, person_b, "
        "match_probability) to the coordinators' review queue; all rows or none."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the pairs.csv the linkage job wrote")
        parser.add_argument(
            "--threshold", type=float, default=0.9,
            help="import only pairs with at least this match probability (default 0.9)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        threshold: float = options["threshold"]
        if math.isnan(threshold) or not 0.0 <= threshold <= 1.0:
            raise CommandError("--threshold: a probability between 0 and 1")
        pairs = read_pairs(Path(options["file"]))
        chosen = [pair for pair in pairs if pair.probability >= threshold]
        try:
            added = do_import_duplicate_pairs(actor=None, pairs=chosen)
        except RegistryError as error:
            raise CommandError(f"Nothing was imported: {error}") from None
        self.stdout.write(
            f"{len(pairs)} pairs read, {len(chosen)} at or above {threshold}: {added} new in "
            f"the review queue; the other {len(chosen) - added} were there already (decided "
            "or not), repeated, or name a record merged since the export."
        )
