from __future__ import annotations

import uuid
from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.forms import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from hromada.core.models import User
from hromada.core.permissions import role_required
from hromada.people.actions import (
    DocumentTaken,
    RegistryError,
    do_add_member,
    do_authorise_proxy,
    do_find_duplicates,
    do_issue_card,
    do_mark_different,
    do_merge_persons,
    do_register_household,
    do_revoke_card,
    do_revoke_proxy,
    do_update_household,
    do_update_person,
)
from hromada.people.cards import qr_svg
from hromada.people.forms import (
    AddressForm,
    HouseholdForm,
    MemberForm,
    MemberFormSet,
    ProxyForm,
)
from hromada.people.matching import Hit, remember_different, search_for, visible_duplicates
from hromada.people.models import (
    Card,
    DuplicatePair,
    Household,
    Person,
    PersonMerge,
    PersonStatus,
    Proxy,
)
from hromada.people.presenting import counts, reason_labels, side_by_side

REGISTRY = ("coordinator", "registrar")
# 85.6 x 54 mm cards, two across and five down on A4
CARDS_PER_SHEET = 10


def _get_household_for_user(user: User, pk: uuid.UUID) -> Household:
    household = Household.objects.visible_to(user).select_related("site").filter(pk=pk).first()
    if household is None:
        raise Http404
    return household


def _get_card_for_user(user: User, pk: uuid.UUID) -> Card:
    card = Card.objects.filter(pk=pk, household__in=Household.objects.visible_to(user)).first()
    if card is None:
        raise Http404
    return card


@role_required(*REGISTRY)
def household_list(request: HttpRequest) -> HttpResponse:
    """The registry's front page: one search box (names in any spelling and script, document
    numbers, phones, birth dates, card codes), best match first with why it matched; without
    a query, the newest households.

    The search box posts, so that the names typed stay out of addresses, server logs and the
    browser's history; `?q=` still works for links and scripts."""
    user = cast(User, request.user)
    query = request.POST.get("q", "") if request.method == "POST" else request.GET.get("q", "")
    context: dict[str, object] = {"q": query}
    if query.strip():
        context["hits"] = search_for(user, query)
    else:
        households = Household.objects.visible_to(user).filter(merged_into=None).for_listing()
        context["page"] = Paginator(households, 50).get_page(request.GET.get("page"))
    if request.headers.get("HX-Request"):
        return render(request, "people/_search_results.html", context)
    return render(request, "people/household_list.html", context)


def _unacknowledged(request: HttpRequest, hits: dict[int, list[Hit]]) -> dict[int, list[Hit]]:
    """The possible duplicates the registrar has not yet said are different people."""
    acknowledged = set(request.POST.getlist("different"))
    return {
        row: [h for h in row_hits if f"{row}:{h.person.pk}" not in acknowledged]
        for row, row_hits in hits.items()
        if any(f"{row}:{h.person.pk}" not in acknowledged for h in row_hits)
    }


@role_required(*REGISTRY)
def household_create(request: HttpRequest) -> HttpResponse:
    """Register a household. Before saving, the people who may already be registered are
    shown with what matched; the registrar opens the existing record, or says these are
    different people (remembered, so the pair is not raised again) and saves."""
    user = cast(User, request.user)
    sites = user.visible_sites()
    form = HouseholdForm(request.POST or None, sites=sites)
    members = MemberFormSet(request.POST or None, prefix="members")
    duplicates: dict[int, list[Hit]] = {}
    if request.method == "POST" and form.is_valid() and members.is_valid():
        data = [f.member() for f in members.forms if f.has_changed()]
        found = visible_duplicates(user, data)
        duplicates = _unacknowledged(request, found)
        if not duplicates:
            try:
                household, _card = do_register_household(
                    actor=user,
                    site=form.cleaned_data["site"],
                    address=form.cleaned_data["address"],
                    members=data,
                )
            except DocumentTaken as error:
                form.add_error(None, str(error))
            else:
                remember_different(user, list(household.members.order_by("created_at")), found)
                messages.success(request, _("Household registered and a card issued."))
                return redirect("people:household", pk=household.pk)
        else:
            duplicates = found
    return render(
        request,
        "people/household_form.html",
        {"form": form, "members": members, "duplicates": _by_row(members, duplicates)},
    )


def _by_row(
    members: BaseFormSet[MemberForm], duplicates: dict[int, list[Hit]]
) -> list[tuple[str, int, list[Hit]]]:
    """The warnings per filled row, with the row's name as typed, for the template."""
    filled = [f for f in members.forms if f.has_changed()]
    return [
        (f"{filled[row].cleaned_data['family_name']} {filled[row].cleaned_data['given_name']}",
         row, hits)
        for row, hits in sorted(duplicates.items())
    ]  # fmt: skip


@role_required(*REGISTRY)
def household_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    household = _get_household_for_user(cast(User, request.user), pk)
    members = household.members.prefetch_related("documents", "vulnerabilities").order_by(
        "-is_head", "created_at"
    )
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "members": members,
            "cards": household.cards.all(),
            "address_form": AddressForm(initial={"address": household.address}),
            "proxies": household.proxies.active(),
            "proxy_form": ProxyForm(),
        },
    )


@require_POST
@role_required(*REGISTRY)
def proxy_add(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Someone the household authorises to collect for it; the desk then records who came."""
    user = cast(User, request.user)
    household = _get_household_for_user(user, pk)
    form = ProxyForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = " ".join(str(e) for e in errors)
            messages.error(request, f"{label}: {text}" if label else text)
        return redirect("people:household", pk=household.pk)
    do_authorise_proxy(
        actor=user,
        household=household,
        name=form.cleaned_data["name"],
        phone=form.cleaned_data["phone"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, _("The proxy may collect for this household from now."))
    return redirect("people:household", pk=household.pk)


@require_POST
@role_required(*REGISTRY)
def proxy_revoke(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    proxy = get_object_or_404(
        Proxy.objects.filter(household__in=Household.objects.visible_to(user)), pk=pk
    )
    do_revoke_proxy(actor=user, proxy=proxy)
    messages.success(request, _("The proxy may no longer collect for this household."))
    return redirect("people:household", pk=proxy.household_id)


@require_POST
@role_required(*REGISTRY)
def household_address(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    household = _get_household_for_user(user, pk)
    form = AddressForm(request.POST)
    if form.is_valid():
        do_update_household(actor=user, household=household, address=form.cleaned_data["address"])
        messages.success(request, _("The address was saved."))
    else:
        messages.error(request, _("The address is too long."))
    return redirect("people:household", pk=household.pk)


def _get_person_for_user(user: User, pk: uuid.UUID) -> Person:
    person = Person.objects.visible_to(user).select_related("household__site").filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


@role_required(*REGISTRY)
def member_add(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    household = _get_household_for_user(user, pk)
    form = MemberForm(request.POST or None, document_slots=2)
    duplicates: dict[int, list[Hit]] = {}
    if request.method == "POST" and form.is_valid():
        member = form.member()
        found = visible_duplicates(user, [member], household)
        duplicates = _unacknowledged(request, found)
        if not duplicates:
            try:
                person = do_add_member(actor=user, household=household, member=member)
            except DocumentTaken as error:
                form.add_error(None, str(error))
            else:
                remember_different(user, [person], found)
                messages.success(request, _("The member was added."))
                return redirect("people:household", pk=household.pk)
        else:
            duplicates = found
    name = ""
    if duplicates:
        name = f"{form.cleaned_data['family_name']} {form.cleaned_data['given_name']}"
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "household": household,
            "duplicates": [(name, row, hits) for row, hits in duplicates.items()],
        },
    )


@role_required(*REGISTRY)
def person_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    person = _get_person_for_user(user, pk)
    if person.status == PersonStatus.MERGED:
        return redirect("people:person", pk=person.merged_into_id)
    form = MemberForm(
        request.POST or None, initial=MemberForm.initial_for(person), document_slots=3
    )
    if request.method == "POST" and form.is_valid():
        try:
            do_update_person(actor=user, person=person, member=form.member())
        except DocumentTaken as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("people:person", pk=person.pk)
    return render(
        request,
        "people/person_form.html",
        {"form": form, "household": person.household, "person": person, "duplicates": []},
    )


@role_required(*REGISTRY)
def person_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One person: everything recorded, the Latin form of the name, and the history of
    merges that made this record."""
    person = _get_person_for_user(cast(User, request.user), pk)
    merges = PersonMerge.objects.filter(survivor=person).select_related("merged", "actor")
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "documents": person.documents.all(),
            "vulnerabilities": person.vulnerabilities.all(),
            "merges": merges,
            "merged_into": PersonMerge.objects.filter(merged=person).first(),
        },
    )


@require_POST
@role_required(*REGISTRY)
def card_issue(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    household = _get_household_for_user(user, pk)
    do_issue_card(actor=user, household=household)
    messages.success(request, _("A new card was issued; the old one no longer works."))
    return redirect("people:household", pk=household.pk)


@require_POST
@role_required(*REGISTRY)
def card_revoke(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    card = _get_card_for_user(user, pk)
    do_revoke_card(actor=user, card=card)
    messages.success(request, _("The card was revoked."))
    return redirect("people:household", pk=card.household_id)


@role_required(*REGISTRY)
def card_sheet(request: HttpRequest) -> HttpResponse:
    """A printable sheet of the active cards of the households asked for, or of all the
    households the user may see, newest first, ten to an A4 page."""
    user = cast(User, request.user)
    households = Household.objects.visible_to(user)
    ids = request.GET.getlist("household")
    cards = Card.objects.filter(status=Card.Status.ACTIVE, household__in=households)
    if ids:
        try:
            wanted = [uuid.UUID(raw) for raw in ids]
        except ValueError:
            raise Http404 from None
        cards = cards.filter(household_id__in=wanted)
    cards = cards.select_related("household__site").annotate(
        n_members=Count("household__members", filter=Q(household__members__status="present"))
    )
    page = Paginator(cards.order_by("-issued_at", "pk"), CARDS_PER_SHEET).get_page(
        request.GET.get("page")
    )
    sheet = [{"card": card, "qr": qr_svg(card), "members": card.n_members} for card in page]
    return render(
        request, "people/card_sheet.html", {"sheet": sheet, "page": page, "households": ids}
    )


@role_required("coordinator")
def duplicate_queue(request: HttpRequest) -> HttpResponse:
    """Likely duplicates across the whole registry, best first, for a coordinator to decide."""
    pairs = (
        DuplicatePair.objects.filter(status=DuplicatePair.Status.OPEN)
        .exclude(person_a__status=PersonStatus.MERGED)
        .exclude(person_b__status=PersonStatus.MERGED)
        .select_related("person_a__household__site", "person_b__household__site")
        .order_by("-score", "created_at")
    )
    page = Paginator(pairs, 50).get_page(request.GET.get("page"))
    rows = [(pair, reason_labels(pair.reasons)) for pair in page]
    return render(request, "people/duplicate_queue.html", {"page": page, "rows": rows})


@require_POST
@role_required("coordinator")
def duplicate_scan(request: HttpRequest) -> HttpResponse:
    added = do_find_duplicates(actor=cast(User, request.user))
    messages.success(
        request,
        ngettext(
            "The registry was checked: %(n)s new possible duplicate.",
            "The registry was checked: %(n)s new possible duplicates.",
            added,
        )
        % {"n": added},
    )
    return redirect("people:duplicates")


def _get_pair(pk: uuid.UUID) -> DuplicatePair:
    pair = (
        DuplicatePair.objects.select_related(
            "person_a__household__site", "person_b__household__site"
        )
        .filter(pk=pk)
        .first()
    )
    if pair is None:
        raise Http404
    return pair


@role_required("coordinator")
def duplicate_pair(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The two records side by side, the fields that differ marked, and the decision."""
    pair = _get_pair(pk)
    a, b = pair.person_a, pair.person_b
    rows = side_by_side(a, b)
    return render(
        request,
        "people/duplicate_pair.html",
        {"pair": pair, "a": a, "b": b, "rows": rows, "reasons": reason_labels(pair.reasons)},
    )


@require_POST
@role_required("coordinator")
def duplicate_decide(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    pair = _get_pair(pk)
    decision = request.POST.get("decision", "")
    if pair.status != DuplicatePair.Status.OPEN:
        messages.error(request, _("This pair was already decided."))
        return redirect("people:duplicates")
    if decision == "different":
        do_mark_different(actor=user, person=pair.person_a, other=pair.person_b)
        messages.success(
            request, _("Marked as different people; this pair will not be raised again.")
        )
        return redirect("people:duplicates")
    if decision not in ("keep_a", "keep_b"):
        messages.error(
            request, _("Choose which record remains, or that these are different people.")
        )
        return redirect("people:duplicate", pk=pair.pk)
    survivor, merged = (
        (pair.person_a, pair.person_b) if decision == "keep_a" else (pair.person_b, pair.person_a)
    )
    try:
        do_merge_persons(actor=user, survivor=survivor, merged=merged, pair=pair)
    except RegistryError as error:
        messages.error(request, str(error))
        return redirect("people:duplicate", pk=pair.pk)
    messages.success(request, _("The records were merged."))
    return redirect("people:person", pk=survivor.pk)


@role_required("coordinator", "auditor")
def registry_counts(request: HttpRequest) -> HttpResponse:
    """What an auditor may know of the registry: counts, never people."""
    return render(request, "people/counts.html", {"counts": counts(cast(User, request.user))})
