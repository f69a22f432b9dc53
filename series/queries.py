"""Reads of the series: who is eligible for an evening (the rule's one home), and the
figures of the series page. Each function runs a fixed number of queries, whatever the
number of evenings, sites or clinicians."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from clinicians.models import Clinician, Site, track_allows
from events.models import Anchor, GroupMember
from events.queries import TRACK_LABELS
from rotations.models import Schedule, Visit

from .models import Evening, Invitation, Series


@dataclass(frozen=True)
class Eligible:
    """An active clinician who may be invited to evenings covering ``sites``: a primary-care
    clinician's department's site, or the sites where a specialist practises."""

    clinician_id: int
    role: str
    sites: frozenset[int]
    track: str  # the department's track, or the specialty's
    department_id: int | None = None
    department_name: str = ""
    specialty_id: int | None = None
    specialty_name: str = ""


def eligible_at(site_ids: Iterable[int]) -> dict[int, Eligible]:
    """Every clinician eligible for an evening covering any of ``site_ids``, by id: active
    primary-care clinicians whose department's site is covered, and active specialists who
    practise at any covered site (``Clinician.sites``). Leaders are not invited. Two
    queries. An evening's own eligible are those whose ``sites`` meet the evening's sites
    (``eligible_for``)."""
    site_ids = set(site_ids)
    found: dict[int, Eligible] = {}
    primary = (
        Clinician.objects.active()
        .primary_care()
        .filter(department__site_id__in=site_ids)
        .order_by()
        .values_list(
            "pk", "department_id", "department__name", "department__site_id", "department__track"
        )
    )
    for pk, department_id, department_name, site_id, track in primary:
        found[pk] = Eligible(
            clinician_id=pk,
            role=Clinician.Role.PRIMARY_CARE,
            sites=frozenset({site_id}),
            track=track,
            department_id=department_id,
            department_name=department_name,
        )
    practice: dict[int, set[int]] = defaultdict(set)
    specialty: dict[int, tuple[int, str, str]] = {}
    rows = (
        Clinician.sites.through.objects.filter(
            site_id__in=site_ids,
            clinician__is_active=True,
            clinician__role=Clinician.Role.SPECIALIST,
        )
        .order_by()
        .values_list(
            "clinician_id",
            "site_id",
            "clinician__specialty_id",
            "clinician__specialty__name",
            "clinician__specialty__track",
        )
    )
    for pk, site_id, specialty_id, specialty_name, track in rows:
        practice[pk].add(site_id)
        specialty[pk] = (specialty_id, specialty_name, track)
    for pk, sites in practice.items():
        specialty_id, specialty_name, track = specialty[pk]
        found[pk] = Eligible(
            clinician_id=pk,
            role=Clinician.Role.SPECIALIST,
            sites=frozenset(sites),
            track=track,
            specialty_id=specialty_id,
            specialty_name=specialty_name,
        )
    return found


def eligible_for(site_ids: Iterable[int], catalogue: dict[int, Eligible]) -> dict[int, Eligible]:
    """Those of ``catalogue`` (``eligible_at`` of a wider set of sites) eligible for an
    evening covering ``site_ids``."""
    covered = set(site_ids)
    return {pk: e for pk, e in catalogue.items() if e.sites & covered}


def evening_site_ids(evenings: Iterable[Evening]) -> dict[int, set[int]]:
    """The sites each evening covers, by evening id (one query)."""
    sites: dict[int, set[int]] = defaultdict(set)
    through = Evening.sites.through.objects.filter(evening__in=list(evenings)).order_by()
    for evening_id, site_id in through.values_list("evening_id", "site_id"):
        sites[evening_id].add(site_id)
    return sites


def eligible_clinician_ids(evening: Evening) -> set[int]:
    """The ids of the clinicians eligible for ``evening`` (three queries)."""
    site_ids = evening_site_ids([evening])[evening.pk]
    return set(eligible_for(site_ids, eligible_at(site_ids)))


# The series page


@dataclass
class SiteProgress:
    site: Site
    eligible: int = 0
    invited: int = 0
    replied: int = 0
    coming: int = 0


@dataclass
class EveningSummary:
    """One evening of the series page: its invitations and replies, live counts of those
    coming by track, department and specialty, and the gaps that matter."""

    evening: Evening
    sites: list[SiteProgress]
    eligible: int = 0
    not_invited: int = 0
    unsent: int = 0  # invited, but the email has not gone yet
    statuses: Counter = field(default_factory=Counter)
    by_track: list[tuple[str, int, int]] = field(
        default_factory=list
    )  # label, primary, specialists
    by_department: list[tuple[str, int]] = field(default_factory=list)
    by_specialty: list[tuple[str, int]] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    attention: list[tuple[str, str]] = field(default_factory=list)  # name, what to do

    @property
    def invited(self) -> int:
        return sum(self.statuses.values())

    @property
    def replied(self) -> int:
        return self.invited - self.statuses[Invitation.Status.INVITED]

    @property
    def coming(self) -> int:
        return sum(self.statuses[s] for s in Invitation.COMING)

    @property
    def reply_percent(self) -> int:
        return round(100 * self.replied / self.invited) if self.invited else 0


def _gaps(
    evening: Evening,
    eligible: dict[int, Eligible],
    coming_specialties: Counter,
    invited_specialties: Counter,
) -> list[str]:
    """The specialties the evening's primary-care departments need (those of its eligible
    specialists whose patients match a department's track) for which nobody has said yes."""
    department_tracks = {e.track for e in eligible.values() if e.department_id is not None}
    needed = {
        (e.specialty_name, e.specialty_id)
        for e in eligible.values()
        if e.specialty_id is not None
        and any(track_allows(track, e.track) for track in department_tracks)
    }
    gaps = []
    for name, specialty_id in sorted(needed):
        if coming_specialties[specialty_id]:
            continue
        invited = invited_specialties[specialty_id]
        gaps.append(
            f"No one in {name} has said yes for {evening.event.name} yet ({invited} invited)."
            if invited
            else f"No one in {name} is invited to {evening.event.name} yet."
        )
    return gaps


def series_overview(evenings: Sequence[Evening]) -> list[EveningSummary]:
    """The series page's figures for ``evenings`` (with their events selected): five queries
    whatever their number and size."""
    sites_of = evening_site_ids(evenings)
    all_sites = set().union(*sites_of.values()) if sites_of else set()
    site_rows = {s.pk: s for s in Site.objects.filter(pk__in=all_sites)}
    catalogue = eligible_at(all_sites)
    invitations = (
        Invitation.objects.filter(evening__in=list(evenings))
        .order_by("clinician__last_name", "clinician__first_name", "pk")
        .values_list(
            "evening_id",
            "clinician_id",
            "status",
            "sent_at",
            "attention",
            "clinician__first_name",
            "clinician__last_name",
            "clinician__role",
            "clinician__department__name",
            "clinician__department__site_id",
            "clinician__department__track",
            "clinician__specialty_id",
            "clinician__specialty__name",
            "clinician__specialty__track",
        )
    )
    by_evening: dict[int, list[tuple]] = defaultdict(list)
    for row in invitations:
        by_evening[row[0]].append(row)
    summaries = []
    for evening in evenings:
        covered = sites_of.get(evening.pk, set())
        eligible = eligible_for(covered, catalogue)
        progress = {
            pk: SiteProgress(site=site_rows[pk])
            for pk in sorted(covered, key=lambda pk: site_rows[pk].name)
        }
        for e in eligible.values():
            for pk in e.sites & covered:
                progress[pk].eligible += 1
        summary = EveningSummary(evening=evening, sites=list(progress.values()))
        summary.eligible = len(eligible)
        tracks: dict[str, list[int]] = {t: [0, 0] for t in TRACK_LABELS}
        departments: Counter = Counter()
        specialties: Counter = Counter()
        coming_specialties: Counter = Counter()
        invited_specialties: Counter = Counter()
        invited_ids = set()
        for (
            _,
            clinician_id,
            status,
            sent_at,
            attention,
            first,
            last,
            role,
            department,
            department_site,
            department_track,
            specialty_id,
            specialty,
            specialty_track,
        ) in by_evening[evening.pk]:
            invited_ids.add(clinician_id)
            summary.statuses[status] += 1
            summary.unsent += sent_at is None
            coming = status in Invitation.COMING
            if role == Clinician.Role.SPECIALIST:
                places = (
                    eligible[clinician_id].sites & covered if clinician_id in eligible else set()
                )
                invited_specialties[specialty_id] += 1
            else:
                places = {department_site} & covered
            for pk in places:
                progress[pk].invited += 1
                progress[pk].replied += status != Invitation.Status.INVITED
                progress[pk].coming += coming
            if attention:
                summary.attention.append((f"{first} {last}", attention))
            if not coming:
                continue
            if role == Clinician.Role.SPECIALIST:
                tracks.setdefault(specialty_track, [0, 0])[1] += 1
                specialties[specialty] += 1
                coming_specialties[specialty_id] += 1
            else:
                tracks.setdefault(department_track, [0, 0])[0] += 1
                departments[department] += 1
        summary.not_invited = len(set(eligible) - invited_ids)
        summary.by_track = [
            (TRACK_LABELS.get(t, t), counts[0], counts[1])
            for t, counts in tracks.items()
            if counts != [0, 0]
        ]
        summary.by_department = sorted(departments.items())
        summary.by_specialty = sorted(specialties.items())
        summary.gaps = _gaps(evening, eligible, coming_specialties, invited_specialties)
        summaries.append(summary)
    return summaries


@dataclass(frozen=True)
class ScheduledPairs:
    """The shared-patient pairs the evenings' schedules seat together (``scheduled_pairs``):
    ``pairs`` primary-care clinician x specialist pairs, counted once for the season however
    many visits bring them together, over the ``scheduled`` evenings (of ``evenings``) that
    have a schedule."""

    pairs: int
    scheduled: int
    evenings: int


def scheduled_pairs(series: Series) -> ScheduledPairs:
    """How many shared-patient pairs actually meet in the evenings' schedules: a primary-care
    clinician and a specialist who practises at the site of the clinician's department meet
    when a visit of the schedule seats the clinician's travelling group at a table the
    specialist anchors, in a round the specialist is there. An evening's schedule is its
    published version, else its newest (the one an organizer would publish); an evening with
    none counts nothing. The plan's ``pairs_meeting`` counts the pairs it brings to the same
    evening, what a schedule can seat at best; this counts what the schedules do seat, after
    the evenings are set up and solved (they follow the schedules, not a newer plan). Five
    queries, whatever the season's size."""
    evenings = Evening.objects.filter(series=series).count()
    chosen: dict[int, tuple[bool, int, int]] = {}
    for pk, event_id, published, version in Schedule.objects.filter(
        event__evening__series=series
    ).values_list("pk", "event_id", "is_published", "version"):
        rank = (published, version, pk)
        if event_id not in chosen or chosen[event_id] < rank:
            chosen[event_id] = rank
    if not chosen:
        return ScheduledPairs(pairs=0, scheduled=0, evenings=evenings)
    visits = list(
        Visit.objects.filter(schedule_id__in=[pk for *_, pk in chosen.values()]).values_list(
            "round", "group_id", "table_id"
        )
    )
    members: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for group, clinician, site in GroupMember.objects.filter(
        group_id__in={group for _, group, _ in visits},
        clinician__department__site__isnull=False,
    ).values_list("group_id", "clinician_id", "clinician__department__site_id"):
        members[group].append((clinician, site))
    anchors: dict[int, list[tuple[int, list[int]]]] = defaultdict(list)
    for table, clinician, absent in Anchor.objects.filter(
        table_id__in={table for *_, table in visits}
    ).values_list("table_id", "clinician_id", "absent_rounds"):
        anchors[table].append((clinician, absent or []))
    practises: dict[int, set[int]] = defaultdict(set)
    for clinician, site in Clinician.sites.through.objects.filter(
        clinician_id__in={c for found in anchors.values() for c, _ in found}
    ).values_list("clinician_id", "site_id"):
        practises[clinician].add(site)
    met = {
        (clinician, specialist)
        for round_, group, table in visits
        for specialist, absent in anchors.get(table, ())
        if round_ not in absent
        for clinician, site in members.get(group, ())
        if site in practises[specialist]
    }
    return ScheduledPairs(pairs=len(met), scheduled=len(chosen), evenings=evenings)
