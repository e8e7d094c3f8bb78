"""Write the registry as a regional linkage job reads it: name keys, not names.

The file is made to leave this machine: it goes to HQ's cluster, where Splink links a whole
region's registry (scripts/splink_link.py, docs/linkage.md), and the pairs it finds come back
through `hromada import_linkage_pairs`. So it carries only what linking needs. The names
themselves stay here: each name part goes out as its key (lib.names.name_keys), which is what
the linkage compares anyway (the bench's Splink run on keys found the Latin, Cyrillic and
Russian spellings of one name that it missed on the names as written). A key reveals less
than the name: not the script, the spelling or the form the person gave (Тетяна, Tetiana
and the Russian Татьяна share the key "tetana"). It is no pseudonym, though: a key still
reads as a name. Keys, birth dates, phones and document numbers are personal data: the file
is written readable by its owner only, and is to be carried, kept and deleted as the registry
itself is.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from hromada.lib.names import name_keys
from hromada.people.actions import do_record_linkage_export
from hromada.people.models import BirthPrecision, Document, Person

COLUMNS = (
    "unique_id",
    "household",
    "family_key",
    "given_key",
    "patronymic_key",
    "sex",
    "birth_year",
    "birth_month",
    "birth_day",
    "phone",
    "documents",
)

# rows fetched per query: with the documents prefetched per chunk, memory stays flat
CHUNK = 2000


def name_key_of(text: str) -> str:
    """One key for a name part: the keys of its words, sorted, so that a double surname
    written in either order (Петренко-Коваль, Коваль Петренко) gives the same key."""
    return "-".join(sorted(name_keys(text)))


def linkage_row(person: Person) -> list[str]:
    born = person.birth_date
    precision = person.birth_precision
    month = str(born.month) if precision in (BirthPrecision.DAY, BirthPrecision.MONTH) else ""
    day = str(born.day) if precision == BirthPrecision.DAY else ""
    # the kind goes with the number: the same digits as two kinds of document are not a match
    documents = sorted(f"{d.kind}:{d.number}" for d in person.documents.all())
    return [
        str(person.pk),
        str(person.household_id),
        name_key_of(person.family_name),
        name_key_of(person.given_name),
        name_key_of(person.patronymic),
        person.sex,
        str(born.year),
        month,
        day,
        person.phone,
        ";".join(documents),
    ]


def linkage_rows() -> Iterator[list[str]]:
    """Every current person (not the second records merged into another), streamed."""
    persons = (
        Person.objects.current()
        .only(
            "id",
            "household_id",
            "family_name",
            "given_name",
            "patronymic",
            "sex",
            "birth_date",
            "birth_precision",
            "phone",
        )  # fmt: skip
        .prefetch_related(
            Prefetch("documents", queryset=Document.objects.only("person_id", "kind", "number"))
        )
        .order_by("pk")
    )
    for person in persons.iterator(chunk_size=CHUNK):
        yield linkage_row(person)


class Command(BaseCommand):
    help = (
        "Write every current person as name keys, birth date, phone and document numbers "
        "(no names) to a CSV file for the regional linkage job; see docs/linkage.md."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True, help="the CSV file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".csv":
            raise CommandError("--out: the file must end in .csv")
        if not out.parent.is_dir():
            raise CommandError(f"--out: no such folder: {out.parent}")
        # written beside the target and renamed at the end, so a file with that name is always
        # a whole export, never one cut short by a power cut
        partial = out.with_name(out.name + ".partial")
        # readable by its owner only: it holds personal data (see the module's docstring)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        count = 0
        try:
            with open(fd, "w", newline="", encoding="utf-8") as file:
                writer = csv.writer(file)
                writer.writerow(COLUMNS)
                for row in linkage_rows():
                    writer.writerow(row)
                    count += 1
                file.flush()
                os.fsync(file.fileno())
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        do_record_linkage_export(actor=None, columns=COLUMNS)
        self.stdout.write(
            f"{count} persons written to {out} (name keys, no names). It holds personal "
            "data: carry and keep it as the registry itself, delete it after the import."
        )
