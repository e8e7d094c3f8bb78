"""Every write to the registry goes through these functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from hromada.core.audit import record_audit
from hromada.core.models import Site, User
from hromada.lib import cardcode
from hromada.people.models import BirthPrecision, Card, Household, Person


@dataclass(frozen=True)
class MemberData:
    family_name: str
    given_name: str
    patronymic: str
    sex: str
    birth_date: date
    birth_precision: str = BirthPrecision.DAY


PERSON_FIELDS = ("family_name", "given_name", "patronymic", "sex", "birth_date", "birth_precision")


@transaction.atomic
def do_create_household(
    *, actor: User | None, site: Site, address: str, members: list[MemberData]
) -> Household:
    if not members:
        raise ValueError("a household has at least one member")
    household = Household.objects.create(site=site, address=address)
    record_audit(
        actor=actor, action="people.create_household", obj=household,
        fields=["site", "address"], site=site,
    )  # fmt: skip
    for member in members:
        person = Person(
            household=household,
            family_name=member.family_name,
            given_name=member.given_name,
            patronymic=member.patronymic,
            sex=member.sex,
            birth_date=member.birth_date,
            birth_precision=member.birth_precision,
        )
        person.search_key = person.folded_name()
        person.save(force_insert=True)
        record_audit(
            actor=actor, action="people.create_person", obj=person,
            fields=["household", *PERSON_FIELDS], site=site,
        )  # fmt: skip
    return household


@transaction.atomic
def do_register_household(
    *, actor: User | None, site: Site, address: str, members: list[MemberData]
) -> tuple[Household, Card]:
    """A household and its first card, in one transaction: never a household left without
    the card the registrar was told it has."""
    household = do_create_household(actor=actor, site=site, address=address, members=members)
    return household, do_issue_card(actor=actor, household=household)


@transaction.atomic
def do_issue_card(*, actor: User | None, household: Household) -> Card:
    """Issue a new card; the household's active card, if any, is revoked (it was lost)."""
    # The household's row is the lock: two clicks on "issue" queue here instead of both
    # finding no active card and the second failing on the one-active-card constraint.
    Household.objects.select_for_update().filter(pk=household.pk).first()
    for old in household.cards.select_for_update().filter(status=Card.Status.ACTIVE):
        _revoke(actor=actor, card=old)
    for _attempt in range(5):
        try:
            # a savepoint, so that a collision of random codes can be retried
            with transaction.atomic():
                card = Card.objects.create(household=household, code=cardcode.generate())
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("could not draw a unique card code")
    record_audit(
        actor=actor, action="people.issue_card", obj=card,
        fields=["household", "code", "status"], site=household.site,
    )  # fmt: skip
    return card


def _revoke(*, actor: User | None, card: Card) -> None:
    card.status = Card.Status.REVOKED
    card.revoked_at = timezone.now()
    card.save(update_fields=["status", "revoked_at"])
    record_audit(
        actor=actor, action="people.revoke_card", obj=card,
        fields=["status", "revoked_at"], site=card.household.site,
    )  # fmt: skip


@transaction.atomic
def do_revoke_card(*, actor: User | None, card: Card) -> Card:
    card = Card.objects.select_for_update().get(pk=card.pk)
    if card.status == Card.Status.ACTIVE:
        _revoke(actor=actor, card=card)
    return card
