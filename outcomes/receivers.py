"""What outcomes adds to the apps below it: the survey card on the itinerary page once the
evening is over (``itineraries.signals.personal_page_cards``), and the demo's past evening
(``events.signals.demo_loaded``)."""

from django.dispatch import receiver
from django.urls import reverse

from events.models import Attendance, Event
from events.signals import demo_loaded
from itineraries.signals import PageCard, personal_page_cards

from .survey import is_over, survey_state


@receiver(personal_page_cards, sender=Attendance, dispatch_uid="outcomes.survey_card")
def survey_card(sender, *, attendance, event, **kwargs) -> list[PageCard]:
    if attendance is None or event is None or not is_over(event):
        return []
    state = survey_state(event)
    if not state.is_open:
        return []
    # No count of questions: anchors are not asked about tables (their table came to them).
    return [
        PageCard(
            title="How was the evening?",
            text="Under two minutes: would you recommend it, whom you will contact again, "
            f"what would help next time. Open until {state.closes_on:%A %-d %B}.",
            url=reverse("outcomes:survey", kwargs={"token": attendance.link_token}),
            link_text="Answer the survey",
        )
    ]


@receiver(demo_loaded, sender=Event, dispatch_uid="outcomes.demo")
def load_demo_outcomes(sender, *, seed, created_by, **kwargs) -> list[str]:
    from .demo import load_demo_past_event

    event, created = load_demo_past_event(seed=seed, created_by=created_by)
    answers = event.attendances.filter(survey_answer__isnull=False).count()
    return [
        f"Past event: {event.name} on {event.date:%Y-%m-%d} "
        f"({'created' if created else 'already there'}), {answers} survey answers"
    ]
