"""The outcomes figures: one computation for the outcomes page, its CSV files, the PDF report
and ``manage.py outcomes_report``. ``scope_for`` says what is counted (events, sites) for a
user's regions and the filters; ``compute`` reads it in a fixed number of queries, whatever
the number of events, clinicians or answers.

Definitions (docs/outcomes.md says the same in the organizers' words):

- **eligible**: active clinicians who may be invited to an evening at a site in scope (the
  series' rule, ``series.queries.eligible_at``: primary-care clinicians by their department's
  site, specialists by the sites where they practise; leaders are not counted);
- **attended**: eligible clinicians who were there at least once at a finished event of the
  period in scope: checked in, or at an event where nobody was checked in, not a no-show (the
  ledger's rule, ``outcomes.survey.was_there``); **reach** = attended / eligible;
- **new connections**: meetings in the connection ledger that were the pair's first;
- **responses**: survey answers of the events in scope; **response rate** = responses /
  attendees who were there;
- **would recommend**: the share of answers scoring 7 or more (``RECOMMEND_FROM``): everyone
  who is not a detractor;
- **NPS**: the share of promoters (9–10) minus the share of detractors (0–6), in points;
- survey aggregates (scores, tables, contacts, free text) are given only from
  ``MIN_ANSWERS`` answers, so no one can be singled out; the free text only when asked (the
  caller checks ``outcomes.view_comments``).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import Count, Q, QuerySet

from clinicians.models import Clinician, Department, Region, Site, Track, track_allows
from connections.models import Meeting
from connections.queries import last_met_by_department_and_specialty
from dinners.queries import participants_since
from events.models import Attendance, Event
from events.permissions import region_ids_for, visible_events
from series.models import Invitation, Series
from series.queries import eligible_at

from .models import SurveyAnswer
from .survey import closing_dates, was_there

MIN_ANSWERS = 5
RECOMMEND_FROM = 7
PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6
HIDDEN_NOTICE = "Fewer than 5 answers — hidden so no one can be singled out."
PERIOD_DAYS = 365
# The states of a coverage cell (the CSV writes them as they are, dates for "met").
NEVER, MET, NOT_APPLICABLE = "never", "met", "n/a"


@dataclass(frozen=True)
class Scope:
    """What the figures count: finished events of ``since``..``until`` in ``events``, and
    clinicians eligible at ``site_ids`` (None: every site)."""

    since: datetime.date
    until: datetime.date
    events: QuerySet
    site_ids: frozenset[int] | None
    region: Region | None = None
    series: Series | None = None


def default_since(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=PERIOD_DAYS)


def scope_for(
    *,
    user=None,
    region: Region | None = None,
    series: Series | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Scope:
    """The scope for ``user`` (None: everything, as for the command) under the filters: the
    user's regions always apply (``events.permissions``), so an organizer's figures hold only
    their regions' events and clinicians. The caller checks that ``region`` and ``series``
    are the user's. Builds querysets only; no query runs."""
    today = today or datetime.date.today()
    until = until or today
    since = since or default_since(until)
    events = Event.objects.filter(status=Event.Status.FINISHED, date__gte=since, date__lte=until)
    sites = Site.objects.all()
    limited = region_ids_for(user) if user is not None else None
    if user is not None:
        events = visible_events(user, events)
        if limited is not None:
            sites = sites.filter(region__in=limited)
    if region is not None:
        events = events.filter(region=region)
        sites = sites.filter(region=region)
    if series is not None:
        events = events.filter(evening__series=series)
        sites = sites.filter(evenings__series=series)
    unfiltered = limited is None and region is None and series is None
    site_ids = None if unfiltered else sites.values_list("pk", flat=True).distinct()
    return Scope(
        since=since,
        until=until,
        events=events,
        site_ids=site_ids,  # a lazy queryset until compute reads it
        region=region,
        series=series,
    )


@dataclass
class ReachRow:
    label: str
    eligible: int = 0
    attended: int = 0
    dined: int = 0  # eligible clinicians at a Facilitated Dinner in the period

    @property
    def reach(self) -> float | None:
        return self.attended / self.eligible if self.eligible else None


@dataclass
class EventRow:
    event_id: int
    name: str
    date: datetime.date
    attendees: int = 0  # attendance rows (invited to, or on the list of, the event)
    invited: int | None = None  # series invitations, when the event is an evening of a series
    replied: int | None = None
    coming: int | None = None
    attended: int = 0  # were there
    meetings: int = 0
    new_connections: int = 0
    cumulative_new: int = 0
    responses: int = 0
    recommend_share: float | None = None
    nps: int | None = None
    survey_closes_on: datetime.date | None = None  # the last day the survey takes answers


@dataclass
class Coverage:
    """Primary-care departments × specialties: the last date a clinician of the department
    met one of the specialty (None: never), over the whole ledger up to the period's end.

    A pair the track rule keeps apart (``clinicians.models.track_allows``, the rule the
    solver's adapter applies: a pediatric department's groups never visit an adult-only
    table, nor an adult department's a pediatric one) is *not applicable*, never a gap.
    ``departments`` come most gaps first (then by name), which is the order an organizer
    reads them in: the departments to bring to the next evening come first."""

    departments: list[tuple[int, str]]
    specialties: list[tuple[int, str]]
    last_met: dict[tuple[int, int], datetime.date]
    department_tracks: dict[int, str] = field(default_factory=dict)
    specialty_tracks: dict[int, str] = field(default_factory=dict)

    def applies(self, department: int, specialty: int) -> bool:
        """Whether the department's groups may ever meet the specialty (the track rule)."""
        return track_allows(
            self.department_tracks.get(department, Track.ALL_AGES),
            self.specialty_tracks.get(specialty, Track.ALL_AGES),
        )

    def state(self, department: int, specialty: int) -> tuple[str, datetime.date | None]:
        """("n/a", None), ("never", None) or ("met", the last date)."""
        if not self.applies(department, specialty):
            return NOT_APPLICABLE, None
        last = self.last_met.get((department, specialty))
        return (NEVER, None) if last is None else (MET, last)

    def gaps(self, department: int) -> int:
        """How many specialties the department may meet and never has."""
        return sum(self.state(department, s)[0] == NEVER for s, _ in self.specialties)

    def never(self) -> int:
        """Department–specialty pairs that may meet and never have."""
        return sum(self.gaps(d) for d, _ in self.departments)

    def not_applicable(self) -> int:
        return sum(not self.applies(d, s) for d, _ in self.departments for s, _ in self.specialties)

    def first(self, limit: int | None) -> Coverage:
        """The same coverage with only its first ``limit`` departments (all with None)."""
        if limit is None or len(self.departments) <= limit:
            return self
        return replace(self, departments=self.departments[:limit])


@dataclass
class Outcomes:
    since: datetime.date
    until: datetime.date
    eligible: int = 0
    attended: int = 0
    dined: int = 0  # eligible clinicians at a Facilitated Dinner in the period
    by_site: list[ReachRow] = field(default_factory=list)
    by_department: list[ReachRow] = field(default_factory=list)
    by_role: list[ReachRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    new_connections: int = 0
    meetings: int = 0
    coverage: Coverage | None = None
    present: int = 0  # attendances that were there, at the events in scope
    responses: int = 0
    scores: Counter = field(default_factory=Counter)  # only when shown
    useful_specialties: list[tuple[str, int]] = field(default_factory=list)
    contacts: int | None = None  # "will contact again" choices, only when shown
    comments: list[tuple[str, datetime.date, str]] = field(default_factory=list)

    @property
    def reach(self) -> float | None:
        return self.attended / self.eligible if self.eligible else None

    @property
    def dinner_reach(self) -> float | None:
        return self.dined / self.eligible if self.eligible else None

    @property
    def answers_shown(self) -> bool:
        return self.responses >= MIN_ANSWERS

    @property
    def response_rate(self) -> float | None:
        return self.responses / self.present if self.present else None

    @property
    def recommend_share(self) -> float | None:
        return recommend_share(self.scores) if self.answers_shown else None

    @property
    def nps(self) -> int | None:
        return net_promoter_score(self.scores) if self.answers_shown else None

    def as_json(self) -> dict:
        """The headline figures, as ``outcomes_report --json`` prints them."""

        def share(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "events": len(self.events),
            "eligible": self.eligible,
            "attended": self.attended,
            "reach": share(self.reach),
            "dinner_participants": self.dined,
            "dinner_reach": share(self.dinner_reach),
            "meetings": self.meetings,
            "new_connections": self.new_connections,
            "responses": self.responses,
            "response_rate": share(self.response_rate),
            "recommend_share": share(self.recommend_share),
            "nps": self.nps,
        }


def recommend_share(scores: Counter) -> float | None:
    total = sum(scores.values())
    if not total:
        return None
    return sum(n for score, n in scores.items() if score >= RECOMMEND_FROM) / total


def net_promoter_score(scores: Counter) -> int | None:
    total = sum(scores.values())
    if not total:
        return None
    promoters = sum(n for score, n in scores.items() if score >= PROMOTER_FROM)
    detractors = sum(n for score, n in scores.items() if score <= DETRACTOR_UP_TO)
    return round(100 * (promoters - detractors) / total)


def compute(scope: Scope, *, comments: bool = False) -> Outcomes:
    """Every figure of ``scope`` (see the module's definitions). With ``comments``, the free
    text of the answers too (when shown at all). Sixteen queries at most."""
    events = list(scope.events.order_by("date", "pk").values_list("pk", "name", "date"))
    event_ids = [pk for pk, _, _ in events]
    rows = {pk: EventRow(event_id=pk, name=name, date=date) for pk, name, date in events}
    result = Outcomes(since=scope.since, until=scope.until)
    result.events = list(rows.values())
    for event_id, closes in closing_dates([(pk, date) for pk, _, date in events]).items():
        rows[event_id].survey_closes_on = closes

    # Who is eligible, and who was there.
    if scope.site_ids is None:
        site_ids = set(Site.objects.values_list("pk", flat=True))
    else:
        site_ids = set(scope.site_ids)
    eligible = eligible_at(site_ids)
    statuses: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for event_id, clinician_id, status in (
        Attendance.objects.filter(event_id__in=event_ids)
        .order_by()
        .values_list("event_id", "clinician_id", "status")
    ):
        statuses[event_id].append((clinician_id, status))
    came: set[int] = set()
    for event_id, people in statuses.items():
        used = any(status == Attendance.Status.CHECKED_IN for _, status in people)
        row = rows[event_id]
        row.attendees = len(people)
        for clinician_id, status in people:
            if was_there(Attendance(status=status), checked_in_used=used):
                row.attended += 1
                came.add(clinician_id)
        result.present += row.attended
    result.eligible = len(eligible)
    result.attended = sum(pk in came for pk in eligible)
    diners = participants_since(scope.since, scope.until)
    result.dined = sum(pk in diners for pk in eligible)
    _reach_rows(result, eligible, came, site_ids)

    # Invitations and replies of the events that are evenings of a series.
    invitations = (
        Invitation.objects.filter(evening__event_id__in=event_ids)
        .order_by()
        .values("evening__event_id")
        .annotate(
            invited=Count("pk"),
            replied=Count("pk", filter=~Q(status=Invitation.Status.INVITED)),
            coming=Count("pk", filter=Q(status__in=Invitation.COMING)),
        )
    )
    for entry in invitations:
        row = rows[entry["evening__event_id"]]
        row.invited, row.replied, row.coming = entry["invited"], entry["replied"], entry["coming"]

    # The ledger.
    meetings = (
        Meeting.objects.filter(kind=Meeting.Kind.EVENING, gathering__in=event_ids)
        .order_by()
        .values("gathering")
        .annotate(total=Count("pk"), new=Count("pk", filter=Q(first=True)))
    )
    for entry in meetings:
        row = rows[entry["gathering"]]
        row.meetings, row.new_connections = entry["total"], entry["new"]
    cumulative = 0
    for row in result.events:
        cumulative += row.new_connections
        row.cumulative_new = cumulative
    result.new_connections = cumulative
    result.meetings = sum(row.meetings for row in result.events)
    result.coverage = _coverage(eligible, site_ids, scope.until)

    # The survey.
    per_event: dict[int, Counter] = defaultdict(Counter)
    answers = SurveyAnswer.objects.filter(attendance__event_id__in=event_ids).order_by(
        "attendance__event__date", "pk"
    )
    fields = ["pk", "attendance__event_id", "recommend"]
    if comments:
        fields += ["attendance__event__name", "attendance__event__date", "comment"]
    answer_rows = list(answers.values_list(*fields))
    for answer in answer_rows:
        per_event[answer[1]][answer[2]] += 1
    result.responses = len(answer_rows)
    for event_id, scores in per_event.items():
        row = rows[event_id]
        row.responses = sum(scores.values())
        if row.responses >= MIN_ANSWERS:
            row.recommend_share = recommend_share(scores)
            row.nps = net_promoter_score(scores)
    if result.answers_shown:
        for scores in per_event.values():
            result.scores.update(scores)
        useful = (
            SurveyAnswer.useful_tables.through.objects.filter(
                surveyanswer__attendance__event_id__in=event_ids
            )
            .order_by()
            .values_list("table__specialty__name")
            .annotate(n=Count("pk"))
        )
        result.useful_specialties = sorted(useful, key=lambda item: (-item[1], item[0]))
        result.contacts = SurveyAnswer.contacts.through.objects.filter(
            surveyanswer__attendance__event_id__in=event_ids
        ).count()
        if comments:
            result.comments = [
                (name, date, text) for _, _, _, name, date, text in answer_rows if text
            ]
    return result


def _reach_rows(result: Outcomes, eligible: dict, came: set[int], site_ids: set[int]) -> None:
    by_site: dict[int, ReachRow] = {}
    by_department: dict[int, ReachRow] = {}
    by_role: dict[str, ReachRow] = {}
    names = dict(Site.objects.filter(pk__in=site_ids).values_list("pk", "name"))
    roles = dict(Clinician.Role.choices)
    for pk, person in eligible.items():
        attended = pk in came
        targets = [by_site.setdefault(s, ReachRow(names.get(s, "?"))) for s in person.sites]
        targets.append(by_role.setdefault(person.role, ReachRow(roles[person.role])))
        if person.department_id is not None:
            site = names.get(next(iter(person.sites)), "?")
            targets.append(
                by_department.setdefault(
                    person.department_id, ReachRow(f"{person.department_name}, {site}")
                )
            )
        for target in targets:
            target.eligible += 1
            target.attended += attended
    result.by_site = sorted(by_site.values(), key=lambda row: row.label)
    result.by_department = sorted(by_department.values(), key=lambda row: row.label)
    result.by_role = sorted(by_role.values(), key=lambda row: row.label)


def _coverage(eligible: dict, site_ids: Iterable[int], until: datetime.date) -> Coverage:
    departments = list(
        Department.objects.filter(site_id__in=list(site_ids))
        .order_by("name", "site__name")
        .values_list("pk", "name", "site__name", "track")
    )
    specialties = sorted(
        {
            (person.specialty_id, person.specialty_name, person.track)
            for person in eligible.values()
            if person.specialty_id is not None
        },
        key=lambda item: item[1],
    )
    last_met = last_met_by_department_and_specialty(
        departments=[pk for pk, *_ in departments],
        specialties=[pk for pk, *_ in specialties],
        before=until + datetime.timedelta(days=1),
    )
    coverage = Coverage(
        departments=[(pk, f"{name}, {site}") for pk, name, site, _ in departments],
        specialties=[(pk, name) for pk, name, _ in specialties],
        last_met=last_met,
        department_tracks={pk: track for pk, _, _, track in departments},
        specialty_tracks={pk: track for pk, _, track in specialties},
    )
    # Most gaps first; the sort is stable, so ties keep the departments' names in order.
    coverage.departments.sort(key=lambda item: -coverage.gaps(item[0]))
    return coverage
