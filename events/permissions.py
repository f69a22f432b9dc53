"""Who may see which event. Every view fetches its event through here, so scoping events
(e.g. by region) later changes one place."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.permissions import visible_events

from .models import Event


def events_for_user(*, user) -> QuerySet[Event]:
    """The events ``user`` may see: for superusers and holders of ``events.view_event``,
    those of the regions they manage (accounts.permissions.visible_events: admins and
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
        return super().get_context_data(**kwargs)
