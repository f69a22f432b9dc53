"""What the series answers of the apps below: the demo season on ``manage.py load_demo``
(``events.signals.demo_loaded``)."""

from django.dispatch import receiver

from events.models import Event
from events.signals import demo_loaded


@receiver(demo_loaded, sender=Event, dispatch_uid="series.demo")
def load_demo_season(sender, *, seed, created_by, **kwargs) -> list[str]:
    from .demo import load_demo_series

    series, created = load_demo_series(seed=seed, created_by=created_by)
    return [
        f"Series: {series.name} ({'created' if created else 'already there'}), "
        f"{series.evenings.count()} evenings, "
        f"{series.evenings.values('invitations').count()} invitations"
    ]
