"""The registry over JSON: search, register, read and change households and persons.

Who sees what: registrars (their sites) and coordinators read and write the whole record,
documents included; the distribution desk reads a household of its site as the names of the
members present and their number, which is what it needs to hand aid to the right people;
an auditor reads counts, never people. Input is checked by the same form as the registration
page (people.forms.MemberForm), so that a number the page refuses is refused here too.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, Literal, cast

from django import forms
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.params import functions as param_functions

from hromada.core.api import NO_NUL, Error, Invalid, Refusal, answer_once, idempotency_key
from hromada.core.idempotency import replay
from hromada.core.models import User
from hromada.people.actions import (
    DocumentTaken,
    MemberData,
    do_add_member,
    do_register_household,
    do_update_household,
    do_update_person,
)
from hromada.people.forms import AddressForm, HouseholdForm, MemberForm
from hromada.people.matching import Hit, remember_different, search_for, visible_duplicates
from hromada.people.models import (
    Card,
    DocumentKind,
    Household,
    LegalBasis,
    Person,
    PersonStatus,
    Residency,
    Sex,
    VulnerabilityKind,
)
from hromada.people.presenting import counts as registry_counts

router = Router(tags=["people"])

REGISTRY = ("coordinator", "registrar")


def _user(request: HttpRequest, *roles: str) -> User:
    user = cast(User, request.user)
    if not user.has_role(*roles):
        raise Refusal(403, "forbidden", _("Your role may not do this in the registry."))
    return user


def _get_household_for_user(user: User, pk: uuid.UUID) -> Household:
    household = Household.objects.visible_to(user).select_related("site").filter(pk=pk).first()
    if household is None:
        raise Refusal(404, "not_found", _("No such household."))
    return household


def _get_person_for_user(user: User, pk: uuid.UUID) -> Person:
    person = Person.objects.visible_to(user).select_related("household__site").filter(pk=pk).first()
    if person is None:
        raise Refusal(404, "not_found", _("No such person."))
    return person


# ---------------------------------------------------------------------------------------------
# What the API says about people


class DocumentOut(Schema):
    kind: str
    number: str  # as it is written on the document ("АА 123456")


class VulnerabilityOut(Schema):
    kind: str
    disability_group: int | None


class PersonOut(Schema):
    id: uuid.UUID
    household: uuid.UUID
    site: uuid.UUID
    family_name: str
    given_name: str
    patronymic: str
    latin_name: str
    sex: str
    birth: str  # "14.03.1957", "03.1957" or "1957": what is known
    birth_precision: str
    is_head: bool
    phone: str  # E.164
    status: str
    residency: str
    displaced_from: str
    displaced_on: date | None
    legal_basis: str
    merged_into: uuid.UUID | None
    documents: list[DocumentOut]
    vulnerabilities: list[VulnerabilityOut]


class HouseholdOut(Schema):
    view: Literal["registry"]
    id: uuid.UUID
    site: uuid.UUID
    address: str
    card: str | None
    size: int  # members present in the town: those who count for aid
    merged_into: uuid.UUID | None
    members: list[PersonOut]


class DeskMemberOut(Schema):
    name: str
    is_head: bool


class DeskHouseholdOut(Schema):
    """What the desk needs to serve a household: who is on the card, and how many."""

    view: Literal["desk"]
    id: uuid.UUID
    site: uuid.UUID
    size: int
    members: list[DeskMemberOut]


def _person_summary(person: Person) -> dict[str, Any]:
    """Who a person is, as a search result shows them."""
    return {
        "id": str(person.pk),
        "household": str(person.household_id),
        "site": str(person.household.site_id),
        "family_name": person.family_name,
        "given_name": person.given_name,
        "patronymic": person.patronymic,
        "latin_name": person.latin_name(),
        "sex": person.sex,
        "birth": person.birth_display(),
        "status": person.status,
    }


def _person(person: Person) -> dict[str, Any]:
    """A person as JSON (text, not objects: an idempotent answer is stored as it was sent)."""
    return {
        **_person_summary(person),
        "birth_precision": person.birth_precision,
        "is_head": person.is_head,
        "phone": person.phone,
        "residency": person.residency,
        "displaced_from": person.displaced_from,
        "displaced_on": person.displaced_on.isoformat() if person.displaced_on else None,
        "legal_basis": person.legal_basis,
        "merged_into": str(person.merged_into_id) if person.merged_into_id else None,
        "documents": [
            {"kind": d.kind, "number": d.display_number()} for d in person.documents.all()
        ],
        "vulnerabilities": [
            {"kind": v.kind, "disability_group": v.disability_group}
            for v in person.vulnerabilities.all()
        ],
    }


def _members(household: Household) -> list[Person]:
    return list(
        household.members.select_related("household")
        .prefetch_related("documents", "vulnerabilities")
        .order_by("-is_head", "created_at")
    )


def _household(household: Household) -> dict[str, Any]:
    members = _members(household)
    card = household.active_card()
    return {
        "view": "registry",
        "id": str(household.pk),
        "site": str(household.site_id),
        "address": household.address,
        "card": card.code if card else None,
        "size": sum(1 for m in members if m.status == PersonStatus.PRESENT),
        "merged_into": str(household.merged_into_id) if household.merged_into_id else None,
        "members": [_person(m) for m in members],
    }


def _desk_household(household: Household) -> dict[str, Any]:
    present = household.members.filter(status=PersonStatus.PRESENT).order_by(
        "-is_head", "created_at"
    )
    members = [{"name": str(m), "is_head": m.is_head} for m in present]
    return {
        "view": "desk",
        "id": str(household.pk),
        "site": str(household.site_id),
        "size": len(members),
        "members": members,
    }


# ---------------------------------------------------------------------------------------------
# What the API is sent about people


class DocumentIn(Schema):
    kind: DocumentKind
    number: str = Field(max_length=40, pattern=NO_NUL)


class VulnerabilityIn(Schema):
    kind: VulnerabilityKind
    disability_group: int | None = Field(None, ge=1, le=3, description="I, II or III")


LiveStatus = Literal["present", "evacuated", "left", "deceased", "missing"]
BIRTH_HELP = "14.03.1957; 03.1957 or 1957 when only that is known"


class MemberIn(Schema):
    family_name: str = Field(min_length=1, max_length=150, pattern=NO_NUL)
    given_name: str = Field(min_length=1, max_length=150, pattern=NO_NUL)
    patronymic: str = Field("", max_length=150, pattern=NO_NUL)
    sex: Sex
    birth: str = Field(min_length=1, max_length=10, pattern=NO_NUL, description=BIRTH_HELP)
    is_head: bool = False
    phone: str = Field("", max_length=30, pattern=NO_NUL, description="067 123 45 67 or +48 …")
    residency: Residency = Residency.RESIDENT
    displaced_from: str = Field("", max_length=200, pattern=NO_NUL)
    displaced_on: str = Field("", max_length=10, pattern=NO_NUL, description="14.03.2022")
    status: LiveStatus = "present"
    legal_basis: LegalBasis = LegalBasis.CONSENT
    documents: list[DocumentIn] = Field([], max_length=10)
    vulnerabilities: list[VulnerabilityIn] = Field([], max_length=10)


class PersonPatch(Schema):
    """Only what is sent changes; a field left out (or null) stays as it is. `documents` and
    `vulnerabilities`, when sent, are the whole new list."""

    family_name: str | None = Field(None, min_length=1, max_length=150, pattern=NO_NUL)
    given_name: str | None = Field(None, min_length=1, max_length=150, pattern=NO_NUL)
    patronymic: str | None = Field(None, max_length=150, pattern=NO_NUL)
    sex: Sex | None = None
    birth: str | None = Field(
        None, min_length=1, max_length=10, pattern=NO_NUL, description=BIRTH_HELP
    )
    is_head: bool | None = None
    phone: str | None = Field(None, max_length=30, pattern=NO_NUL)
    residency: Residency | None = None
    displaced_from: str | None = Field(None, max_length=200, pattern=NO_NUL)
    displaced_on: str | None = Field(None, max_length=10, pattern=NO_NUL)
    status: LiveStatus | None = None
    legal_basis: LegalBasis | None = None
    documents: list[DocumentIn] | None = Field(None, max_length=10)
    vulnerabilities: list[VulnerabilityIn] | None = Field(None, max_length=10)


_DOCUMENT_FIELD = re.compile(r"^document_(\d+)_(kind|number)$")


class _Invalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid")
        self.errors = errors


def _invalid(errors: dict[str, list[str]]) -> Refusal:
    fields = sorted(errors)
    message = "; ".join(f"{field}: {' '.join(errors[field])}" for field in fields)
    return Refusal(
        422,
        "invalid",
        _("Check these fields: %(errors)s") % {"errors": message},
        fields=fields,
        errors=errors,
    )


def _checked(member: dict[str, Any], prefix: str) -> MemberData:
    """One member as the registration form checks it: `member` as the API takes it, every
    field present. Errors are named by the API's field names, under `prefix`."""
    data: dict[str, Any] = {
        name: str(member[name])
        for name in ("family_name", "given_name", "patronymic", "sex", "birth", "phone",
                     "residency", "displaced_from", "displaced_on", "status", "legal_basis")
    }  # fmt: skip
    data["is_head"] = bool(member["is_head"])
    errors: dict[str, list[str]] = {}
    vulns = member["vulnerabilities"]
    data["vulnerabilities"] = list(dict.fromkeys(str(v["kind"]) for v in vulns))
    # The form has one disability group, for the disability; the API one per vulnerability.
    group_at = None
    for i, vuln in enumerate(vulns):
        if vuln["disability_group"] is None:
            continue
        if vuln["kind"] == VulnerabilityKind.DISABILITY:
            group_at = i
        else:
            errors[f"{prefix}vulnerabilities.{i}.disability_group"] = [
                _("A disability group is only for a disability.")
            ]
    if group_at is None:
        group_at = next(
            (i for i, v in enumerate(vulns) if v["kind"] == VulnerabilityKind.DISABILITY), None
        )
    group = vulns[group_at]["disability_group"] if group_at is not None else None
    data["disability_group"] = "" if group is None else str(group)
    documents = member["documents"]
    for i, doc in enumerate(documents):
        data[f"document_{i}_kind"] = str(doc["kind"])
        data[f"document_{i}_number"] = doc["number"]
    form = MemberForm(data, document_slots=len(documents))
    if form.is_valid() and not errors:
        return form.member()
    for name, messages in _form_errors(form).items():
        errors.setdefault(_api_field(name, prefix, group_at), []).extend(messages)
    raise _Invalid(errors)


def _form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def _api_field(name: str, prefix: str, group_at: int | None) -> str:
    """A MemberForm field's name as the API calls it."""
    document = _DOCUMENT_FIELD.match(name)
    if document:
        return f"{prefix}documents.{document[1]}.{document[2]}"
    if name == "disability_group":
        if group_at is None:
            return f"{prefix}vulnerabilities"
        return f"{prefix}vulnerabilities.{group_at}.disability_group"
    if name == "__all__":
        return prefix.rstrip(".") or "body"
    return prefix + name


def _as_input(person: Person) -> dict[str, Any]:
    """A person as the API takes them: the starting point of a partial change."""
    vulns = list(person.vulnerabilities.all())
    return {
        "family_name": person.family_name,
        "given_name": person.given_name,
        "patronymic": person.patronymic,
        "sex": person.sex,
        "birth": person.birth_display(),
        "is_head": person.is_head,
        "phone": person.phone,
        "residency": person.residency,
        "displaced_from": person.displaced_from,
        "displaced_on": person.displaced_on.strftime("%d.%m.%Y") if person.displaced_on else "",
        "status": person.status,
        "legal_basis": person.legal_basis,
        "documents": [
            {"kind": d.kind, "number": d.display_number()} for d in person.documents.all()
        ],
        "vulnerabilities": [
            {"kind": v.kind, "disability_group": v.disability_group} for v in vulns
        ],
    }


# ---------------------------------------------------------------------------------------------
# Possible duplicates


class ReasonOut(Schema):
    code: str
    label: str
    differs: bool


class HitOut(Schema):
    id: uuid.UUID
    household: uuid.UUID
    site: uuid.UUID
    family_name: str
    given_name: str
    patronymic: str
    latin_name: str
    sex: str
    birth: str
    status: str
    score: float
    reasons: list[ReasonOut]


class DuplicateOut(HitOut):
    member: int  # which of the members sent (0 for the only one) may be this person


class Conflict(Error):
    """409: `possible_duplicates` lists the registered persons who may be the ones sent;
    `document_taken` and `merged` carry the message alone."""

    duplicates: list[DuplicateOut] = []


def _hit(hit: Hit) -> dict[str, Any]:
    return {
        **_person_summary(hit.person),
        "score": round(hit.match.score, 3),
        "reasons": [{"code": r.code, "label": r.label, "differs": r.differs} for r in hit.reasons],
    }


def _unacknowledged(
    found: dict[int, list[Hit]], different_from: list[uuid.UUID]
) -> dict[int, list[Hit]]:
    """The possible duplicates the request did not say are different people."""
    acknowledged = set(different_from)
    left = {
        row: [h for h in hits if h.person.pk not in acknowledged] for row, hits in found.items()
    }
    return {row: hits for row, hits in left.items() if hits}


def _duplicates_refusal(duplicates: dict[int, list[Hit]]) -> Refusal:
    return Refusal(
        409,
        "possible_duplicates",
        _(
            "These people may already be registered. Open the existing record, or send the "
            "request again with their ids in “different_from” if they are different people."
        ),
        duplicates=[
            {**_hit(hit), "member": row} for row, hits in sorted(duplicates.items()) for hit in hits
        ],
    )


# ---------------------------------------------------------------------------------------------
# Writes a device may retry


def _once(user: User, key: str, write: Callable[[], dict[str, Any]]) -> Status[Any]:
    """Run `write` and answer 201 with what it returns, once per key (core.api.answer_once):
    a refusal wrote nothing, so the same key may be sent again (with the duplicates
    acknowledged, say)."""

    def created() -> tuple[int, dict[str, Any]]:
        try:
            return 201, write()
        except DocumentTaken as taken:
            raise Refusal(409, "document_taken", str(taken)) from None

    return answer_once(user=user, key=key, write=created)


# ---------------------------------------------------------------------------------------------
# Endpoints


class Pages(LimitOffsetPagination):
    class Input(Schema):
        # bounded, so that no number a client sends overflows the database's integers (a 500)
        limit: int = Field(100, ge=1, le=2**31 - 1)
        offset: int = Field(0, ge=0, le=2**31 - 1)


class HouseholdListOut(Schema):
    id: uuid.UUID
    site: uuid.UUID
    members: int
    card: str | None

    @staticmethod
    def resolve_site(obj: Household) -> uuid.UUID:
        return obj.site_id

    @staticmethod
    def resolve_members(obj: Household) -> int:
        return int(obj.n_members)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_card(obj: Household) -> str | None:
        return obj.active_code  # type: ignore[attr-defined, no-any-return]


@router.get(
    "/households", response={200: list[HouseholdListOut], 401: Error, 403: Error, 422: Error}
)
@paginate(Pages)
def households(
    request: HttpRequest,
    q: str = param_functions.Query("", pattern=NO_NUL),
) -> QuerySet[Household]:
    """Households matching a name or card code (without `q`: all), a page at a time."""
    user = cast(User, request.user)
    if not user.has_role(*REGISTRY):
        raise HttpError(403, _("Only registrars and coordinators may search the registry."))
    active = Card.objects.filter(household=OuterRef("pk"), status=Card.Status.ACTIVE)
    return (
        Household.objects.visible_to(user)
        .search(q)
        .annotate(
            n_members=Count("members", distinct=True),
            active_code=Subquery(active.values("code")[:1]),
        )
        .order_by("-created_at", "pk")
    )


@router.get("/search", response={200: list[HitOut], 401: Error, 403: Error, 422: Invalid})
def search_persons(
    request: HttpRequest,
    q: str = param_functions.Query(..., max_length=200, pattern=NO_NUL),
    limit: int = param_functions.Query(20, ge=1, le=100),
) -> Any:
    """Persons answering one line (a name in any spelling or script, a document number, a
    phone, a birth date, a card code), best match first, each with why it matched."""
    return _search(request, q, limit)


class SearchIn(Schema):
    q: str = Field(..., max_length=200, pattern=NO_NUL)
    limit: int = Field(20, ge=1, le=100)


@router.post("/search", response={200: list[HitOut], 401: Error, 403: Error, 422: Invalid})
def search_persons_posted(request: HttpRequest, payload: SearchIn) -> Any:
    """The same search with the line in the body: names stay out of the URL, and so out of
    proxies' logs and the device's history. It reads, it changes nothing."""
    return _search(request, payload.q, payload.limit)


def _search(request: HttpRequest, text: str, limit: int) -> list[dict[str, Any]]:
    user = _user(request, *REGISTRY)
    return [_hit(hit) for hit in search_for(user, text, limit=limit)]


class HouseholdIn(Schema):
    site: uuid.UUID | None = Field(None, description="may be left out by a user of one site")
    address: str = Field("", max_length=300, pattern=NO_NUL)
    members: list[MemberIn] = Field(min_length=1, max_length=30)
    different_from: list[uuid.UUID] = Field(
        [], max_length=200, description="registered persons the registrar says are others"
    )


REGISTERED = {201: HouseholdOut, 401: Error, 403: Error, 404: Error, 409: Conflict, 422: Invalid}


@router.post("/households", response=REGISTERED)
def household_create(request: HttpRequest, payload: HouseholdIn) -> Any:
    """Register a household and issue its card. Possible duplicates are refused (409) unless
    acknowledged in `different_from`. A request repeated with the same `Idempotency-Key`
    header gets the first answer back and changes nothing."""
    user = _user(request, *REGISTRY)
    key = idempotency_key(request)
    # before anything else: the retry of a registration would find it a duplicate of itself
    earlier = replay(user=user, key=key) if key else None
    if earlier is not None:
        return Status(*earlier)
    sites = user.visible_sites()
    site = payload.site
    if site is None and len(sites) == 1:
        site = sites[0].pk
    form = HouseholdForm(
        {"site": str(site) if site else "", "address": payload.address}, sites=sites
    )
    errors: dict[str, list[str]] = {}
    if not form.is_valid():
        errors.update(_form_errors(form))
    members = []
    for i, member in enumerate(payload.members):
        try:
            members.append(_checked(member.model_dump(), f"members.{i}."))
        except _Invalid as invalid:
            errors.update(invalid.errors)
    if errors:
        raise _invalid(errors)
    found = visible_duplicates(user, members)
    duplicates = _unacknowledged(found, payload.different_from)
    if duplicates:
        raise _duplicates_refusal(duplicates)

    def write() -> dict[str, Any]:
        household, _card = do_register_household(
            actor=user,
            site=form.cleaned_data["site"],
            address=form.cleaned_data["address"],
            members=members,
        )
        remember_different(user, list(household.members.order_by("created_at")), found)
        return _household(household)

    return _once(user, key, write)


@router.get(
    "/households/{id}",
    response={200: HouseholdOut | DeskHouseholdOut, 401: Error, 403: Error, 404: Error,
              422: Invalid},
)  # fmt: skip
def household_detail(request: HttpRequest, id: uuid.UUID) -> Any:
    """A household with its members. For the desk of its site (a distributor), only the
    names of the members present and their number: enough to see that the card is theirs."""
    user = _user(request, *REGISTRY, "distributor")
    if user.has_role("distributor"):
        household = Household.objects.filter(pk=id, site__in=user.sites.all()).first()
        if household is None:
            raise Refusal(404, "not_found", _("No such household."))
        return _desk_household(household)
    return _household(_get_household_for_user(user, id))


class HouseholdPatch(Schema):
    address: str | None = Field(None, max_length=300, pattern=NO_NUL)


@router.patch(
    "/households/{id}",
    response={200: HouseholdOut, 401: Error, 403: Error, 404: Error, 422: Invalid},
)
def household_update(request: HttpRequest, id: uuid.UUID, payload: HouseholdPatch) -> Any:
    """Change the household's address (what is left out stays as it is)."""
    user = _user(request, *REGISTRY)
    household = _get_household_for_user(user, id)
    if payload.address is not None:
        form = AddressForm({"address": payload.address})
        if not form.is_valid():
            raise _invalid(_form_errors(form))
        household = do_update_household(
            actor=user, household=household, address=form.cleaned_data["address"]
        )
    return _household(household)


class MemberNewIn(MemberIn):
    different_from: list[uuid.UUID] = Field(
        [], max_length=200, description="registered persons the registrar says are others"
    )


@router.post("/households/{id}/members", response=REGISTERED)
def member_add(request: HttpRequest, id: uuid.UUID, payload: MemberNewIn) -> Any:
    """Add a member to a household; answers with the household. Duplicates and the
    `Idempotency-Key` as for registering a household."""
    user = _user(request, *REGISTRY)
    key = idempotency_key(request)
    earlier = replay(user=user, key=key) if key else None
    if earlier is not None:
        return Status(*earlier)
    household = _get_household_for_user(user, id)
    try:
        member = _checked(payload.model_dump(), "")
    except _Invalid as invalid:
        raise _invalid(invalid.errors) from None
    found = visible_duplicates(user, [member], household)
    duplicates = _unacknowledged(found, payload.different_from)
    if duplicates:
        raise _duplicates_refusal(duplicates)

    def write() -> dict[str, Any]:
        person = do_add_member(actor=user, household=household, member=member)
        remember_different(user, [person], found)
        return _household(household)

    return _once(user, key, write)


@router.get(
    "/persons/{id}", response={200: PersonOut, 401: Error, 403: Error, 404: Error, 422: Invalid}
)
def person_detail(request: HttpRequest, id: uuid.UUID) -> Any:
    """Everything recorded of a person. A record merged into another says which
    (`merged_into`)."""
    person = _get_person_for_user(_user(request, *REGISTRY), id)
    return _person(person)


@router.patch(
    "/persons/{id}",
    response={200: PersonOut, 401: Error, 403: Error, 404: Error, 409: Conflict, 422: Invalid},
)
def person_update(request: HttpRequest, id: uuid.UUID, payload: PersonPatch) -> Any:
    """Change what is recorded of a person: only the fields sent, checked as the person's page
    checks them."""
    user = _user(request, *REGISTRY)
    person = _get_person_for_user(user, id)
    if person.status == PersonStatus.MERGED:
        raise Refusal(
            409, "merged", _("This record was merged into another; change that one instead.")
        )
    # not model_dump(exclude_none=True): that would drop a vulnerability's empty group too
    changes = {name: value for name, value in payload.model_dump().items() if value is not None}
    try:
        member = _checked({**_as_input(person), **changes}, "")
    except _Invalid as invalid:
        raise _invalid(invalid.errors) from None
    try:
        person = do_update_person(actor=user, person=person, member=member)
    except DocumentTaken as taken:
        raise Refusal(409, "document_taken", str(taken)) from None
    return _person(
        Person.objects.select_related("household")
        .prefetch_related("documents", "vulnerabilities")
        .get(pk=person.pk)
    )


class CountOut(Schema):
    code: str
    label: str
    count: int


class CountsOut(Schema):
    households: int
    persons: int
    displaced: int
    open_duplicates: int
    by_status: list[CountOut]
    by_vulnerability: list[CountOut]


@router.get("/counts", response={200: CountsOut, 401: Error, 403: Error})
def counts(request: HttpRequest) -> Any:
    """Numbers of households and people on the sites the user covers; no one's name."""
    user = _user(request, "coordinator", "auditor")
    found = registry_counts(user)
    statuses = [value for value in PersonStatus.values if value != PersonStatus.MERGED]
    return {
        "households": found.households,
        "persons": found.persons,
        "displaced": found.displaced,
        "open_duplicates": found.open_duplicates,
        "by_status": [
            {"code": code, "label": label, "count": n}
            for code, (label, n) in zip(statuses, found.by_status, strict=True)
        ],
        "by_vulnerability": [
            {"code": code, "label": label, "count": n}
            for code, (label, n) in zip(VulnerabilityKind.values, found.by_vulnerability,
                                        strict=True)
        ],
    }  # fmt: skip
