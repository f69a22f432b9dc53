# A migration of its own: on PostgreSQL the rows 0002 moved leave deferred foreign-key checks
# pending, and a table with pending checks cannot be altered in the same transaction.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinicians", "0002_specialty_name_key_is_active"),
    ]

    operations = [
        migrations.AlterField(
            model_name="specialty",
            name="name_key",
            field=models.CharField(editable=False, max_length=100, unique=True),
        ),
    ]
