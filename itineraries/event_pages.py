"""What itineraries adds to the event's pages, which events builds without knowing
itineraries: the header's "Itineraries" tab. Registered in ``ItinerariesConfig.ready``."""

from django.urls import reverse

from events.models import Event
from events.queries import Tab

# Itineraries exist once a schedule is published (the event's own status says so); before that
# the tab is hidden, though its page stays reachable from the publish page.
_HOLDS_ITINERARIES = (Event.Status.PUBLISHED, Event.Status.FINISHED)


def itineraries_tab(*, event: Event, active: str) -> Tab | None:
    """The header's "Itineraries" tab, after "Schedule": shown once the event is published, and
    on the itineraries pages themselves."""
    if event.status not in _HOLDS_ITINERARIES and active != "itineraries":
        return None
    return Tab(
        "itineraries", "Itineraries", reverse("itineraries:list", kwargs={"event_pk": event.pk})
    )
