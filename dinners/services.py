"""Writes of the dinners app. Each function commits in one transaction (said in its
docstring) and records what an organizer or admin did in the audit log."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.services import display_name, record_audit
from clinicians.models import Clinician, Site
from connections.models import Meeting
from connections.services import forget_gathering, record_gathering
from events.links import link_email_key, reissue_token
from outbox.queries import opt_out_url
from outbox.services import EmailDraft, queue_emails

from . import formation
from .models import (
    WEEKDAY_CODES,
    WEEKDAY_NAMES,
    Dinner,
    DinnerGroup,
    DinnerQuestion,
    DinnerSeason,
    DinnerSeat,
    SignUp,
    date_in_week,
)
from .queries import eligible_clinicians, season_sites

FORM_TASK = "dinners.form_groups"
REMIND_DAYS = 3
# The reminder to sign up: for seasons whose deadline is this close, to those invited at
# least REMIND_SIGN_UP_AFTER ago who have not answered; once per sign-up.
REMIND_SIGN_UP_BEFORE = datetime.timedelta(days=3)
REMIND_SIGN_UP_AFTER = datetime.timedelta(days=1)


def _audit(by, action: str, season: DinnerSeason, message: str, **details) -> None:
    record_audit(
        actor=by,
        action=f"dinners.{action}",
        target=f"dinner season {season.pk}",
        message=message,
        details={"season": season.pk, **details},
    )


def _weekdays_in_order(weekdays: Sequence[str]) -> list[str]:
    """The chosen weekday codes in the week's order, each once."""
    return [code for code in WEEKDAY_CODES if code in set(weekdays)]


def _check_season(
    *, weekdays: Sequence[str], min_size: int, max_size: int, regions: Iterable
) -> None:
    """What every season needs, new or changed: a weekday, sizes in order, a region."""
    if not weekdays:
        raise ValidationError("Choose at least one weekday evening for the dinners.")
    if min_size > max_size:
        raise ValidationError("The largest group cannot be smaller than the smallest.")
    if not regions:
        raise ValidationError("Choose at least one region taking part.")


def create_season(
    *,
    name: str,
    starts_on: datetime.date,
    every_weeks: int,
    dinners_count: int,
    weekdays: Sequence[str],
    min_size: int,
    max_size: int,
    budget_per_person: Decimal,
    regions: Iterable,
    sign_up_by: datetime.datetime,
    by,
) -> DinnerSeason:
    """Create a season with its regions, in one transaction; audited."""
    weekdays = _weekdays_in_order(weekdays)
    regions = list(regions)
    _check_season(weekdays=weekdays, min_size=min_size, max_size=max_size, regions=regions)
    with transaction.atomic():
        season = DinnerSeason.objects.create(
            name=name,
            starts_on=starts_on,
            every_weeks=every_weeks,
            dinners_count=dinners_count,
            weekdays=weekdays,
            min_size=min_size,
            max_size=max_size,
            budget_per_person=budget_per_person,
            sign_up_by=sign_up_by,
            created_by=by if by is not None and by.is_authenticated else None,
        )
        season.regions.set(regions)
        _audit(
            by,
            "season_created",
            season,
            f"{display_name(by)} created the dinner season {season.name}: {dinners_count} "
            f"dinners every {every_weeks} weeks from {starts_on:%-d %B %Y}.",
        )
    return season


# What an edit may change. Before the groups are formed, everything; once they are, the
# groups, their evenings and every dinner's date are built from these, so they stay as they
# are (re-forming is the way to start again, while no host has recorded a dinner).
FIXED_ONCE_FORMED = {
    "starts_on": "the first dinner week",
    "every_weeks": "how often the groups meet",
    "dinners_count": "the number of dinners",
    "weekdays": "the weekday evenings",
    "min_size": "the smallest group",
    "max_size": "the largest group",
    "regions": "the regions",
    "sign_up_by": "the sign-up deadline",
}
SEASON_FIELDS = ["name", "budget_per_person", *FIXED_ONCE_FORMED]


def fixed_fields(season: DinnerSeason) -> list[str]:
    """The fields of ``season`` an edit can no longer change: those of FIXED_ONCE_FORMED once
    its groups are formed (or being formed), and the budget once a stipend is paid."""
    fixed = []
    if season.status != DinnerSeason.Status.SIGN_UP or season.forming:
        fixed += list(FIXED_ONCE_FORMED)
    if Dinner.objects.filter(group__season=season, paid_at__isnull=False).exists():
        fixed.append("budget_per_person")
    return fixed


def _shown(field: str, value) -> str:
    if field == "regions":
        return ", ".join(sorted(r.name for r in value))
    if field == "weekdays":
        return ", ".join(WEEKDAY_NAMES.get(code, code) for code in value)
    if field == "sign_up_by":
        return f"{timezone.localtime(value):%-d %B %Y %H:%M}"
    if field == "starts_on":
        return f"{value:%-d %B %Y}"
    return str(value)


def update_season(
    *,
    season: DinnerSeason,
    name: str,
    starts_on: datetime.date,
    every_weeks: int,
    dinners_count: int,
    weekdays: Sequence[str],
    min_size: int,
    max_size: int,
    budget_per_person: Decimal,
    regions: Iterable,
    sign_up_by: datetime.datetime,
    by,
    now: datetime.datetime | None = None,
) -> DinnerSeason:
    """Change a season, in one transaction with its row locked; audited with what changed
    (old and new). Before the groups are formed anything may change, except that a weekday
    someone signed up for stays offered, a region whose clinicians already hold sign-up links
    stays in, and a new deadline is in the future. Once the groups are formed (``fixed_fields``)
    only the name and the budget per person may, and the budget only until a stipend is paid:
    changing the rest raises ``ValidationError`` naming what is fixed. Returns the season."""
    now = now or timezone.now()
    weekdays = _weekdays_in_order(weekdays)
    new = {
        "name": name,
        "starts_on": starts_on,
        "every_weeks": every_weeks,
        "dinners_count": dinners_count,
        "weekdays": weekdays,
        "min_size": min_size,
        "max_size": max_size,
        "budget_per_person": budget_per_person,
        "regions": set(regions),
        "sign_up_by": sign_up_by,
    }
    _check_season(weekdays=weekdays, min_size=min_size, max_size=max_size, regions=new["regions"])
    if starts_on < timezone.localdate(sign_up_by):
        raise ValidationError("The dinners start after the sign-up deadline.")
    with transaction.atomic():
        season = DinnerSeason.objects.select_for_update().get(pk=season.pk)
        old = {field: getattr(season, field) for field in SEASON_FIELDS if field != "regions"}
        old["regions"] = set(season.regions.all())
        changed = [field for field in SEASON_FIELDS if new[field] != old[field]]
        fixed = [field for field in changed if field in fixed_fields(season)]
        if fixed:
            raise ValidationError(fixed_message(season, fixed))
        if "sign_up_by" in changed and sign_up_by <= now:
            raise ValidationError("The new sign-up deadline must be in the future.")
        if "weekdays" in changed:
            _check_weekdays_kept(season, weekdays)
        if "regions" in changed:
            _check_regions_kept(season, new["regions"])
        if not changed:
            return season
        for field in changed:
            if field != "regions":
                setattr(season, field, new[field])
        season.full_clean(exclude=["regions", "created_by"])
        season.save()
        if "regions" in changed:
            season.regions.set(new["regions"])
        _audit(
            by,
            "season_changed",
            season,
            f"{display_name(by)} changed the dinner season {season.name}: "
            + "; ".join(
                f"{season._meta.get_field(f).verbose_name} from {_shown(f, old[f])} to "
                f"{_shown(f, new[f])}"
                for f in changed
            )
            + ".",
            changed={f: [_shown(f, old[f]), _shown(f, new[f])] for f in changed},
        )
    return season


def fixed_message(season: DinnerSeason, fields: list[str]) -> str:
    """Why ``fields`` of ``season`` can no longer change, in a sentence for the organizer."""
    if fields == ["budget_per_person"]:
        return (
            "A stipend of this season is paid: the budget per person can no longer change "
            "(the paid claims were checked against it)."
        )
    what = [FIXED_ONCE_FORMED.get(f, "the budget per person") for f in fields]
    listed = ", ".join(what[:-1]) + (" and " if len(what) > 1 else "") + what[-1]
    if season.forming:
        return f"The groups are being formed: {listed} cannot change now."
    return (
        f"The groups are formed: {listed} can no longer change, because the groups, their "
        "evenings and the dates of their dinners are built from them. Only the name and the "
        "budget per person can."
    )


def _check_weekdays_kept(season: DinnerSeason, weekdays: list[str]) -> None:
    dropped = [code for code in season.weekdays if code not in weekdays]
    chosen = season.sign_ups.filter(status=SignUp.Status.JOINED).values_list("weekdays", flat=True)
    for code in dropped:
        count = sum(1 for days in chosen if code in days)
        if count:
            raise ValidationError(
                f"{count} clinician{'s' if count != 1 else ''} who signed up chose "
                f"{WEEKDAY_NAMES[code]}: keep {WEEKDAY_NAMES[code]} evenings offered."
            )


def _check_regions_kept(season: DinnerSeason, regions: set) -> None:
    outside = (
        season.sign_ups.exclude(clinician__department__site__region__in=regions)
        .exclude(clinician__sites__region__in=regions)
        .count()
    )
    if outside:
        raise ValidationError(
            f"{outside} clinician{'s' if outside != 1 else ''} of the regions you took out "
            f"already {'have' if outside != 1 else 'has'} a sign-up link: keep those regions."
        )


# Sign-up


def _sign_up_draft(sign_up: SignUp, *, base_url: str) -> EmailDraft:
    season = sign_up.season
    context = {
        "sign_up": sign_up,
        "season": season,
        "clinician": sign_up.clinician,
        "link": base_url.rstrip("/") + sign_up.get_absolute_url(),
        "sign_up_by": timezone.localtime(season.sign_up_by),
    }
    return EmailDraft(
        key=link_email_key("dinners:sign-up", sign_up.pk, sign_up.token),
        to=sign_up.clinician.email,
        subject=f"Facilitated Dinners: sign up for {season.name}",
        body=render_to_string("dinners/email/sign_up.txt", context),
        kind="dinners.sign-up",
    )


def send_sign_up_invitations(*, season: DinnerSeason, base_url: str, by) -> int:
    """Give every eligible clinician of the season's regions a sign-up link and email it (the
    outbox sends each once), in one transaction; audited. Returns how many were emailed."""
    if season.status != DinnerSeason.Status.SIGN_UP:
        raise ValidationError("The groups are formed: sign-up is closed.")
    with transaction.atomic():
        have = set(season.sign_ups.values_list("clinician_id", flat=True))
        new = [
            SignUp(season=season, clinician=clinician)
            for clinician in eligible_clinicians(season).order_by("pk")
            if clinician.pk not in have
        ]
        SignUp.objects.bulk_create(new)
        unsent = list(season.sign_ups.filter(sent_at__isnull=True).select_related("clinician"))
        queue_emails(_sign_up_draft(sign_up, base_url=base_url) for sign_up in unsent)
        season.sign_ups.filter(pk__in=[s.pk for s in unsent]).update(sent_at=timezone.now())
        if unsent:
            _audit(
                by,
                "invited",
                season,
                f"{display_name(by)} sent {len(unsent)} dinner sign-up invitations for "
                f"{season.name}.",
                count=len(unsent),
            )
    return len(unsent)


def sign_up(
    *,
    sign_up: SignUp,
    joining: bool,
    weekdays: Sequence[str] = (),
    reach: Iterable[Site] = (),
    host: str = SignUp.Host.IF_NEEDED,
    not_with: Iterable[Clinician] = (),
    now: datetime.datetime | None = None,
) -> SignUp:
    """Save a clinician's answer from their link, in one transaction: joining (with the
    weekdays that suit, the sites they reach, whether they host and, privately, people not to
    be grouped with) or not this season. Refused after the deadline or once groups are
    formed, or with a weekday the season does not offer or a site or colleague outside its
    regions."""
    now = now or timezone.now()
    season = sign_up.season
    if now >= season.sign_up_by or season.status != DinnerSeason.Status.SIGN_UP:
        raise ValidationError("Sign-up for this season is closed.")
    weekdays = [code for code in season.weekdays if code in set(weekdays)]
    reach = list(reach)
    not_with = [c for c in not_with if c.pk != sign_up.clinician_id]
    if joining:
        if not weekdays:
            raise ValidationError("Choose at least one evening that suits you.")
        allowed_sites = set(season_sites(season).values_list("pk", flat=True))
        if any(site.pk not in allowed_sites for site in reach):
            raise ValidationError("Choose sites of the season's regions.")
        allowed = set(
            eligible_clinicians(season)
            .filter(pk__in=[c.pk for c in not_with])
            .values_list("pk", flat=True)
        )
        if any(c.pk not in allowed for c in not_with):
            raise ValidationError("Choose colleagues of the season's regions.")
        if host not in SignUp.Host.values:
            raise ValidationError("Say whether you would host.")
    with transaction.atomic():
        sign_up.status = SignUp.Status.JOINED if joining else SignUp.Status.DECLINED
        sign_up.weekdays = weekdays if joining else []
        sign_up.host = host if joining else SignUp.Host.IF_NEEDED
        sign_up.replied_at = now
        sign_up.save(update_fields=["status", "weekdays", "host", "replied_at"])
        sign_up.reach.set(reach if joining else [])
        sign_up.not_with.set(not_with if joining else [])
    return sign_up


# Group formation


class GroupsInUse(ValidationError):
    pass


def start_forming(*, season: DinnerSeason, by) -> None:
    """Mark the season as forming and send the task after the commit (one transaction)."""
    from celery import current_app

    _check_can_form(season)
    with transaction.atomic():
        DinnerSeason.objects.filter(pk=season.pk).update(forming=True)
        _audit(
            by,
            "forming",
            season,
            f"{display_name(by)} started forming the dinner groups of {season.name}.",
        )
        user_id = by.pk if by is not None and by.is_authenticated else None
        transaction.on_commit(
            lambda: current_app.tasks[FORM_TASK].apply_async(args=[season.pk, user_id])
        )


def _check_can_form(season: DinnerSeason) -> None:
    if season.status == DinnerSeason.Status.FINISHED:
        raise GroupsInUse("This season is finished: its groups can no longer be formed again.")
    if Dinner.objects.filter(group__season=season, attendance_recorded_at__isnull=False).exists():
        raise GroupsInUse(
            "Hosts have recorded dinners of this season: its groups can no longer be formed again."
        )
    if not season.sign_ups.filter(status=SignUp.Status.JOINED).exists():
        raise ValidationError("Nobody has signed up yet: there is no one to group.")


def form_dinner_groups(
    *, season: DinnerSeason, by=None, today: datetime.date | None = None, time_limit_s=None
) -> formation.Formation:
    """Form the season's groups (the model runs first, outside any transaction), then in one
    transaction replace its groups, their dinners (one per group and dinner week, on the
    group's weekday, each with a question never repeated within the group) and seats, and
    store the figures on the season; audited."""
    today = today or timezone.localdate()
    _check_can_form(season)
    kwargs = {"time_limit_s": time_limit_s} if time_limit_s else {}
    result = formation.form(season, today=today, **kwargs)
    grouping = result.grouping
    with transaction.atomic():
        season = DinnerSeason.objects.select_for_update().get(pk=season.pk)
        _check_can_form(season)
        season.groups.all().delete()
        sites = {str(s.pk): s for s in season_sites(season)}
        bank = list(DinnerQuestion.objects.filter(is_active=True).order_by("pk"))
        seats = []
        for number, group in enumerate(grouping.groups, start=1):
            row = DinnerGroup.objects.create(
                season=season,
                number=number,
                weekday=group.evening,
                host_id=int(group.host),
                site=sites.get(group.dinner_site),
            )
            members = [int(m) for m in group.members]
            row.members.set(members)
            dates = [date_in_week(week, group.evening) for week in season.dinner_weeks()]
            questions = rotate_questions(bank, count=len(dates), offset=number)
            dinners = Dinner.objects.bulk_create(
                Dinner(group=row, date=date, question=question)
                for date, question in zip(dates, questions, strict=True)
            )
            seats += [DinnerSeat(dinner=d, clinician_id=m) for d in dinners for m in members]
        DinnerSeat.objects.bulk_create(seats, batch_size=1000)
        season.status = DinnerSeason.Status.FORMED
        season.forming = False
        season.formed_at = timezone.now()
        season.pairs = grouping.pairs
        season.new_pairs = grouping.new_pairs
        season.random_new_pairs = grouping.random_new_pairs
        season.random_pairs = grouping.random_pairs
        season.unplaced = [
            {"clinician": int(u.person), "reason": u.reason} for u in grouping.unplaced
        ]
        season.save()
        _audit(
            by,
            "groups_formed",
            season,
            f"{display_name(by)} formed {len(grouping.groups)} dinner groups for "
            f"{season.name}: {grouping.summary()}.",
            groups=len(grouping.groups),
            pairs=grouping.pairs,
            new_pairs=grouping.new_pairs,
            random_new_pairs=grouping.random_new_pairs,
            random_pairs=grouping.random_pairs,
        )
    return result


def rotate_questions(
    bank: Sequence[DinnerQuestion], *, count: int, offset: int = 0
) -> list[DinnerQuestion | None]:
    """``count`` questions for one group's dinners, none twice: the bank taken topic by topic
    in turn (meaning, balance, mistakes, resilience, ...), starting ``offset`` along so that
    groups do not all discuss the same question on the same week. None once the bank runs
    out."""
    by_topic: dict[str, list[DinnerQuestion]] = {}
    for question in bank:
        by_topic.setdefault(question.topic, []).append(question)
    order = [
        q for layer in itertools.zip_longest(*by_topic.values()) for q in layer if q is not None
    ]
    if order:
        shift = offset % len(order)
        order = order[shift:] + order[:shift]
    return (order + [None] * count)[:count]


# The host's page


def record_dinner(
    *,
    dinner: Dinner,
    coming: Iterable[int],
    attended: Iterable[int] | None = None,
    receipt_amount: Decimal | None = None,
    now: datetime.datetime | None = None,
) -> Dinner:
    """The host's record of one dinner, in one transaction: who is coming (RSVP), and after
    the dinner who came and the receipt amount (the stipend claim). Recording who came writes
    the dinner's pairs to the connection ledger (kind "dinner")."""
    now = now or timezone.now()
    members = set(dinner.seats.values_list("clinician_id", flat=True))
    # Whoever came was coming.
    coming = (set(coming) | set(attended or ())) & members
    if receipt_amount is not None and receipt_amount < 0:
        raise ValidationError("The receipt amount cannot be negative.")
    if attended is not None and dinner.date > timezone.localdate(now):
        raise ValidationError("Who came can be recorded from the day of the dinner.")
    if receipt_amount is not None and attended is None and not dinner.attendance_recorded_at:
        raise ValidationError("Say who came with the receipt amount.")
    if dinner.paid_at and receipt_amount is not None and receipt_amount != dinner.receipt_amount:
        raise ValidationError("This dinner's stipend is paid: its claim can no longer change.")
    with transaction.atomic():
        for seat in dinner.seats.all():
            seat.rsvp = DinnerSeat.Rsvp.YES if seat.clinician_id in coming else DinnerSeat.Rsvp.NO
            if attended is not None:
                seat.attended = seat.clinician_id in set(attended)
            seat.save(update_fields=["rsvp", "attended"])
        fields = []
        if attended is not None:
            dinner.attendance_recorded_at = now
            fields.append("attendance_recorded_at")
            _write_ledger(dinner, set(attended) & members)
        if receipt_amount is not None:
            dinner.receipt_amount = receipt_amount
            dinner.claimed_at = now
            fields += ["receipt_amount", "claimed_at"]
        if fields:
            dinner.save(update_fields=fields)
    return dinner


def _write_ledger(dinner: Dinner, came: Iterable[int]) -> int:
    """Make the connection ledger hold exactly the pairs of those who came to ``dinner``
    (kind "dinner"; none when fewer than two came), in the caller's transaction. Writing the
    same again leaves the same rows. Returns how many pairs."""
    came = sorted(set(came))
    if len(came) < 2:
        forget_gathering(kind=Meeting.Kind.DINNER, gathering=dinner.pk)
        return 0
    return record_gathering(
        kind=Meeting.Kind.DINNER,
        gathering=dinner.pk,
        date=dinner.date,
        meetings=[(a, b, None) for a, b in itertools.combinations(came, 2)],
    )


def mark_paid(*, dinner: Dinner, paid: bool, by) -> Dinner:
    """Mark a dinner's stipend paid or unpaid (one transaction); audited."""
    if paid and dinner.receipt_amount is None:
        raise ValidationError("The host has not claimed this dinner's stipend yet.")
    with transaction.atomic():
        dinner.paid_at = timezone.now() if paid else None
        dinner.save(update_fields=["paid_at"])
        group = dinner.group
        _audit(
            by,
            "stipend_paid" if paid else "stipend_unpaid",
            group.season,
            f"{display_name(by)} marked the stipend of group {group.number}'s dinner on "
            f"{dinner.date:%-d %B} {'paid' if paid else 'unpaid'}.",
            dinner=dinner.pk,
        )
    return dinner


def send_group_emails(*, season: DinnerSeason, base_url: str, by) -> int:
    """Email every member their group (who, which evening, the first dinner, the host) and
    each host their host link, through the outbox in one transaction; a group is announced
    once (a group formed again is a new group and is announced again). Audited. Returns how
    many emails were new."""
    groups = list(
        season.groups.select_related("host", "site").prefetch_related("members", "dinners")
    )
    if not groups:
        raise ValidationError("There are no groups to announce: form them first.")
    drafts = []
    for group in groups:
        members = sorted(group.members.all(), key=lambda c: (c.last_name, c.first_name))
        first = min((d.date for d in group.dinners.all()), default=None)
        for clinician in members:
            context = {
                "season": season,
                "group": group,
                "members": members,
                "clinician": clinician,
                "first": first,
                "is_host": clinician.pk == group.host_id,
                "host_link": base_url.rstrip("/") + group.get_absolute_url(),
            }
            drafts.append(
                EmailDraft(
                    key=f"dinners:group:{group.pk}:{clinician.pk}",
                    to=clinician.email,
                    subject=f"Your dinner group: {group.get_weekday_display()}s, {season.name}",
                    body=render_to_string("dinners/email/group.txt", context),
                    kind="dinners.group",
                )
            )
    with transaction.atomic():
        sent = queue_emails(drafts)
        _audit(
            by,
            "groups_announced",
            season,
            f"{display_name(by)} emailed the members of {len(groups)} dinner groups of "
            f"{season.name} ({sent} new emails).",
            count=sent,
        )
    return sent


# Reminders


def _reminder_drafts(dinner: Dinner, *, base_url: str) -> list[EmailDraft]:
    group = dinner.group
    drafts = []
    for seat in dinner.seats.select_related("clinician"):
        if seat.rsvp == DinnerSeat.Rsvp.NO:
            continue
        clinician = seat.clinician
        context = {
            "dinner": dinner,
            "group": group,
            "season": group.season,
            "clinician": clinician,
            "is_host": clinician.pk == group.host_id,
            "host_link": base_url.rstrip("/") + group.get_absolute_url(),
            "opt_out": opt_out_url(clinician.email, base_url=base_url),
        }
        drafts.append(
            EmailDraft(
                key=f"dinners:reminder:{dinner.pk}:{clinician.pk}",
                to=clinician.email,
                subject=f"Dinner on {dinner.date:%A %-d %B} with your group",
                body=render_to_string("dinners/email/reminder.txt", context),
                kind="dinners.reminder",
                reminder=True,
            )
        )
    return drafts


def send_dinner_reminders(
    *,
    base_url: str,
    today: datetime.date | None = None,
    season: DinnerSeason | None = None,
    by=None,
) -> int:
    """Remind the members of every dinner in the next ``REMIND_DAYS`` days not yet reminded
    (those who said they are not coming are left out; opt-outs are honoured by the outbox),
    in one transaction. Returns how many emails were queued."""
    today = today or timezone.localdate()
    dinners = Dinner.objects.filter(
        reminded_at__isnull=True,
        date__gte=today,
        date__lte=today + datetime.timedelta(days=REMIND_DAYS),
        group__season__status=DinnerSeason.Status.FORMED,
    ).select_related("group__season", "group__host", "question")
    if season is not None:
        dinners = dinners.filter(group__season=season)
    with transaction.atomic():
        dinners = list(dinners.select_for_update(of=("self",), skip_locked=True))
        sent = queue_emails(
            d for dinner in dinners for d in _reminder_drafts(dinner, base_url=base_url)
        )
        Dinner.objects.filter(pk__in=[d.pk for d in dinners]).update(reminded_at=timezone.now())
        if season is not None and by is not None:
            _audit(
                by,
                "reminded",
                season,
                f"{display_name(by)} sent {sent} dinner reminders for {season.name}.",
                count=sent,
            )
    return sent


def save_question(*, question: DinnerQuestion, by) -> DinnerQuestion:
    """Save a question of the bank (new or edited), in one transaction; audited."""
    with transaction.atomic():
        created = question.pk is None
        question.full_clean()
        question.save()
        record_audit(
            actor=by,
            action="dinners.question_added" if created else "dinners.question_changed",
            target=f"dinner question {question.pk}",
            message=f"{display_name(by)} {'added' if created else 'changed'} the dinner "
            f"question “{question.text[:80]}”.",
            details={"question": question.pk},
        )
    return question


# New links


def reissue_sign_up_link(
    *, sign_up: SignUp, base_url: str, by, now: datetime.datetime | None = None
) -> bool:
    """Give a clinician a new sign-up link (the old one is a 404 at once: a lost or forwarded
    link) and, while sign-up is open, email it to them through the outbox, in one transaction;
    audited (``events.links.reissue_token``, the rule of every personal link). After the
    deadline the old link still stops working, but nothing is sent. Returns whether the new
    link was emailed."""
    now = now or timezone.now()
    season = sign_up.season
    with transaction.atomic():
        reissue_token(
            sign_up,
            token_field="token",
            reset={"sent_at": None},
            by=by,
            action="dinners.link_reissued",
            target=f"dinner season {season.pk}",
            message=f"{display_name(by)} reissued the dinner sign-up link of "
            f"{sign_up.clinician.full_name} for {season.name}; the old link stopped working.",
            details={"season": season.pk, "sign_up": sign_up.pk},
        )
        if season.status != DinnerSeason.Status.SIGN_UP or now >= season.sign_up_by:
            return False
        queue_emails([_sign_up_draft(sign_up, base_url=base_url)])
        sign_up.sent_at = now
        sign_up.save(update_fields=["sent_at"])
    return True


def reissue_host_link(*, group: DinnerGroup, base_url: str, by) -> None:
    """Give a group's host a new host link (the old one is a 404 at once) and email it to the
    host through the outbox, in one transaction; audited (``events.links.reissue_token``)."""
    season = group.season
    with transaction.atomic():
        reissue_token(
            group,
            token_field="host_token",
            by=by,
            action="dinners.host_link_reissued",
            target=f"dinner season {season.pk}",
            message=f"{display_name(by)} reissued the host link of group {group.number} "
            f"({group.host.full_name}) for {season.name}; the old link stopped working.",
            details={"season": season.pk, "group": group.pk},
        )
        context = {
            "season": season,
            "group": group,
            "clinician": group.host,
            "link": base_url.rstrip("/") + group.get_absolute_url(),
        }
        queue_emails(
            [
                EmailDraft(
                    key=link_email_key("dinners:host-link", group.pk, group.host_token),
                    to=group.host.email,
                    subject=f"Your new host link: dinner group {group.number}, {season.name}",
                    body=render_to_string("dinners/email/host_link.txt", context),
                    kind="dinners.host-link",
                )
            ]
        )


# The background work (beat)


def send_sign_up_reminders(*, base_url: str, now: datetime.datetime | None = None) -> int:
    """Remind, once, each clinician invited to a season open for sign-up whose deadline is
    within REMIND_SIGN_UP_BEFORE, who was invited at least REMIND_SIGN_UP_AFTER ago and has
    not answered: one transaction per season with its row locked, each reminder recorded on
    the sign-up (``reminded_at``) and keyed by it in the outbox, so a retry or a second worker
    sends none twice. Reminders honour the outbox's opt-out (recorded as skipped). Audited per
    season. Returns how many reminders were new in the outbox."""
    now = now or timezone.now()
    seasons = DinnerSeason.objects.filter(
        status=DinnerSeason.Status.SIGN_UP,
        sign_up_by__gt=now,
        sign_up_by__lte=now + REMIND_SIGN_UP_BEFORE,
    ).order_by("sign_up_by", "pk")
    total = 0
    for season_id in seasons.values_list("pk", flat=True):
        with transaction.atomic():
            season = (
                DinnerSeason.objects.select_for_update()
                .filter(pk=season_id, status=DinnerSeason.Status.SIGN_UP, sign_up_by__gt=now)
                .first()
            )
            if season is None:
                continue
            waiting = list(
                season.sign_ups.filter(
                    status=SignUp.Status.INVITED,
                    reminded_at__isnull=True,
                    sent_at__lte=now - REMIND_SIGN_UP_AFTER,
                    clinician__is_active=True,
                )
                .select_related("clinician")
                .order_by("pk")
            )
            if not waiting:
                continue
            for sign_up in waiting:
                sign_up.season = season
            sent = queue_emails(_sign_up_reminder_draft(s, base_url=base_url) for s in waiting)
            SignUp.objects.filter(pk__in=[s.pk for s in waiting]).update(reminded_at=now)
            if sent:
                _audit(
                    None,
                    "sign_up_reminded",
                    season,
                    f"Rounds reminded {sent} clinician{'s' if sent != 1 else ''} who had not "
                    f"answered to sign up for {season.name} before the deadline.",
                    count=sent,
                )
            total += sent
    return total


def _sign_up_reminder_draft(sign_up: SignUp, *, base_url: str) -> EmailDraft:
    season = sign_up.season
    context = {
        "season": season,
        "clinician": sign_up.clinician,
        "link": base_url.rstrip("/") + sign_up.get_absolute_url(),
        "sign_up_by": timezone.localtime(season.sign_up_by),
        "opt_out": opt_out_url(sign_up.clinician.email, base_url=base_url),
    }
    return EmailDraft(
        key=f"dinners:sign-up-reminder:{sign_up.pk}",
        to=sign_up.clinician.email,
        subject=f"Reminder: sign up for {season.name} by {context['sign_up_by']:%A %-d %B}",
        body=render_to_string("dinners/email/sign_up_reminder.txt", context),
        kind="dinners.sign-up-reminder",
        reminder=True,
    )


def finish_past_seasons(*, today: datetime.date | None = None) -> int:
    """Move on the seasons whose last dinner is past (before ``today``): in one transaction
    per season with its row locked, every dinner whose host recorded who came is written to
    the connection ledger again (the same rows as the host's record wrote: nothing is lost if
    a record was made another way, and nothing is doubled), and the season is marked
    finished; audited. No organizer needs to click. A season already finished is left alone,
    so running it again changes nothing. Returns how many seasons were finished."""
    today = today or timezone.localdate()
    due = (
        DinnerSeason.objects.filter(status=DinnerSeason.Status.FORMED, forming=False)
        .annotate(last=Max("groups__dinners__date"))
        .filter(last__lt=today)
        .order_by("pk")
    )
    finished = 0
    for season_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            season = (
                DinnerSeason.objects.select_for_update()
                .filter(pk=season_id, status=DinnerSeason.Status.FORMED, forming=False)
                .first()
            )
            if season is None:
                continue
            dinners = list(Dinner.objects.filter(group__season=season).prefetch_related("seats"))
            recorded = [d for d in dinners if d.attendance_recorded_at is not None]
            for dinner in recorded:
                _write_ledger(dinner, (s.clinician_id for s in dinner.seats.all() if s.attended))
            season.status = DinnerSeason.Status.FINISHED
            season.save(update_fields=["status"])
            last = max(d.date for d in dinners)
            _audit(
                None,
                "season_finished",
                season,
                f"Rounds finished the dinner season {season.name}: its last dinner was on "
                f"{last:%-d %B %Y}; {len(recorded)} of {len(dinners)} dinners were recorded by "
                "their hosts and are in the connection ledger.",
                recorded=len(recorded),
                dinners=len(dinners),
            )
            finished += 1
    return finished
