"""The planner's codes (`lib.evacuation`) in the user's language: why a request ranks where it
does, why it was left out, what no longer fits."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hromada.lib import evacuation as rules

REASONS = {
    rules.ReasonCode.AGE_60: gettext_lazy("aged 60 to 74"),
    rules.ReasonCode.AGE_75: gettext_lazy("aged 75 or more"),
    rules.ReasonCode.DISABILITY: gettext_lazy("disability"),
    rules.ReasonCode.CHILD: gettext_lazy("child"),
    rules.ReasonCode.INFANT: gettext_lazy("child under 3"),
    rules.ReasonCode.CHILD_WITHOUT_PARENT: gettext_lazy("child without a parent present"),
    rules.ReasonCode.PREGNANCY: gettext_lazy("pregnancy"),
    rules.ReasonCode.STRETCHER: gettext_lazy("needs a stretcher"),
    rules.ReasonCode.OXYGEN: gettext_lazy("needs oxygen"),
    rules.ReasonCode.WHEELCHAIR: gettext_lazy("wheelchair user"),
    rules.ReasonCode.CANNOT_SIT_LONG: gettext_lazy("cannot sit for long"),
    rules.ReasonCode.DISPLACED_WITHOUT_SHELTER: gettext_lazy("displaced, without shelter"),
    rules.ReasonCode.WAITING: gettext_lazy("time waiting"),
    rules.ReasonCode.ADJUSTMENT: gettext_lazy("coordinator's adjustment"),
}

KINDS = {
    rules.Kind.SEATS: gettext_lazy("seats"),
    rules.Kind.WHEELCHAIR_SPACES: gettext_lazy("wheelchair spaces"),
    rules.Kind.STRETCHER_PLACES: gettext_lazy("stretcher places"),
    rules.Kind.PET_PLACES: gettext_lazy("places for animals"),
    rules.Kind.LUGGAGE: gettext_lazy("luggage places"),
}


def reason_text(reason: rules.Reason) -> str:
    """ "aged 75 or more ×2: +40", "time waiting: +12"."""
    label = str(REASONS[reason.code])
    if reason.people > 1:
        label = f"{label} ×{reason.people}"
    return f"{label}: {reason.points:+d}"


def shortage_text(shortage: rules.Shortage) -> str:
    return _("%(kind)s: needs %(needed)d, %(left)d left") % {
        "kind": KINDS[shortage.kind],
        "needed": shortage.needed,
        "left": max(0, shortage.left),
    }


def left_out_text(left: rules.LeftOut) -> str:
    """Why a request (or one of its people) is not on the trip."""
    if left.code == rules.LeftOutCode.REMOVED_BY_OFFICER:
        return _("taken off by the officer")
    if left.code == rules.LeftOutCode.ALREADY_ON_TRIP:
        return _("its people are on the trip with another request")
    shortages = "; ".join(shortage_text(s) for s in left.shortages)
    if left.code == rules.LeftOutCode.PASSENGER_DOES_NOT_FIT:
        return _("this person does not fit (%(shortages)s)") % {"shortages": shortages}
    return _("the household does not fit (%(shortages)s)") % {"shortages": shortages}


def problem_text(problem: rules.Problem) -> str:
    if problem.code == rules.ProblemCode.OVER_CAPACITY and problem.kind is not None:
        return _(
            "%(kind)s: %(over)d too many (%(needed)d needed, %(available)d on the vehicle)"
        ) % {
            "kind": KINDS[problem.kind],
            "over": problem.over,
            "needed": problem.needed,
            "available": problem.available,
        }
    if problem.code == rules.ProblemCode.HOUSEHOLD_SPLIT:
        return _("a household that travels together is only partly on the trip")
    return _("a person is on the trip twice")
