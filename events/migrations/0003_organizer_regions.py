"""Who manages which region's events moves from accounts (OrganizerProfile.regions) to
events: create OrganizerRegion and copy the rows, before accounts drops its field."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_regions(apps, schema_editor):
    OrganizerProfile = apps.get_model("accounts", "OrganizerProfile")
    OrganizerRegion = apps.get_model("events", "OrganizerRegion")
    db = schema_editor.connection.alias
    rows = OrganizerProfile.regions.through.objects.using(db).values_list(
        "organizerprofile__user_id", "region_id"
    )
    OrganizerRegion.objects.using(db).bulk_create(
        [OrganizerRegion(user_id=user_id, region_id=region_id) for user_id, region_id in rows],
        ignore_conflicts=True,
    )


def copy_regions_back(apps, schema_editor):
    OrganizerProfile = apps.get_model("accounts", "OrganizerProfile")
    OrganizerRegion = apps.get_model("events", "OrganizerRegion")
    db = schema_editor.connection.alias
    for row in OrganizerRegion.objects.using(db).all():
        profile, _ = OrganizerProfile.objects.using(db).get_or_create(user_id=row.user_id)
        profile.regions.add(row.region_id)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_group_size_range"),
        ("clinicians", "0001_initial"),
        ("accounts", "0004_audit_message"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    # accounts drops its field only after the rows are copied here; accounts' migration does
    # not name events (it is the lower app), so the order is declared from this side.
    run_before = [("accounts", "0005_remove_organizerprofile_regions")]

    operations = [
        migrations.CreateModel(
            name="OrganizerRegion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("region", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="organizer_regions", to="clinicians.region")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="organizer_regions", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "default_permissions": (),
                "constraints": [models.UniqueConstraint(fields=("user", "region"), name="unique_organizer_region")],
            },
        ),
        migrations.RunPython(copy_regions, copy_regions_back),
    ]
