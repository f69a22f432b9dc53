"""Writes to the clinician catalogue: the roster import, edits of regions, sites, specialties,
departments and clinicians (from the app's pages and the admin alike), retiring and merging
clinicians. Every write is one transaction and recorded in the audit log in a sentence."""

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone

from accounts.services import display_name, record_audit

from .models import Clinician, Department, Region, Site, Specialty
from .roster import FIELD_LABELS, ROSTER_FIELDS, RosterPreview, RosterRow, roster_values
from .signals import objections_to_change, objections_to_retiring

# Audit log actions written by the catalogue.
ROSTER_IMPORTED = "roster.imported"
CLINICIAN_RETIRED = "clinician.retired"
CLINICIAN_RETIRE_REFUSED = "clinician.retire_refused"
CLINICIANS_MERGED = "clinicians.merged"
CLINICIANS_MERGE_REFUSED = "clinicians.merge_refused"
CLINICIAN_REACTIVATED = "clinician.reactivated"
REGION_CREATED, REGION_CHANGED, REGION_DELETED = (
    "region.created",
    "region.changed",
    "region.deleted",
)
SITE_CREATED, SITE_CHANGED, SITE_DELETED = "site.created", "site.changed", "site.deleted"
SPECIALTY_CREATED = "specialty.created"
SPECIALTY_CHANGED = "specialty.changed"
SPECIALTY_DELETED = "specialty.deleted"
SPECIALTY_RETIRED = "specialty.retired"
SPECIALTY_REACTIVATED = "specialty.reactivated"
# The same code the migration that made names unique records its merges under.
SPECIALTIES_MERGED = "specialties.merged"
SPECIALTIES_MERGE_REFUSED = "specialties.merge_refused"
DEPARTMENT_CREATED = "department.created"
DEPARTMENT_CHANGED = "department.changed"
DEPARTMENT_DELETED = "department.deleted"
CLINICIAN_CREATED = "clinician.created"
CLINICIAN_CHANGED = "clinician.changed"
CLINICIAN_DELETED = "clinician.deleted"
CATALOGUE_CHANGE_REFUSED = "catalogue.change_refused"
CATALOGUE_DELETE_REFUSED = "catalogue.delete_refused"


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    # Every clinician the file names, new or not: for adding them to an event next.
    clinician_ids: tuple[int, ...] = ()


def import_roster(
    *, preview: RosterPreview, actor: AbstractBaseUser | None, filename: str
) -> ImportResult:
    """Create the preview's new clinicians and update the changed ones (matched by email),
    with their sites, and record the import in the audit log — all in one transaction.

    Raises ValidationError if the preview has any error: then nothing is written. Refused
    too (recorded as CATALOGUE_CHANGE_REFUSED) when it changes the role of a clinician a
    published upcoming event depends on (``catalogue_change_objections``), as an edit is."""
    if not preview.is_valid:
        raise ValidationError("The roster has errors; nothing was imported.")
    new_rows = [row for row in preview.rows if row.status == RosterRow.NEW]
    changed_rows = [row for row in preview.rows if row.status == RosterRow.UPDATE]
    objections = [
        objection
        for row in changed_rows
        if row.existing.role != row.role
        for objection in objections_to_change(
            row.existing, changes={"role": (row.existing.role, row.role)}
        )
    ]
    if objections:
        record_audit(
            actor=actor,
            action=CATALOGUE_CHANGE_REFUSED,
            target=f"roster {filename}",
            message=f"{display_name(actor)} tried to import the roster {filename}, which changes "
            "roles; refused: " + " ".join(objections),
            details={"objections": objections},
        )
        raise ValidationError(objections)
    now = timezone.now()
    SiteLink = Clinician.sites.through

    with transaction.atomic():
        created = Clinician.objects.bulk_create(
            [Clinician(email=row.email, **roster_values(row)) for row in new_rows]
        )
        links = [
            SiteLink(clinician_id=clinician.pk, site_id=site.pk)
            for clinician, row in zip(created, new_rows, strict=True)
            for site in row.sites
        ]
        updated = []
        for row in changed_rows:
            clinician = row.existing
            for name, value in roster_values(row).items():
                setattr(clinician, name, value)
            clinician.is_active = True
            clinician.updated_at = now
            updated.append(clinician)
        Clinician.objects.bulk_update(
            updated,
            [*ROSTER_FIELDS, "is_active", "updated_at"],
            batch_size=500,
        )
        SiteLink.objects.filter(clinician_id__in=[clinician.pk for clinician in updated]).delete()
        links += [
            SiteLink(clinician_id=row.existing.pk, site_id=site.pk)
            for row in changed_rows
            for site in row.sites
        ]
        SiteLink.objects.bulk_create(links, batch_size=1000)
        record_audit(
            actor=actor,
            action=ROSTER_IMPORTED,
            target=f"roster {filename}",
            message=f"{display_name(actor)} imported the roster {filename}: "
            f"{len(created)} clinicians added, {len(updated)} updated.",
            details={"created": len(created), "updated": len(updated)},
        )
    existing = [row.existing.pk for row in preview.rows if row.existing is not None]
    return ImportResult(
        created=len(created),
        updated=len(updated),
        unchanged=preview.count(RosterRow.UNCHANGED),
        clinician_ids=tuple(sorted([clinician.pk for clinician in created] + existing)),
    )


UPLOAD_FOLDER = "imports"
UPLOAD_MAX_AGE = datetime.timedelta(days=1)


def store_roster_upload(*, content: bytes, extension: str) -> str:
    """Keep an uploaded roster between its preview and its confirmation, under
    MEDIA_ROOT/imports/ with a random name; returns that name's token. Uploads older than a
    day, previewed but never confirmed, are removed on the way."""
    _remove_stale_uploads()
    token = uuid.uuid4().hex
    default_storage.save(f"{UPLOAD_FOLDER}/{token}{extension}", ContentFile(content))
    return token


def read_roster_upload(*, token: str, extension: str) -> bytes | None:
    """The stored upload's bytes, or None if it is gone."""
    name = f"{UPLOAD_FOLDER}/{token}{extension}"
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as upload:
        return upload.read()


def discard_roster_upload(*, token: str, extension: str) -> None:
    """Delete a stored upload (after its import, or when the organizer cancels)."""
    default_storage.delete(f"{UPLOAD_FOLDER}/{token}{extension}")


def _remove_stale_uploads() -> None:
    try:
        _folders, files = default_storage.listdir(UPLOAD_FOLDER)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - UPLOAD_MAX_AGE
    for name in files:
        path = f"{UPLOAD_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except FileNotFoundError:
            pass  # another request removed it first


# The catalogue: regions, sites, specialties, departments and clinicians ---------------------

CatalogueEntry = Region | Site | Specialty | Department | Clinician

# The fields an edit of each kind of entry may change, named as the audit log names them.
CATALOGUE_FIELDS: dict[type[models.Model], dict[str, str]] = {
    Region: {"name": "name"},
    Site: {"name": "name", "region": "region"},
    Specialty: {
        "name": "name",
        "track": "patients",
        "description": "description",
        "is_active": "status",
    },
    Department: {"name": "name", "site": "site", "track": "patients"},
    Clinician: {**FIELD_LABELS, "is_active": "status"},
}
# The actions a create, a change and a delete of each kind of entry are recorded as.
CATALOGUE_ACTIONS: dict[type[models.Model], tuple[str, str, str]] = {
    Region: (REGION_CREATED, REGION_CHANGED, REGION_DELETED),
    Site: (SITE_CREATED, SITE_CHANGED, SITE_DELETED),
    Specialty: (SPECIALTY_CREATED, SPECIALTY_CHANGED, SPECIALTY_DELETED),
    Department: (DEPARTMENT_CREATED, DEPARTMENT_CHANGED, DEPARTMENT_DELETED),
    Clinician: (CLINICIAN_CREATED, CLINICIAN_CHANGED, CLINICIAN_DELETED),
}


def catalogue_label(entry: CatalogueEntry) -> str:
    """An entry as the audit log names it: "Cardiology", "Ann Lee", "Internal Medicine at
    Quincy"."""
    if isinstance(entry, Clinician):
        return entry.full_name
    if isinstance(entry, Department):
        return f"{entry.name} at {entry.site.name}"
    return entry.name


def _summary(entry: CatalogueEntry) -> str:
    """The entry with what tells it apart, for a sentence about adding or deleting it."""
    if isinstance(entry, Specialty):
        return f"the specialty {entry.name} (patients: {entry.get_track_display().lower()})"
    if isinstance(entry, Department):
        return (
            f"the department {catalogue_label(entry)} "
            f"(patients: {entry.get_track_display().lower()})"
        )
    if isinstance(entry, Site):
        return f"the site {entry.name} in {entry.region.name}"
    if isinstance(entry, Clinician):
        home = entry.specialty or entry.department
        return f"the clinician {entry} ({entry.get_role_display().lower()}" + (
            f", {catalogue_label(home)})" if home else ")"
        )
    return f"the region {entry.name}"


def _words(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _value_words(model: type[models.Model], name: str, value) -> str:
    if name == "is_active":
        return "active" if value else "retired"
    if name == "sites":
        return _words(sorted(site.name for site in value)) if value else "none"
    if value is None or value == "":
        return "none"
    if isinstance(value, models.Model):
        return catalogue_label(value)
    field = model._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value)).lower()
    text = str(value)
    return f"“{text if len(text) <= 60 else text[:59] + '…'}”"


def catalogue_changes(
    *, stored: CatalogueEntry, entry: CatalogueEntry, sites: Iterable[Site] | None = None
) -> dict[str, tuple]:
    """What the edited ``entry`` changes in its ``stored`` row: ``{field: (old, new)}``,
    foreign keys as objects; with ``sites`` (a clinician's new sites) the sites too."""
    model = type(stored)
    if isinstance(entry, Clinician):
        entry.email = entry.email.strip().lower()  # as Clinician.save stores it
    changes = {}
    for name in CATALOGUE_FIELDS[model]:
        if name == "sites":
            continue
        attname = model._meta.get_field(name).attname
        if getattr(stored, attname) != getattr(entry, attname):
            changes[name] = (getattr(stored, name), getattr(entry, name))
    if sites is not None:
        old, new = list(stored.sites.all()), list(sites)
        if {site.pk for site in old} != {site.pk for site in new}:
            changes["sites"] = (old, new)
    return changes


def describe_changes(*, stored: CatalogueEntry, changes: dict[str, tuple]) -> str:
    """The ``changes`` of ``stored`` in words: "Cardiology's patients from adult to all
    ages"."""
    model = type(stored)
    words = [
        f"{CATALOGUE_FIELDS[model][name]} from {_value_words(model, name, old)} "
        f"to {_value_words(model, name, new)}"
        for name, (old, new) in changes.items()
    ]
    return f"{catalogue_label(stored)}'s {_words(words)}"


def _objections(stored: CatalogueEntry, changes: dict[str, tuple]) -> list[str]:
    if not changes:
        return []
    objections = objections_to_change(stored, changes=changes)
    if isinstance(stored, Clinician) and changes.get("is_active", (True, True))[1] is False:
        objections += objections_to_retiring(stored)
    return objections


def _record_change_refused(
    *, stored: CatalogueEntry, changes: dict[str, tuple], objections: list[str], by
) -> None:
    record_audit(
        actor=by,
        action=CATALOGUE_CHANGE_REFUSED,
        target=catalogue_label(stored),
        message=(
            f"{display_name(by)} tried to change {describe_changes(stored=stored, changes=changes)}"
            "; refused: " + " ".join(objections)
        ),
        details={"model": stored._meta.label, "pk": stored.pk, "objections": objections},
    )


class _Refused(Exception):
    def __init__(self, objections: list[str]):
        self.objections = objections


def check_catalogue_change(
    *, entry: CatalogueEntry, by: AbstractBaseUser | None, sites: Iterable[Site] | None = None
) -> None:
    """Raise ``ValidationError`` (the objections) when the edited ``entry`` would change what
    a published upcoming event depends on, as ``save_catalogue_entry`` does, recording the
    refusal (CATALOGUE_CHANGE_REFUSED); writes nothing else. For forms that check before
    they save (the admin's)."""
    stored = type(entry)._default_manager.get(pk=entry.pk)
    changes = catalogue_changes(stored=stored, entry=entry, sites=sites)
    objections = _objections(stored, changes)
    if objections:
        _record_change_refused(stored=stored, changes=changes, objections=objections, by=by)
        raise ValidationError(objections)


def save_catalogue_entry(
    *, entry: CatalogueEntry, by: AbstractBaseUser | None, sites: Iterable[Site] | None = None
) -> CatalogueEntry:
    """Create ``entry``, or save its edits, with ``sites`` (a clinician's sites) when given,
    and record it in the audit log in words ("Ada Admin changed Cardiology's patients from
    adult to all ages."), in one transaction. An edit that changes nothing is not recorded.

    Refused (``ValidationError`` with the objections, recorded as CATALOGUE_CHANGE_REFUSED
    outside the rolled-back write) when a receiver of ``catalogue_change_objections`` objects
    (a specialty's track while a published upcoming event has a table of it), or, for a
    clinician made inactive, one of ``clinician_retiring``."""
    model = type(entry)
    created, changed, _deleted = CATALOGUE_ACTIONS[model]
    sites = None if sites is None else list(sites)
    try:
        with transaction.atomic():
            if entry.pk is None:
                entry.save()
                if sites is not None:
                    entry.sites.set(sites)
                record_audit(
                    actor=by,
                    action=created,
                    target=catalogue_label(entry),
                    message=f"{display_name(by)} added {_summary(entry)}.",
                    details={"model": model._meta.label, "pk": entry.pk},
                )
                return entry
            stored = model._default_manager.select_for_update().get(pk=entry.pk)
            changes = catalogue_changes(stored=stored, entry=entry, sites=sites)
            objections = _objections(stored, changes)
            if objections:
                raise _Refused(objections)
            entry.save()
            if sites is not None:
                entry.sites.set(sites)
            if changes:
                record_audit(
                    actor=by,
                    action=changed,
                    target=catalogue_label(stored),
                    message=(
                        f"{display_name(by)} changed "
                        f"{describe_changes(stored=stored, changes=changes)}."
                    ),
                    details={
                        "model": model._meta.label,
                        "pk": entry.pk,
                        "changes": {
                            name: [_value_words(model, name, v) for v in values]
                            for name, values in changes.items()
                        },
                    },
                )
    except _Refused as refused:
        _record_change_refused(stored=stored, changes=changes, objections=refused.objections, by=by)
        raise ValidationError(refused.objections) from None
    return entry


def save_specialty(*, specialty: Specialty, by: AbstractBaseUser | None) -> Specialty:
    """Create or save an edited specialty: ``save_catalogue_entry`` (a track change is refused
    while a published upcoming event has a table of it)."""
    return save_catalogue_entry(entry=specialty, by=by)


def save_clinician(
    *, clinician: Clinician, sites: Iterable[Site], by: AbstractBaseUser | None
) -> Clinician:
    """Create or save an edited clinician with their ``sites``: ``save_catalogue_entry`` (a
    change of role is refused while they anchor or travel at a published upcoming event)."""
    return save_catalogue_entry(entry=clinician, by=by, sites=sites)


def _delete_blockers(entry: CatalogueEntry) -> list[models.Model]:
    """The rows that keep ``entry`` from being deleted (protected or restricted keys)."""
    collector = Collector(using=router.db_for_write(type(entry)))
    try:
        collector.collect([entry])
    except ProtectedError as error:
        return list(error.protected_objects)
    except RestrictedError as error:
        return list(error.restricted_objects)
    return []


def _count_words(objects: list[models.Model]) -> str:
    counts: dict[tuple[str, str], int] = {}
    for obj in objects:
        key = (str(obj._meta.verbose_name), str(obj._meta.verbose_name_plural))
        counts[key] = counts.get(key, 0) + 1
    return _words([f"{n} {one if n == 1 else many}" for (one, many), n in sorted(counts.items())])


def record_refused_delete(*, entry: CatalogueEntry, by: AbstractBaseUser | None) -> str:
    """Record (CATALOGUE_DELETE_REFUSED) that ``by`` tried to delete ``entry`` while other
    rows use it, e.g. "Ada Admin tried to delete the specialty Cardiology (patients: adult);
    refused: 2 clinicians and 1 table use it."; returns the reason ("2 clinicians and 1 table
    use it"), or "" and records nothing when no row uses it."""
    blockers = _delete_blockers(entry)
    if not blockers:
        return ""
    reason = f"{_count_words(blockers)} {'uses' if len(blockers) == 1 else 'use'} it"
    record_audit(
        actor=by,
        action=CATALOGUE_DELETE_REFUSED,
        target=catalogue_label(entry),
        message=f"{display_name(by)} tried to delete {_summary(entry)}; refused: {reason}.",
        details={"model": entry._meta.label, "pk": entry.pk},
    )
    return reason


def delete_catalogue_entry(*, entry: CatalogueEntry, by: AbstractBaseUser | None) -> None:
    """Delete ``entry`` and record it in the audit log, in one transaction. Refused
    (``ValidationError``; recorded as CATALOGUE_DELETE_REFUSED) while any row uses it (a
    clinician, a table, an event, an attendance: the database protects them)."""
    model = type(entry)
    summary, label, pk = _summary(entry), catalogue_label(entry), entry.pk
    with transaction.atomic():
        if not _delete_blockers(entry):
            entry.delete()
            record_audit(
                actor=by,
                action=CATALOGUE_ACTIONS[model][2],
                target=label,
                message=f"{display_name(by)} deleted {summary}.",
                details={"model": model._meta.label, "pk": pk},
            )
            return
    reason = record_refused_delete(entry=entry, by=by)
    raise ValidationError(f"{summary[:1].upper()}{summary[1:]} is not deleted: {reason}.")


def retire_clinician(*, clinician: Clinician, by: AbstractBaseUser | None) -> Clinician:
    """Mark a clinician inactive (never deleted: past events keep their history) and record
    it in the audit log, in one transaction.

    Refused (``ValidationError`` listing the objections, and an audit entry
    CLINICIAN_RETIRE_REFUSED) when a receiver of ``clinician_retiring`` objects: a published
    upcoming event depends on the clinician, whose itinerary must not silently change."""
    objections = objections_to_retiring(clinician)
    if objections:
        record_audit(
            actor=by,
            action=CLINICIAN_RETIRE_REFUSED,
            target=str(clinician),
            message=(
                f"{display_name(by)} tried to retire {clinician}; refused: " + " ".join(objections)
            ),
            details={"clinician": clinician.pk, "objections": objections},
        )
        raise ValidationError(objections)
    with transaction.atomic():
        clinician.is_active = False
        clinician.save(update_fields=["is_active", "updated_at"])
        record_audit(
            actor=by,
            action=CLINICIAN_RETIRED,
            target=str(clinician),
            message=f"{display_name(by)} retired {clinician}.",
            details={"clinician": clinician.pk, "email": clinician.email},
        )
    return clinician


def reactivate_clinician(*, clinician: Clinician, by: AbstractBaseUser | None) -> Clinician:
    """Offer a retired clinician again and record it in the audit log, in one transaction."""
    with transaction.atomic():
        clinician.is_active = True
        clinician.save(update_fields=["is_active", "updated_at"])
        record_audit(
            actor=by,
            action=CLINICIAN_REACTIVATED,
            target=str(clinician),
            message=f"{display_name(by)} reactivated {clinician}.",
            details={"clinician": clinician.pk},
        )
    return clinician


def _references_to(model: type[models.Model]) -> list[models.ForeignKey]:
    """Every foreign key (or one-to-one) pointing at `model`, including hidden ones such as
    many-to-many through tables and `related_name="+"` keys, which `_meta.related_objects`
    leaves out. Many-to-many relations themselves are covered by their through tables."""
    return [
        relation.field
        for relation in model._meta.get_fields(include_hidden=True)
        if relation.auto_created
        and not relation.concrete
        and (relation.one_to_many or relation.one_to_one)
    ]


def merge_clinicians(
    *, keep: Clinician, duplicate: Clinician, by: AbstractBaseUser | None
) -> Clinician:
    """Fold `duplicate` into `keep`: every row anywhere that points at the duplicate (anchors,
    attendance, group memberships, sites, and whatever later apps add) is re-pointed to the
    kept clinician. Where re-pointing would break a unique rule (both attended the same
    event), the kept clinician's row stays and the duplicate's is deleted. The duplicate is
    then deleted if nothing points at it any more, else retired. One transaction, audited.

    Refused (``ValidationError`` with the objections; recorded as CLINICIANS_MERGE_REFUSED)
    when a receiver of ``catalogue_change_objections`` objects to merging the duplicate into
    the kept clinician: events does when the duplicate anchors or travels at a published
    upcoming event and the merge would change that place visibly. It lets the merge through
    only where the kept clinician already holds exactly that place (the duplicate's row is
    dropped and nothing anyone holds changes), or is not at that event at all and has the same
    name and role (the rows move whole, with their personal link, and read the same).
    """
    if keep.pk == duplicate.pk:
        raise ValidationError("Pick two different clinicians to merge.")
    try:
        with transaction.atomic():
            # Lock both rows so two merges of the same pair cannot interleave.
            list(Clinician.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]))
            objections = objections_to_change(duplicate, merge_into=keep)
            if objections:
                raise _Refused(objections)
            _merge_rows(keep=keep, duplicate=duplicate, by=by)
    except _Refused as refused:
        record_audit(
            actor=by,
            action=CLINICIANS_MERGE_REFUSED,
            target=f"{duplicate} into {keep}",
            message=(
                f"{display_name(by)} tried to merge {duplicate} into {keep}; refused: "
                + " ".join(refused.objections)
            ),
            details={"kept": keep.pk, "duplicate": duplicate.pk, "objections": refused.objections},
        )
        raise ValidationError(refused.objections) from None
    return keep


def _merge_rows(*, keep: Clinician, duplicate: Clinician, by) -> None:
    """The writes of ``merge_clinicians``, inside its transaction."""
    moved: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for foreign_key in _references_to(Clinician):
        label = foreign_key.model._meta.label
        rows = foreign_key.model._base_manager.filter(**{foreign_key.name: duplicate})
        for row in rows:
            try:
                # A savepoint a row: a unique clash rolls back only that row's update.
                with transaction.atomic():
                    foreign_key.model._base_manager.filter(pk=row.pk).update(
                        **{foreign_key.name: keep}
                    )
                moved[label] = moved.get(label, 0) + 1
            except IntegrityError:
                foreign_key.model._base_manager.filter(pk=row.pk).delete()
                dropped[label] = dropped.get(label, 0) + 1
    still_referenced = any(
        foreign_key.model._base_manager.filter(**{foreign_key.name: duplicate}).exists()
        for foreign_key in _references_to(Clinician)
    )
    details = {
        "kept": keep.pk,
        "duplicate": duplicate.pk,
        "duplicate_name": duplicate.full_name,
        "duplicate_email": duplicate.email,
        "moved": moved,
        "dropped": dropped,
        "duplicate_deleted": not still_referenced,
    }
    if still_referenced:
        duplicate.is_active = False
        duplicate.save(update_fields=["is_active", "updated_at"])
    else:
        Clinician.objects.filter(pk=duplicate.pk).delete()
    record_audit(
        actor=by,
        action=CLINICIANS_MERGED,
        target=f"{duplicate} into {keep}",
        message=f"{display_name(by)} merged {duplicate} into {keep}"
        + ("." if still_referenced else " and deleted the duplicate."),
        details=details,
    )


def retire_specialty(*, specialty: Specialty, by: AbstractBaseUser | None) -> Specialty:
    """Stop offering ``specialty`` for new tables, anchors and imports (never deleted: its
    clinicians and past tables keep it) and record it in the audit log, in one transaction."""
    with transaction.atomic():
        specialty.is_active = False
        specialty.save(update_fields=["is_active"])
        record_audit(
            actor=by,
            action=SPECIALTY_RETIRED,
            target=catalogue_label(specialty),
            message=f"{display_name(by)} retired {_summary(specialty)}: it is offered for no "
            "new table, anchor or import.",
            details={"model": Specialty._meta.label, "pk": specialty.pk},
        )
    return specialty


def reactivate_specialty(*, specialty: Specialty, by: AbstractBaseUser | None) -> Specialty:
    """Offer a retired specialty again and record it in the audit log, in one transaction."""
    with transaction.atomic():
        specialty.is_active = True
        specialty.save(update_fields=["is_active"])
        record_audit(
            actor=by,
            action=SPECIALTY_REACTIVATED,
            target=catalogue_label(specialty),
            message=f"{display_name(by)} reactivated {_summary(specialty)}.",
            details={"model": Specialty._meta.label, "pk": specialty.pk},
        )
    return specialty


def merge_specialties(
    *, keep: Specialty, duplicate: Specialty, by: AbstractBaseUser | None
) -> Specialty:
    """Fold ``duplicate`` into ``keep``: every row anywhere that points at the duplicate (its
    clinicians, event tables, and whatever later apps add) is re-pointed to the kept
    specialty, which takes the duplicate's description if it has none; the duplicate is then
    deleted. One transaction, recorded as SPECIALTIES_MERGED: "Ada Admin merged the specialty
    cardiology into Cardiology: 2 clinicians and 1 table moved; cardiology deleted."

    Refused (``ValidationError`` with the objections; recorded as SPECIALTIES_MERGE_REFUSED)
    when a receiver of ``catalogue_change_objections`` objects to merging the duplicate into
    the kept specialty: events does when the duplicate has a table at a published upcoming
    event and the two serve different patients (that table's track would change)."""
    if keep.pk == duplicate.pk:
        raise ValidationError("Pick two different specialties to merge.")
    try:
        with transaction.atomic():
            # Lock both rows so two merges of the same pair cannot interleave.
            list(Specialty.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]))
            objections = objections_to_change(duplicate, merge_into=keep)
            if objections:
                raise _Refused(objections)
            moved = _move_references(model=Specialty, old=duplicate, new=keep)
            if not keep.description and duplicate.description:
                keep.description = duplicate.description
                keep.save(update_fields=["description"])
            Specialty.objects.filter(pk=duplicate.pk).delete()
            record_audit(
                actor=by,
                action=SPECIALTIES_MERGED,
                target=f"{duplicate.name} into {keep.name}",
                message=f"{display_name(by)} merged the specialty {duplicate.name} into "
                f"{keep.name}: {_moved_words(moved)} moved; {duplicate.name} deleted.",
                details={
                    "kept": keep.pk,
                    "duplicate": duplicate.pk,
                    "duplicate_name": duplicate.name,
                    "moved": {label: n for (label, _one, _many), n in moved.items()},
                },
            )
    except _Refused as refused:
        record_audit(
            actor=by,
            action=SPECIALTIES_MERGE_REFUSED,
            target=f"{duplicate.name} into {keep.name}",
            message=(
                f"{display_name(by)} tried to merge the specialty {duplicate.name} into "
                f"{keep.name}; refused: " + " ".join(refused.objections)
            ),
            details={"kept": keep.pk, "duplicate": duplicate.pk, "objections": refused.objections},
        )
        raise ValidationError(refused.objections) from None
    return keep


def _move_references(
    *, model: type[models.Model], old: models.Model, new: models.Model
) -> dict[tuple[str, str, str], int]:
    """Re-point every row that points at ``old`` to ``new``, in the caller's transaction;
    the rows moved by (model label, verbose name, verbose name plural)."""
    moved: dict[tuple[str, str, str], int] = {}
    for foreign_key in _references_to(model):
        count = foreign_key.model._base_manager.filter(**{foreign_key.name: old}).update(
            **{foreign_key.name: new}
        )
        if count:
            meta = foreign_key.model._meta
            key = (meta.label, str(meta.verbose_name), str(meta.verbose_name_plural))
            moved[key] = moved.get(key, 0) + count
    return moved


def _moved_words(moved: dict[tuple[str, str, str], int]) -> str:
    if not moved:
        return "nothing"
    return _words(
        [f"{n} {one if n == 1 else many}" for (_label, one, many), n in sorted(moved.items())]
    )
