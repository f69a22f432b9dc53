"""Signals itineraries sends so that the apps above it can add to a clinician's personal page,
without itineraries knowing them.

``personal_page_cards`` is sent (sender ``Attendance``) while the itinerary page is rendered,
with ``attendance`` (its ``link_token`` may be a stand-in filled in per request: build links
from it, never branch on it) and ``event``. Each receiver returns a list of
``PageCard`` (or an empty list): a short title, a sentence and a link, shown under the
itinerary. Receivers decide from the event alone (the page is kept for a whole group).
"""

from dataclasses import dataclass

from django.dispatch import Signal

personal_page_cards = Signal()


@dataclass(frozen=True)
class PageCard:
    title: str
    text: str
    url: str
    link_text: str


def cards_for(*, attendance, event) -> list[PageCard]:
    responses = personal_page_cards.send(
        sender=type(attendance), attendance=attendance, event=event
    )
    return [card for _, cards in responses for card in cards or ()]
