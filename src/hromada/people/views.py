from __future__ import annotations

import uuid
from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hromada.core.models import User
from hromada.core.permissions import role_required
from hromada.people.actions import do_issue_card, do_register_household, do_revoke_card
from hromada.people.cards import qr_svg
from hromada.people.forms import HouseholdForm, MemberFormSet
from hromada.people.models import Card, Household

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
    user = cast(User, request.user)
    query = request.GET.get("q", "")
    households = Household.objects.visible_to(user).search(query).for_listing()
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    return render(request, "people/household_list.html", {"page": page, "q": query})


@role_required(*REGISTRY)
def household_create(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    sites = user.visible_sites()
    form = HouseholdForm(request.POST or None, sites=sites)
    members = MemberFormSet(request.POST or None, prefix="members")
    if request.method == "POST" and form.is_valid() and members.is_valid():
        household, _card = do_register_household(
            actor=user,
            site=form.cleaned_data["site"],
            address=form.cleaned_data["address"],
            members=[f.member() for f in members.forms if f.has_changed()],
        )
        messages.success(request, _("Household registered and a card issued."))
        return redirect("people:household", pk=household.pk)
    return render(request, "people/household_form.html", {"form": form, "members": members})


@role_required(*REGISTRY)
def household_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    household = _get_household_for_user(cast(User, request.user), pk)
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "members": household.members.all(),
            "cards": household.cards.all(),
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
    cards = cards.select_related("household__site").annotate(n_members=Count("household__members"))
    page = Paginator(cards.order_by("-issued_at", "pk"), CARDS_PER_SHEET).get_page(
        request.GET.get("page")
    )
    sheet = [{"card": card, "qr": qr_svg(card), "members": card.n_members} for card in page]
    return render(
        request, "people/card_sheet.html", {"sheet": sheet, "page": page, "households": ids}
    )
