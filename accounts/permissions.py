"""Who is who: admins, and the mixin every organizer page starts with.

accounts is the lowest app: it never imports or names an app above it. Which events an
organizer may manage (by region) is the rule of the app that owns events.
"""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin

from .roles import ADMINS

# Admins hold it (accounts.roles): with it, a user manages the events of every region.
MANAGE_ALL_REGIONS = "accounts.manage_all_regions"


class OrganizerMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """For the pages of organizers and admins: logged out → the login page; logged in
    without the view's ``permission_required`` → 403."""


def is_admin(user) -> bool:
    """Superusers and members of the Admins group."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.groups.filter(name=ADMINS).exists()
