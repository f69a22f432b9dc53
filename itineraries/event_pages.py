"""What itineraries adds to the pages below it, which they build without knowing itineraries:
the event header's "Itineraries" tab, and the print and email actions on the page of a
published version. Registered in ``ItinerariesConfig.ready``."""

from django.http import HttpRequest
from django.template.loader import render_to_string
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


def published_version_actions(
    *, event: Event, request: HttpRequest, changed: int = 0, previous_version=None, **context
) -> str:
    """The published version's page: print the changed itineraries, email their links, print
    them all, the table signs, the list of links."""
    return render_to_string(
        "itineraries/includes/published_actions.html",
        {"event": event, "changed_count": changed, "previous_version": previous_version},
        request=request,
    )
