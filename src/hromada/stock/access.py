"""Who sees which stock, and who may do what with it: the same rules for the pages and the API.

A coordinator sees and moves stock everywhere; an auditor reads everywhere. A distributor reads
the stock of their sites, and confirms a transfer arriving at one of them: they are the ones
who count the boxes off the van, and the receipt is theirs to sign. Only a coordinator sends,
records deliveries, losses and counts.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from hromada.core.models import Site, User
from hromada.stock.models import (
    Delivery,
    StockBalance,
    StockMovement,
    Transfer,
    TransferQuerySet,
)

READERS = ("coordinator", "auditor", "distributor")
RECEIVERS = ("coordinator", "distributor")


def readable_sites(user: User) -> QuerySet[Site]:
    if not user.has_role(*READERS):
        return Site.objects.none()
    return user.visible_sites()


def balances_visible_to(user: User) -> QuerySet[StockBalance]:
    return StockBalance.objects.filter(site__in=readable_sites(user))


def movements_visible_to(user: User) -> QuerySet[StockMovement]:
    return StockMovement.objects.filter(site__in=readable_sites(user))


def deliveries_visible_to(user: User) -> QuerySet[Delivery]:
    return Delivery.objects.filter(site__in=readable_sites(user))


def transfers_visible_to(user: User) -> TransferQuerySet:
    """A transfer is seen at both of its ends."""
    if not user.has_role(*READERS):
        return Transfer.objects.none()
    if user.sees_all_sites():
        return Transfer.objects.all()
    sites = user.sites.all()
    return Transfer.objects.filter(Q(from_site__in=sites) | Q(to_site__in=sites))


def transfers_receivable_by(user: User) -> TransferQuerySet:
    """Transfers the user may confirm: a coordinator any, a distributor those arriving at
    their sites (not those leaving them: the receipt is signed where the units arrive)."""
    if user.has_role("coordinator"):
        return Transfer.objects.all()
    if user.has_role("distributor"):
        return Transfer.objects.filter(to_site__in=user.sites.all())
    return Transfer.objects.none()
