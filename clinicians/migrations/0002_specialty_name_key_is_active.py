"""Specialty names become unique ignoring case and spaces (``name_key``), and specialties
can be retired (``is_active``).

Existing duplicates ("Cardiology" beside "cardiology") are resolved here, never by failing:
the first one added is kept. A duplicate serving the same patients is merged into it (its
clinicians, tables and anything else that points at it move over; it is then deleted). A
duplicate serving other patients is not merged, since that would change its tables' track:
it is renamed with its patients ("cardiology (all ages)") for an organizer to merge from the
specialty's page. Each step is printed and recorded in the audit log in a sentence.
"""

from django.db import IntegrityError, migrations, models, transaction

TRACK_WORDS = {"adult": "adult", "pediatric": "pediatric", "all-ages": "all ages"}
MERGED = "specialties.merged"
RENAMED = "specialty.changed"


def _tidy(name):
    return " ".join(name.split())


def _key(name):
    return _tidy(name).casefold()


def _references(model):
    return [
        relation.field
        for relation in model._meta.get_fields(include_hidden=True)
        if relation.auto_created
        and not relation.concrete
        and (relation.one_to_many or relation.one_to_one)
    ]


def _move_rows(references, duplicate, keep):
    """Re-point every row of ``duplicate`` to ``keep``; {model name: rows moved}, or None
    (nothing moved) when a row cannot move."""
    moved = {}
    try:
        with transaction.atomic():
            for field in references:
                count = field.model._base_manager.filter(**{field.name: duplicate}).update(
                    **{field.name: keep}
                )
                if count:
                    meta = field.model._meta
                    name = (str(meta.verbose_name), str(meta.verbose_name_plural))
                    moved[name] = moved.get(name, 0) + count
    except IntegrityError:
        return None
    return moved


def _counts(moved):
    words = [f"{n} {one if n == 1 else many}" for (one, many), n in sorted(moved.items())]
    if not words:
        return "nothing"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def resolve_duplicate_specialties(apps, schema_editor, report=print):
    """Fill ``name_key`` and merge or rename duplicates (see the module's docstring); returns
    the sentences it reported."""
    Specialty = apps.get_model("clinicians", "Specialty")
    AuditEntry = apps.get_model("accounts", "AuditEntry")
    references = _references(Specialty)
    sentences = []

    def record(action, target, message, details):
        report(message)
        sentences.append(message)
        AuditEntry.objects.create(
            actor=None, action=action, target=target[:200], message=message, details=details
        )

    specialties = list(Specialty.objects.order_by("pk"))
    taken = {_key(specialty.name) for specialty in specialties}
    kept = {}
    for specialty in specialties:
        key = _key(specialty.name)
        keep = kept.get(key)
        if keep is None:
            specialty.name, specialty.name_key = _tidy(specialty.name), key
            specialty.save(update_fields=["name", "name_key"])
            kept[key] = specialty
            continue
        moved = _move_rows(references, specialty, keep) if specialty.track == keep.track else None
        if moved is not None:
            if not keep.description and specialty.description:
                keep.description = specialty.description
                keep.save(update_fields=["description"])
            specialty.delete()
            record(
                MERGED,
                f"{specialty.name} into {keep.name}",
                f"Rounds merged the specialty “{specialty.name}” into “{keep.name}”, the same "
                f"name but for case and spaces, when specialty names became unique: "
                f"{_counts(moved)} moved; “{specialty.name}” deleted.",
                {
                    "kept": keep.pk,
                    "duplicate": specialty.pk,
                    "moved": {many: n for (_one, many), n in moved.items()},
                },
            )
            continue
        base = f"{_tidy(specialty.name)} ({TRACK_WORDS.get(specialty.track, specialty.track)})"
        name, n = base, 2
        while _key(name) in taken:
            name, n = f"{base} {n}", n + 1
        taken.add(_key(name))
        old = specialty.name
        specialty.name, specialty.name_key = name, _key(name)
        specialty.save(update_fields=["name", "name_key"])
        kept[_key(name)] = specialty
        record(
            RENAMED,
            old,
            f"Rounds renamed the specialty “{old}” to “{name}” when specialty names became "
            f"unique: “{keep.name}” has the same name but for case and spaces and serves "
            f"{TRACK_WORDS.get(keep.track, keep.track)} patients, so they were not merged. "
            "Merge them from the specialty's page if they are one specialty.",
            {"pk": specialty.pk, "from": old, "to": name, "other": keep.pk},
        )
    return sentences


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_audit_message"),
        ("clinicians", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="specialty",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="active"),
        ),
        migrations.AddField(
            model_name="specialty",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=100),
            preserve_default=False,
        ),
        migrations.RunPython(resolve_duplicate_specialties, migrations.RunPython.noop),
    ]
