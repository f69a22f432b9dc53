"""Writes to the clinician catalogue: the roster import, retiring and merging clinicians."""

import datetime
import uuid
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.services import display_name, record_audit

from .models import Clinician
from .roster import ROSTER_FIELDS, RosterPreview, RosterRow, roster_values
from .signals import objections_to_retiring

# Audit log actions written by the catalogue.
ROSTER_IMPORTED = "roster.imported"
CLINICIAN_RETIRED = "clinician.retired"
CLINICIAN_RETIRE_REFUSED = "clinician.retire_refused"
CLINICIANS_MERGED = "clinicians.merged"


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

    Raises ValidationError if the preview has any error: then nothing is written."""
    if not preview.is_valid:
        raise ValidationError("The roster has errors; nothing was imported.")
    new_rows = [row for row in preview.rows if row.status == RosterRow.NEW]
    changed_rows = [row for row in preview.rows if row.status == RosterRow.UPDATE]
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


def reactivate_clinician(*, clinician: Clinician) -> Clinician:
    """Offer a retired clinician again (one update)."""
    clinician.is_active = True
    clinician.save(update_fields=["is_active", "updated_at"])
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
    """
    if keep.pk == duplicate.pk:
        raise ValidationError("Pick two different clinicians to merge.")
    moved: dict[str, int] = {}
    dropped: dict[str, int] = {}
    with transaction.atomic():
        # Lock both rows so two merges of the same pair cannot interleave.
        list(Clinician.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]))
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
    return keep
