"""What outcomes adds to the apps below it: the survey card on the itinerary page once the
evening is over (``itineraries.signals.personal_page_cards``), and the demo's past evening
(``events.signals.demo_loaded``)."""

from django.dispatch import receiver
from django.urls import reverse

from events.models import Attendance, Event
from events.signals import demo_loaded
from itineraries.signals import PageCard, personal_page_cards

from .survey import survey_state


@receiver(personal_page_cards, sender=Attendance, dispatch_uid="outcomes.survey_card")
def survey_card(sender, *, attendance, event, **kwargs) -> list[PageCard]:
    if attendance is None or event is None or not survey_state(event).is_open:
        return []
    return [
        PageCard(
            title="How was the evening?",
            text="Four questions, under two minutes: would you recommend it, whom you will "
            "contact again, which tables helped most.",
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
