"""Writes of the dinners app. Each function commits in one transaction (said in its
docstring) and records what an organizer or admin did in the audit log."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.services import display_name, record_audit
from clinicians.models import Clinician, Site
from connections.models import Meeting
from connections.services import forget_gathering, record_gathering
from outbox.queries import opt_out_url
from outbox.services import EmailDraft, queue_emails

from . import formation
from .models import (
    WEEKDAY_CODES,
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


def _audit(by, action: str, season: DinnerSeason, message: str, **details) -> None:
    record_audit(
        actor=by,
        action=f"dinners.{action}",
        target=f"dinner season {season.pk}",
        message=message,
        details={"season": season.pk, **details},
    )


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
    weekdays = [code for code in WEEKDAY_CODES if code in set(weekdays)]
    if not weekdays:
        raise ValidationError("Choose at least one weekday evening for the dinners.")
    if min_size > max_size:
        raise ValidationError("The largest group cannot be smaller than the smallest.")
    regions = list(regions)
    if not regions:
        raise ValidationError("Choose at least one region taking part.")
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
        key=f"dinners:sign-up:{sign_up.pk}:{sign_up.token[:12]}",
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
            came = sorted(set(attended) & members)
            if len(came) >= 2:
                record_gathering(
                    kind=Meeting.Kind.DINNER,
                    gathering=dinner.pk,
                    date=dinner.date,
                    meetings=[(a, b, None) for a, b in itertools.combinations(came, 2)],
                )
            else:
                forget_gathering(kind=Meeting.Kind.DINNER, gathering=dinner.pk)
        if receipt_amount is not None:
            dinner.receipt_amount = receipt_amount
            dinner.claimed_at = now
            fields += ["receipt_amount", "claimed_at"]
        if fields:
            dinner.save(update_fields=fields)
    return dinner


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
