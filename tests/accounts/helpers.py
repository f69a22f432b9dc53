"""Users with roles, for tests of access: an organizer limited to regions, an admin."""

from django.contrib.auth.models import Group

from accounts.models import OrganizerProfile
from accounts.roles import ADMINS, ORGANIZERS
from events.models import OrganizerRegion
from tests.factories import make_user


def make_organizer(*regions, **fields):
    """A user in the Organizers group, limited to ``regions`` (none: every region)."""
    user = make_user(**fields)
    user.groups.add(Group.objects.get(name=ORGANIZERS))
    OrganizerProfile.objects.create(user=user)
    OrganizerRegion.objects.bulk_create(OrganizerRegion(user=user, region=r) for r in regions)
    return user


def make_admin(**fields):
    """A user in the Admins group (not a superuser)."""
    fields.setdefault("is_staff", True)
    user = make_user(**fields)
    user.groups.add(Group.objects.get(name=ADMINS))
    OrganizerProfile.objects.create(user=user)
    return user
