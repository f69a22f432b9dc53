"""Roster rows and users for the clinicians tests."""

import csv
import io

from django.contrib.auth.models import Permission

from tests.factories import make_user

HEADER = [
    "first_name",
    "last_name",
    "credentials",
    "email",
    "role",
    "specialty",
    "department",
    "sites",
]
PCP_ROW = ["Ana", "Lopez", "md", "Ana.Lopez@example.org", "PCP", "", "Internal Medicine", "Quincy"]
SPECIALIST_ROW = [
    "Ben",
    "Okafor",
    "DO",
    "ben.okafor@example.org",
    "specialist",
    "Cardiology",
    "",
    "Salem; Quincy",
]


def roster_csv(*rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def user_with_perms(*codenames, **fields):
    user = make_user(**fields)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user
