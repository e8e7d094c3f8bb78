"""How the registry's matches and records are put in front of people: why two records
matched, in words; two records side by side; counts for those who may not see people."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hromada.core.models import User
from hromada.lib import matching
from hromada.people.models import (
    DuplicatePair,
    Household,
    Person,
    PersonStatus,
    Residency,
    Vulnerability,
    VulnerabilityKind,
)

# A card code found its household: not a reason lib.matching gives, since cards are the
# registry's, not the matcher's.
CARD = "card"
# ...nor is a name found by its letters when no key matched
CONTAINS = "name_contains"

# lib.matching's reason codes, as a registrar reads them
REASONS: dict[str, Promise] = {
    matching.FAMILY_NAME: _("same family name"),
    matching.FAMILY_NAME_SPELLING: _("family name in another spelling"),
    matching.FAMILY_NAME_TYPO: _("family name nearly the same (a typo?)"),
    matching.GIVEN_NAME: _("same given name"),
    matching.GIVEN_NAME_SPELLING: _("given name in another spelling or its Russian form"),
    matching.GIVEN_NAME_TYPO: _("given name nearly the same (a typo?)"),
    matching.PATRONYMIC: _("same patronymic"),
    matching.PATRONYMIC_SPELLING: _("patronymic in another spelling"),
    matching.PATRONYMIC_TYPO: _("patronymic nearly the same (a typo?)"),
    matching.NAMES_SWAPPED: _("family and given name swapped"),
    matching.BIRTH_DATE: _("same birth date"),
    matching.BIRTH_YEAR: _("same birth year"),
    matching.PHONE: _("same phone"),
    matching.DOCUMENT: _("same document number"),
    matching.DOCUMENT_TYPO: _("document number one keystroke off (a typo?)"),
    matching.ADDRESS: _("same address"),
    matching.FAMILY_NAME_DIFFERS: _("family name differs"),
    matching.GIVEN_NAME_DIFFERS: _("given name differs"),
    matching.PATRONYMIC_DIFFERS: _("patronymic differs"),
    matching.BIRTH_DATE_DIFFERS: _("birth date differs"),
    matching.BIRTH_YEAR_DIFFERS: _("birth year differs"),
    matching.SEX_DIFFERS: _("sex differs"),
    matching.PHONE_DIFFERS: _("phone differs"),
    matching.DOCUMENT_DIFFERS: _("a document of the same kind differs"),
    matching.SAME_HOUSEHOLD: _("members of one household"),
    matching.HOUSEHOLD: _("alike and registered in one household"),
    matching.LINKED: _("linked through other records found alike"),
    CARD: _("card code"),
    CONTAINS: _("the name contains what was typed"),
    # people.actions.LINKAGE: a pair the regional linkage job found (docs/linkage.md)
    "linkage": _("found by the regional linkage job"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    differs: bool


def reason_labels(codes: Iterable[str]) -> list[Reason]:
    out = []
    for code in codes:
        label = REASONS.get(code)
        if label is None:
            continue  # a code this version does not explain: better unsaid than untranslated
        out.append(Reason(code, str(label), code in matching.DIFFER_REASONS))
    return out


@dataclass(frozen=True)
class Row:
    label: str
    a: str
    b: str

    @property
    def differs(self) -> bool:
        return self.a != self.b


def _documents(person: Person) -> str:
    return ", ".join(str(d) for d in person.documents.all())


def _vulnerabilities(person: Person) -> str:
    return ", ".join(str(v) for v in person.vulnerabilities.all())


def side_by_side(a: Person, b: Person) -> list[Row]:
    """The fields of two records, in the order a registrar reads a record."""
    fields: list[tuple[Promise, object]] = [
        (_("family name"), lambda p: p.family_name),
        (_("given name"), lambda p: p.given_name),
        (_("patronymic"), lambda p: p.patronymic),
        (_("Latin"), lambda p: p.latin_name()),
        (_("sex"), lambda p: p.get_sex_display()),
        (_("born"), lambda p: p.birth_display()),
        (_("phone"), lambda p: p.phone_display()),
        (_("documents"), _documents),
        (_("vulnerabilities"), _vulnerabilities),
        (_("residency"), lambda p: p.get_residency_display()),
        (_("displaced from (hromada)"), lambda p: p.displaced_from),
        (_("status"), lambda p: p.get_status_display()),
        (_("household"), lambda p: str(p.household)),
        (_("address or location"), lambda p: p.household.address),
        (_("site"), lambda p: str(p.household.site)),
        (_("registered"), lambda p: p.created_at.strftime("%d.%m.%Y")),
    ]
    return [Row(str(label), str(get(a)), str(get(b))) for label, get in fields]  # type: ignore[operator]


@dataclass(frozen=True)
class Counts:
    households: int
    persons: int
    by_status: list[tuple[str, int]]
    displaced: int
    by_vulnerability: list[tuple[str, int]]
    open_duplicates: int


def counts(user: User) -> Counts:
    """Numbers of people in the registry the user's sites cover; no one's name."""
    sites = user.visible_sites()
    persons = Person.objects.current().filter(household__site__in=sites)
    statuses = dict(
        persons.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    vulns = dict(
        Vulnerability.objects.filter(person__in=persons)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return Counts(
        households=Household.objects.filter(site__in=sites, merged_into=None).count(),
        persons=persons.count(),
        by_status=[
            (str(label), statuses.get(value, 0))
            for value, label in PersonStatus.choices
            if value != PersonStatus.MERGED
        ],
        displaced=persons.filter(residency=Residency.DISPLACED).count(),
        by_vulnerability=[
            (str(label), vulns.get(value, 0)) for value, label in VulnerabilityKind.choices
        ],
        open_duplicates=DuplicatePair.objects.filter(
            Q(person_a__household__site__in=sites) | Q(person_b__household__site__in=sites),
            status=DuplicatePair.Status.OPEN,
        ).count(),
    )
