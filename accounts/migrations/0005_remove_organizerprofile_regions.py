"""Organizer regions moved to events (events.OrganizerRegion); its migration
0003_organizer_regions copies the rows first (it declares ``run_before`` this one, so accounts
names no app above it)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_audit_message"),
    ]

    operations = [
        migrations.RemoveField(model_name="organizerprofile", name="regions"),
    ]
