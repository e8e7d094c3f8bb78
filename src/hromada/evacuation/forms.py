"""The evacuation's HTML forms: they check the shape of what was typed; the rules (who may
travel, the phone, the places) are the actions', whose refusals the views put on the field
they name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.boundfield import BoundWidget
from django.utils.translation import gettext_lazy as _

from hromada.core.models import Site
from hromada.evacuation.actions import EvacuationError, MemberNeeds, PetData, Places, RequestData
from hromada.evacuation.models import (
    EvacuationRequest,
    Need,
    Species,
    Vehicle,
    VehicleKind,
)
from hromada.people.models import Person, PersonStatus

# blank rows for animals: no script adds rows, so a few are always there
PET_ROWS = 3


@dataclass(frozen=True)
class MemberRow:
    """One line of the members' table: the person, the "travels" box, the needs."""

    person: Person
    travels: BoundWidget
    needs: forms.BoundField


@dataclass(frozen=True)
class PetRow:
    species: forms.BoundField
    count: forms.BoundField
    in_carrier: forms.BoundField
    large: forms.BoundField


class RequestForm(forms.Form):
    """A request for a household: which members travel and their needs, animals in a few
    rows, luggage, phone and the rest. `people` are the household's members, in its order."""

    members = forms.MultipleChoiceField(
        label=_("who travels"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one person who travels.")},
    )
    luggage = forms.IntegerField(label=_("luggage (pieces)"), min_value=0, max_value=20, initial=0)
    phone = forms.CharField(
        label=_("contact phone"), max_length=30, required=False,
        help_text=_("067 123 45 67 or +48 …"),
    )  # fmt: skip
    destination = forms.CharField(
        label=_("destination preferred"), max_length=200, required=False,
        help_text=_("a city, or a relative's town"),
    )  # fmt: skip
    together = forms.BooleanField(
        label=_("the household travels together"), required=False, initial=True,
        help_text=_("untick if its members may go on different buses"),
    )  # fmt: skip
    without_shelter = forms.BooleanField(label=_("displaced, without shelter here"), required=False)
    civilian_declared = forms.BooleanField(
        label=_("everyone travelling declares they are civilians"), required=False,
        help_text=_("ask: is anyone serving in the armed forces? Tick only if nobody is."),
    )  # fmt: skip
    notes = forms.CharField(
        label=_("notes for the officer"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(
        self, *args: Any, people: Sequence[Person], pet_rows: int = PET_ROWS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = list(people)
        self.pet_rows = pet_rows
        members = self.fields["members"]
        assert isinstance(members, forms.MultipleChoiceField)  # noqa: S101
        members.choices = [(str(p.pk), str(p)) for p in self.people]
        self.initial.setdefault(
            "members", [str(p.pk) for p in self.people if p.status == PersonStatus.PRESENT]
        )
        for person in self.people:
            self.fields[f"needs_{person.pk}"] = forms.MultipleChoiceField(
                label=_("needs"), choices=Need.choices, required=False,
                widget=forms.CheckboxSelectMultiple,
            )  # fmt: skip
        for i in range(pet_rows):
            self.fields[f"pet_species_{i}"] = forms.ChoiceField(
                label=_("species"), choices=[("", "—"), *Species.choices], required=False
            )
            self.fields[f"pet_count_{i}"] = forms.IntegerField(
                label=_("how many"), min_value=1, max_value=20, required=False
            )
            self.fields[f"pet_carrier_{i}"] = forms.BooleanField(
                label=_("in a carrier"), required=False, initial=True
            )
            self.fields[f"pet_large_{i}"] = forms.BooleanField(
                label=_("large (cannot ride on a lap)"), required=False
            )

    @classmethod
    def initial_of(cls, request: EvacuationRequest) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(request, name) for name in RequestData.FIELDS}
        if request.phone:
            initial["phone"] = request.phone
        members = list(request.members.all())
        initial["members"] = [str(m.person_id) for m in members]
        for member in members:
            initial[f"needs_{member.person_id}"] = list(member.needs)
        for i, pet in enumerate(request.pets.all()):
            initial[f"pet_species_{i}"] = pet.species
            initial[f"pet_count_{i}"] = pet.count
            initial[f"pet_carrier_{i}"] = pet.in_carrier
            initial[f"pet_large_{i}"] = pet.large
        return initial

    def member_rows(self) -> list[MemberRow]:
        boxes = {str(box.data["value"]): box for box in self["members"].subwidgets}
        return [
            MemberRow(person=p, travels=boxes[str(p.pk)], needs=self[f"needs_{p.pk}"])
            for p in self.people
        ]

    def pet_row_fields(self) -> list[PetRow]:
        return [
            PetRow(
                species=self[f"pet_species_{i}"],
                count=self[f"pet_count_{i}"],
                in_carrier=self[f"pet_carrier_{i}"],
                large=self[f"pet_large_{i}"],
            )
            for i in range(self.pet_rows)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for i in range(self.pet_rows):
            species = cleaned.get(f"pet_species_{i}")
            count = cleaned.get(f"pet_count_{i}")
            if not species and count:
                self.add_error(f"pet_species_{i}", _("Choose the species of these animals."))
        return cleaned

    def data_for_action(self) -> RequestData:
        """The cleaned values as the action's arguments, members in the household's order."""
        chosen = set(self.cleaned_data["members"])
        members = [
            MemberNeeds(person=p, needs=frozenset(self.cleaned_data[f"needs_{p.pk}"]))
            for p in self.people
            if str(p.pk) in chosen
        ]
        pets = []
        for i in range(self.pet_rows):
            species = self.cleaned_data.get(f"pet_species_{i}")
            if not species:
                continue
            pets.append(
                PetData(
                    species=species,
                    count=self.cleaned_data.get(f"pet_count_{i}") or 1,
                    in_carrier=self.cleaned_data[f"pet_carrier_{i}"],
                    large=self.cleaned_data[f"pet_large_{i}"],
                )
            )
        return RequestData(
            members=members,
            pets=pets,
            luggage=self.cleaned_data["luggage"],
            phone=self.cleaned_data["phone"],
            destination=self.cleaned_data["destination"],
            together=self.cleaned_data["together"],
            without_shelter=self.cleaned_data["without_shelter"],
            civilian_declared=self.cleaned_data["civilian_declared"],
            notes=self.cleaned_data["notes"],
        )

    def refuse(self, error: EvacuationError) -> None:
        """Put an action's refusal on the field it names (needs and animals have no field
        of one name: on the members' table and the first row of animals)."""
        field = {"needs": "members", "pets": "pet_species_0"}.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, error.message)


class CardForm(forms.Form):
    """An officer starts a request from the household's card."""

    card = forms.CharField(label=_("card code"), max_length=40)


class AdjustForm(forms.Form):
    adjustment = forms.IntegerField(
        label=_("priority adjustment"), min_value=-100, max_value=100,
        help_text=_("from −100 to +100; 0 takes the adjustment away"),
    )  # fmt: skip
    reason = forms.CharField(label=_("why adjusted"), max_length=300, required=False)


class WaitlistFilterForm(forms.Form):
    site = forms.ModelChoiceField(
        label=_("site"), queryset=Site.objects.none(), required=False, empty_label=_("all sites")
    )

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = sites


class VehicleForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=VehicleKind.choices)
    name = forms.CharField(label=_("name or plate"), max_length=100)
    seats = forms.IntegerField(label=_("seats"), min_value=0, max_value=120)
    wheelchair_spaces = forms.IntegerField(
        label=_("wheelchair spaces"), min_value=0, max_value=120, initial=0
    )
    stretcher_places = forms.IntegerField(
        label=_("stretcher places"), min_value=0, max_value=120, initial=0
    )
    pet_places = forms.IntegerField(
        label=_("places for animals"), min_value=0, max_value=120, initial=0,
        help_text=_("for large animals and carriers nobody can hold on their lap"),
    )  # fmt: skip
    luggage = forms.IntegerField(label=_("luggage (pieces)"), min_value=0, max_value=120, initial=0)
    active = forms.BooleanField(label=_("in service"), required=False, initial=True)

    @classmethod
    def initial_of(cls, vehicle: Vehicle) -> dict[str, Any]:
        return {
            "kind": vehicle.kind,
            "name": vehicle.name,
            "active": vehicle.active,
            **{name: getattr(vehicle, name) for name in Places.NAMES},
        }

    def places(self) -> Places:
        return Places(**{name: self.cleaned_data[name] for name in Places.NAMES})

    def refuse(self, error: EvacuationError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class CentreForm(forms.Form):
    code = forms.SlugField(
        label=_("code"), max_length=40,
        help_text=_("short, Latin letters, digits and dashes: dnipro-1"),
    )  # fmt: skip
    name = forms.CharField(label=_("name"), max_length=200)
    city = forms.CharField(label=_("city"), max_length=100)
    address = forms.CharField(label=_("address"), max_length=300, required=False)

    def refuse(self, error: EvacuationError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)
