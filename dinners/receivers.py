"""What the dinners answer of the apps below: the demo season on ``manage.py load_demo``
(``events.signals.demo_loaded``)."""

from django.dispatch import receiver

from events.models import Event
from events.signals import demo_loaded


@receiver(demo_loaded, sender=Event, dispatch_uid="dinners.demo")
def load_demo_dinners(sender, *, seed, created_by, **kwargs) -> list[str]:
    from .demo import load_demo_dinners

    return [load_demo_dinners(seed=seed, created_by=created_by)]
