"""Who may manage what, beyond Django's permissions: organizers limited to regions.

accounts is the lowest app: it never imports events or rotations. Callers pass their
querysets in, and this module filters them by the fields they name.

The rule:
- admins (superusers, or anyone with ``accounts.manage_all_regions``) see every event;
- an organizer with no regions on their profile (or no profile) sees every event, with or
  without a region: a small installation has one team;
- an organizer with regions sees only the events in those regions; events without a region
  are not theirs (nobody restricted may see an event nobody placed).
"""

from django.apps import apps
from django.db.models import QuerySet

from .roles import ADMINS

MANAGE_ALL_REGIONS = "accounts.manage_all_regions"


def is_admin(user) -> bool:
    """Superusers and members of the Admins group."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.groups.filter(name=ADMINS).exists()


def region_ids_for(user) -> frozenset[int] | None:
    """The regions ``user`` is limited to, or None when they are limited to none (every
    region). A user who is not logged in is limited to the empty set."""
    if not (user.is_authenticated and user.is_active):
        return frozenset()
    if user.has_perm(MANAGE_ALL_REGIONS):
        return None
    OrganizerProfile = apps.get_model("accounts", "OrganizerProfile")
    ids = frozenset(
        OrganizerProfile.regions.through.objects.filter(
            organizerprofile__user_id=user.pk
        ).values_list("region_id", flat=True)
    )
    return ids or None


def visible_events(user, queryset: QuerySet, *, region_field: str = "region") -> QuerySet:
    """``queryset`` (of events, or of rows with ``region_field`` leading to an event's region,
    e.g. ``event__region``) cut down to what ``user`` may manage by region. Permission checks
    (``events.view_event``) stay with the caller."""
    region_ids = region_ids_for(user)
    if region_ids is None:
        return queryset
    if not region_ids:
        return queryset.none()
    return queryset.filter(**{f"{region_field}__in": region_ids})


def allowed_regions(user) -> QuerySet:
    """The regions ``user`` may put an event in: for an event form's region field."""
    Region = apps.get_model("clinicians", "Region")
    region_ids = region_ids_for(user)
    if region_ids is None:
        return Region.objects.all()
    return Region.objects.filter(pk__in=region_ids)


def may_leave_region_empty(user) -> bool:
    """Whether ``user`` may create an event with no region (only the unrestricted may)."""
    return user.is_authenticated and region_ids_for(user) is None
