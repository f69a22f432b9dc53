"""Reads of the dinners app used in more than one place: who may sign up, the stipend
figures, and dinner participation for the outcomes page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from clinicians.models import Clinician, Site

from .models import Dinner, DinnerSeason, DinnerSeat


def eligible_clinicians(season: DinnerSeason) -> QuerySet[Clinician]:
    """Active clinicians of the season's regions: their department's site or a site where
    they practise is in one of the regions."""
    regions = season.regions.all()
    return (
        Clinician.objects.active()
        .filter(Q(department__site__region__in=regions) | Q(sites__region__in=regions))
        .distinct()
    )


def season_sites(season: DinnerSeason) -> QuerySet[Site]:
    return Site.objects.filter(region__in=season.regions.all()).order_by("name")


def participants_since(date: datetime.date, until: datetime.date | None = None) -> set[int]:
    """The ids of the clinicians who attended at least one dinner on or after ``date`` (and
    on or before ``until``, if given), for reach: "37% of clinicians took part in at least
    one dinner this year". One query."""
    seats = DinnerSeat.objects.filter(attended=True, dinner__date__gte=date)
    if until is not None:
        seats = seats.filter(dinner__date__lte=until)
    return set(seats.values_list("clinician_id", flat=True).distinct())


@dataclass(frozen=True)
class StipendRow:
    dinner: Dinner
    attendees: int
    budget: Decimal
    receipt: Decimal | None

    @property
    def over_budget(self) -> Decimal:
        """How much the receipt exceeds the budget (0 when within it or not claimed)."""
        if self.receipt is None or self.receipt <= self.budget:
            return Decimal("0.00")
        return self.receipt - self.budget

    @property
    def payable(self) -> Decimal:
        """What finance pays: the receipt, capped at the budget."""
        if self.receipt is None:
            return Decimal("0.00")
        return min(self.receipt, self.budget)


@dataclass(frozen=True)
class Stipends:
    rows: list[StipendRow]
    budget: Decimal  # every dinner of the season at its members' count
    claimed: Decimal
    payable: Decimal
    paid: Decimal
    unpaid: Decimal
    over_budget: int  # claims over their budget


def dinner_budget(season: DinnerSeason, attendees: int) -> Decimal:
    return (season.budget_per_person * attendees).quantize(Decimal("0.01"))


def season_stipends(season: DinnerSeason) -> Stipends:
    """Each dinner's budget (the budget per person × those who came, or × the group's members
    before attendance is recorded), its claim, what is payable, paid and unpaid. Two queries."""
    dinners = list(
        Dinner.objects.filter(group__season=season)
        .select_related("group__host", "group__site")
        .annotate(
            came=Count("seats", filter=Q(seats__attended=True)),
            seats_count=Count("seats"),
        )
        .order_by("date", "group__number")
    )
    rows = []
    planned = Decimal("0.00")
    for dinner in dinners:
        attendees = dinner.came if dinner.attendance_recorded_at else dinner.seats_count
        planned += dinner_budget(season, dinner.seats_count)
        rows.append(
            StipendRow(
                dinner=dinner,
                attendees=attendees,
                budget=dinner_budget(season, attendees),
                receipt=dinner.receipt_amount,
            )
        )
    claimed = sum((r.receipt for r in rows if r.receipt is not None), Decimal("0.00"))
    payable = sum((r.payable for r in rows), Decimal("0.00"))
    paid = sum((r.payable for r in rows if r.dinner.paid_at), Decimal("0.00"))
    return Stipends(
        rows=rows,
        budget=planned,
        claimed=claimed,
        payable=payable,
        paid=paid,
        unpaid=payable - paid,
        over_budget=sum(1 for r in rows if r.over_budget),
    )


STIPEND_CSV_HEADER = [
    "Season",
    "Group",
    "Date",
    "Host",
    "Host email",
    "Dinner site",
    "Attendees",
    "Budget",
    "Receipt",
    "Over budget by",
    "Payable",
    "Paid",
]


def stipend_csv_rows(season: DinnerSeason) -> list[list]:
    """The finance CSV's rows (header first); the caller writes them through
    ``accounts.csv.safe_csv_row``."""
    rows: list[list] = [STIPEND_CSV_HEADER]
    for row in season_stipends(season).rows:
        dinner = row.dinner
        if dinner.receipt_amount is None:
            continue
        rows.append(
            [
                season.name,
                dinner.group.number,
                dinner.date.isoformat(),
                dinner.group.host.full_name,
                dinner.group.host.email,
                dinner.group.site.name if dinner.group.site else "",
                row.attendees,
                f"{row.budget:.2f}",
                f"{row.receipt:.2f}",
                f"{row.over_budget:.2f}",
                f"{row.payable:.2f}",
                dinner.paid_at.date().isoformat() if dinner.paid_at else "unpaid",
            ]
        )
    return rows
