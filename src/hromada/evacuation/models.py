"""Evacuation: requests on a waitlist, vehicles, trips and their passengers.

The pure rules (the places a request takes, its priority, a trip's plan) are in
`lib/evacuation.py`; these are the rows they are filled from and written to. A passenger row
is one person on one trip, from the plan to the reception centre:

    planned ──board──► boarded ──confirm──► arrived
       │                  │
       └─no-show / removed └─(arrival closed without them)─► unaccounted ──resolve──► resolved
                                                                 └──confirm (late)──► arrived

so that every boarded passenger is always arrived, unaccounted, resolved or still on the road.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.models import DomainModel, Site, User
from hromada.lib import evacuation as rules
from hromada.people.models import Household, HouseholdQuerySet, Person

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


class Need(models.TextChoices):
    WHEELCHAIR = rules.WHEELCHAIR, _("wheelchair")
    STRETCHER = rules.STRETCHER, _("stretcher (cannot sit)")
    CANNOT_SIT_LONG = rules.CANNOT_SIT_LONG, _("cannot sit for long")
    OXYGEN = rules.OXYGEN, _("oxygen")
    MEDICINES = rules.MEDICINES, _("medicines to carry")


class Species(models.TextChoices):
    CAT = "cat", _("cat")
    DOG = "dog", _("dog")
    BIRD = "bird", _("bird")
    RODENT = "rodent", _("rodent")
    OTHER = "other", _("other animal")


class RequestStatus(models.TextChoices):
    WAITING = "waiting", _("waiting")
    EVACUATED = "evacuated", _("evacuated")
    WITHDRAWN = "withdrawn", _("withdrawn")


def households_for_requests(user: User) -> HouseholdQuerySet:
    """Households a user may make a request for: a coordinator any; a registrar or an
    evacuation officer those of their sites (the officer cannot browse the registry, but
    makes requests for the households of their sites). Not those merged into another."""
    households = Household.objects.filter(merged_into=None)
    if user.has_role("coordinator"):
        return households
    if user.has_role("registrar", "evacuation"):
        return households.filter(site__in=user.sites.all())
    return households.none()


class RequestQuerySet(models.QuerySet["EvacuationRequest"]):
    def visible_to(self, user: User) -> RequestQuerySet:
        """Requests a user may read: a coordinator all; a registrar or an evacuation officer
        those of their sites' households."""
        if user.has_role("coordinator"):
            return self
        if user.has_role("registrar", "evacuation"):
            return self.filter(site__in=user.sites.all())
        return self.none()

    def waiting(self) -> RequestQuerySet:
        return self.filter(status=RequestStatus.WAITING)


class EvacuationRequest(DomainModel):
    """A household, or some of its members, asking to be taken out of the town."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.WAITING
    )
    # a household travels together unless it chose otherwise
    together = models.BooleanField(_("the household travels together"), default=True)
    luggage = models.PositiveSmallIntegerField(_("luggage (pieces)"), default=0)
    phone = models.CharField(_("contact phone"), max_length=20, blank=True)  # E.164
    destination = models.CharField(_("destination preferred"), max_length=200, blank=True)
    # displaced, and no roof here: weighs in the priority
    without_shelter = models.BooleanField(_("displaced, without shelter here"), default=False)
    # asked when the request is made; confirmed again for each adult at boarding
    civilian_declared = models.BooleanField(
        _("everyone travelling declares they are civilians"), default=False
    )
    notes = models.TextField(_("notes for the officer"), blank=True)
    priority_adjustment = models.SmallIntegerField(_("priority adjustment"), default=0)
    adjustment_reason = models.CharField(_("why adjusted"), max_length=300, blank=True)
    waiting_since = models.DateTimeField(_("waiting since"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    objects = RequestQuerySet.as_manager()

    if TYPE_CHECKING:
        members: RelatedManager[RequestMember]
        pets: RelatedManager[RequestPet]

    class Meta:
        ordering: ClassVar = ["waiting_since"]
        indexes: ClassVar = [models.Index(fields=["status", "site"], name="evac_request_status")]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(status="waiting", closed_at__isnull=True)
                | (~Q(status="waiting") & Q(closed_at__isnull=False)),
                name="evac_request_closed_when_not_waiting",
            ),
            models.CheckConstraint(
                condition=Q(priority_adjustment__gte=-100, priority_adjustment__lte=100),
                name="evac_request_adjustment_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.household)


class RequestMember(DomainModel):
    """A person on a request, with the needs of the journey. `position` is the order the
    household gave (a split household boards in that order)."""

    request = models.ForeignKey(EvacuationRequest, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    needs = models.JSONField(_("needs"), default=list)  # codes of `Need`

    class Meta:
        ordering: ClassVar = ["position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["request", "person"], name="evac_member_once"),
        ]

    def __str__(self) -> str:
        return str(self.person)


class RequestPet(DomainModel):
    request = models.ForeignKey(EvacuationRequest, on_delete=models.CASCADE, related_name="pets")
    species = models.CharField(_("species"), max_length=10, choices=Species.choices)
    count = models.PositiveSmallIntegerField(_("how many"), default=1)
    in_carrier = models.BooleanField(_("in a carrier"), default=True)
    # a large dog takes a pet place, or a seat
    large = models.BooleanField(_("large (cannot ride on a lap)"), default=False)

    class Meta:
        ordering: ClassVar = ["created_at"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(count__gte=1), name="evac_pet_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_species_display()} × {self.count}"


class VehicleKind(models.TextChoices):
    BUS = "bus", _("bus")
    MINIBUS = "minibus", _("minibus")
    AMBULANCE = "ambulance", _("ambulance")


class Capacities(models.Model):
    """The places a vehicle has; a trip keeps its own copy, so a vehicle edited later does not
    change a manifest already made."""

    seats = models.PositiveSmallIntegerField(_("seats"))
    wheelchair_spaces = models.PositiveSmallIntegerField(_("wheelchair spaces"), default=0)
    stretcher_places = models.PositiveSmallIntegerField(_("stretcher places"), default=0)
    pet_places = models.PositiveSmallIntegerField(_("places for animals"), default=0)
    luggage = models.PositiveSmallIntegerField(_("luggage (pieces)"), default=0)

    class Meta:
        abstract = True

    def capacity(self) -> rules.Capacity:
        return rules.Capacity(
            seats=self.seats,
            wheelchair_spaces=self.wheelchair_spaces,
            stretcher_places=self.stretcher_places,
            pet_places=self.pet_places,
            luggage=self.luggage,
        )


class Vehicle(DomainModel, Capacities):
    kind = models.CharField(_("kind"), max_length=10, choices=VehicleKind.choices)
    name = models.CharField(_("name or plate"), max_length=100)
    active = models.BooleanField(_("in service"), default=True)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class ReceptionCentre(DomainModel):
    """Where a bus takes people: a reception centre in a city. It is a site of its own, so its
    staff log in with the reception role and see the trips coming to them."""

    site = models.OneToOneField(
        Site, on_delete=models.PROTECT, related_name="reception_centre", verbose_name=_("site")
    )
    city = models.CharField(_("city"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["city"]

    def __str__(self) -> str:
        return f"{self.site.name}, {self.city}"


class TripStatus(models.TextChoices):
    OPEN = "open", _("planning and boarding")
    DEPARTED = "departed", _("on the road")
    ARRIVED = "arrived", _("arrived")
    CANCELLED = "cancelled", _("cancelled")


class TripQuerySet(models.QuerySet["Trip"]):
    def visible_to(self, user: User) -> TripQuerySet:
        """A coordinator or auditor sees every trip; an evacuation officer those leaving from
        their sites; a reception centre those coming to it once they have left."""
        if user.sees_all_sites():
            return self
        if user.has_role("evacuation"):
            return self.filter(site__in=user.sites.all())
        if user.has_role("reception"):
            return self.filter(destination__site__in=user.sites.all()).exclude(
                status__in=[TripStatus.OPEN, TripStatus.CANCELLED]
            )
        return self.none()


class Trip(DomainModel, Capacities):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("leaves from site"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, verbose_name=_("vehicle"))
    departure_point = models.CharField(_("departure point"), max_length=200)
    departs_at = models.DateTimeField(_("departure time"))
    destination = models.ForeignKey(
        ReceptionCentre, on_delete=models.PROTECT, verbose_name=_("destination")
    )
    driver = models.CharField(_("driver"), max_length=150)
    escort = models.CharField(_("escort"), max_length=150, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TripStatus.choices, default=TripStatus.OPEN
    )
    departed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)  # the arrival list closed
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    objects = TripQuerySet.as_manager()

    if TYPE_CHECKING:
        passengers: RelatedManager[Passenger]

    class Meta:
        ordering: ClassVar = ["-departs_at"]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.departs_at):%d.%m.%Y %H:%M} → {self.destination.city}"

    @property
    def open(self) -> bool:
        return self.status == TripStatus.OPEN


class PassengerStatus(models.TextChoices):
    PLANNED = "planned", _("on the manifest")
    BOARDED = "boarded", _("boarded")
    NO_SHOW = "no_show", _("did not come")
    REMOVED = "removed", _("taken off the manifest")
    ARRIVED = "arrived", _("arrived")
    UNACCOUNTED = "unaccounted", _("unaccounted for")
    RESOLVED = "resolved", _("accounted for otherwise")


# a person in one of these is on that trip and on no other
ON_TRIP = (PassengerStatus.PLANNED, PassengerStatus.BOARDED, PassengerStatus.UNACCOUNTED)
# passengers who got on the bus
BOARDED = (
    PassengerStatus.BOARDED,
    PassengerStatus.ARRIVED,
    PassengerStatus.UNACCOUNTED,
    PassengerStatus.RESOLVED,
)


class Resolution(models.TextChoices):
    LEFT_EN_ROUTE = "left_en_route", _("left the bus en route")
    HOSPITAL = "hospital", _("taken to hospital")
    OTHER_TRANSPORT = "other_transport", _("went on by other transport")
    RETURNED = "returned", _("went back to the town")
    DECEASED = "deceased", _("died on the journey")
    OTHER = "other", _("other")


class PassengerQuerySet(models.QuerySet["Passenger"]):
    def visible_to(self, user: User) -> PassengerQuerySet:
        """The passengers of the trips the user sees."""
        return self.filter(trip__in=Trip.objects.visible_to(user))


class Passenger(DomainModel):
    """One person on one trip. `seat` is a label: "12" a seat, "W1" a wheelchair space, "S1" a
    stretcher place; unique per trip by the database, so two officers can never give one
    place twice. A passenger no longer on the bus (no-show, removed) gives the place back."""

    trip = models.ForeignKey(Trip, on_delete=models.PROTECT, related_name="passengers")
    request = models.ForeignKey(EvacuationRequest, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # NULL, not "", for no place: the unique constraint then holds only for places given
    seat = models.CharField(_("seat"), max_length=5, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PassengerStatus.choices,
        default=PassengerStatus.PLANNED,
    )
    # the request's animals and luggage travel with this passenger (the first of the request
    # put on a trip)
    carries_pets = models.BooleanField(default=False)
    civilian_confirmed = models.BooleanField(_("civilian declaration confirmed"), default=False)
    boarded_at = models.DateTimeField(null=True, blank=True)
    boarded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    arrived_at = models.DateTimeField(null=True, blank=True)
    arrived_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(
        _("what happened"), max_length=20, choices=Resolution.choices, blank=True
    )
    resolution_place = models.CharField(_("where"), max_length=200, blank=True)
    resolution_note = models.CharField(_("note"), max_length=500, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PassengerQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["created_at"]
        indexes: ClassVar = [
            models.Index(fields=["status", "trip"], name="evac_passenger_status"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["trip", "seat"], condition=Q(seat__isnull=False), name="evac_seat_once"
            ),
            # nobody is on two trips at once
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["planned", "boarded", "unaccounted"]),
                name="evac_person_on_one_trip",
            ),
            models.CheckConstraint(
                condition=Q(seat__isnull=False) | ~Q(status__in=["planned", "boarded"]),
                name="evac_on_board_has_seat",
            ),
            models.CheckConstraint(
                condition=Q(boarded_at__isnull=False)
                | ~Q(status__in=["boarded", "arrived", "unaccounted", "resolved"]),
                name="evac_boarded_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | ~Q(resolution=""),
                name="evac_resolved_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)

    @property
    def place_kind(self) -> str:
        """ "seat", "wheelchair" or "stretcher", from the seat label."""
        label = self.seat or ""
        return {"W": "wheelchair", "S": "stretcher"}.get(label[:1], "seat")
