"""Who may see and manage which event. Every view fetches its event through here.

Organizers may be limited to regions (``OrganizerRegion``):
- admins (superusers, or anyone with ``accounts.manage_all_regions``) see every event;
- an organizer with no regions sees every event, with or without a region: a small
  installation has one team;
- an organizer with regions sees only the events in those regions; events without a region
  are not theirs (nobody restricted may see an event nobody placed).
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from accounts.permissions import MANAGE_ALL_REGIONS
from accounts.services import display_name, record_audit
from clinicians.models import Region

from .models import Event, OrganizerRegion
from .rules import is_locked

ORGANIZER_REGIONS_CHANGED = "organizer.regions_changed"


def region_ids_for(user) -> frozenset[int] | None:
    """The regions ``user`` is limited to, or None when they are limited to none (every
    region). A user who is not logged in is limited to the empty set."""
    if not (user.is_authenticated and user.is_active):
        return frozenset()
    if user.has_perm(MANAGE_ALL_REGIONS):
        return None
    ids = frozenset(
        OrganizerRegion.objects.filter(user_id=user.pk).values_list("region_id", flat=True)
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


def allowed_regions(user) -> QuerySet[Region]:
    """The regions ``user`` may put an event in: for an event form's region field."""
    region_ids = region_ids_for(user)
    if region_ids is None:
        return Region.objects.all()
    return Region.objects.filter(pk__in=region_ids)


def may_leave_region_empty(user) -> bool:
    """Whether ``user`` may create an event with no region (only the unrestricted may)."""
    return user.is_authenticated and region_ids_for(user) is None


def regions_of(user) -> QuerySet[Region]:
    """The regions ``user`` is limited to, by name (none: every region)."""
    return Region.objects.filter(organizer_regions__user=user).order_by("name")


@transaction.atomic
def set_organizer_regions(
    *, user: AbstractBaseUser, regions, by: AbstractBaseUser | None
) -> list[str]:
    """Limit ``user`` to exactly ``regions`` (empty: every region), in one transaction, and
    audit a change as ORGANIZER_REGIONS_CHANGED. Returns the region names now set."""
    old = sorted(regions_of(user).values_list("name", flat=True))
    wanted = {region.pk for region in regions}
    OrganizerRegion.objects.filter(user=user).exclude(region_id__in=wanted).delete()
    have = set(OrganizerRegion.objects.filter(user=user).values_list("region_id", flat=True))
    OrganizerRegion.objects.bulk_create(
        [OrganizerRegion(user=user, region_id=pk) for pk in sorted(wanted - have)]
    )
    new = sorted(regions_of(user).values_list("name", flat=True))
    if new != old:
        before, after = ", ".join(old) or "every region", ", ".join(new) or "every region"
        record_audit(
            actor=by,
            action=ORGANIZER_REGIONS_CHANGED,
            target=f"account {user.get_username()}",
            message=f"{display_name(by)} changed the regions of {user.get_username()}: "
            f"{before} → {after}.",
            details={"from": old, "to": new},
        )
    return new


def events_for_user(*, user) -> QuerySet[Event]:
    """The events ``user`` may see: for superusers and holders of ``events.view_event``,
    those of the regions they manage (``visible_events``: admins and
    organizers without regions see all); none otherwise."""
    if user.is_active and (user.is_superuser or user.has_perm("events.view_event")):
        return visible_events(user, Event.objects.all())
    return Event.objects.none()


def get_event_for_user(*, user, pk, for_update: bool = False) -> Event:
    """The event ``pk`` if ``user`` may see it, else 404 (another organizer's event is not
    even admitted to exist). With ``for_update`` the caller is about to change the event or
    what belongs to it: the user also needs ``events.change_event`` (403 otherwise)."""
    try:
        event = events_for_user(user=user).select_related("region").get(pk=pk)
    except (Event.DoesNotExist, ValueError, TypeError):
        raise Http404("No such event.") from None
    if for_update and not (user.is_superuser or user.has_perm("events.change_event")):
        raise PermissionDenied
    return event


class EventScopedMixin:
    """For views under an event's URL: after the login and permission mixins have let the
    request through, fetch ``self.event`` from the URL's ``event_pk`` for this user (404 when
    they may not see it). Views that change anything set ``event_for_update``."""

    event_for_update = False

    def dispatch(self, request, *args, **kwargs):
        self.event = get_event_for_user(
            user=request.user, pk=kwargs["event_pk"], for_update=self.event_for_update
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("event", self.event)
        # Pages hide what a published schedule refuses (the services refuse it anyway).
        kwargs.setdefault("event_locked", is_locked(self.event))
        return super().get_context_data(**kwargs)
