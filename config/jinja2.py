"""The Jinja2 environment of the templates under templates/jinja2/: the clinicians' itinerary
pages, which every clinician of an event opens within minutes and which name up to 180 people
a page. Jinja2 compiles a template to Python and renders it several times faster than Django's
engine; these pages use Django's own ``static``, ``url`` and ``date``/``time``/``capfirst``
filters, so they read and format as the Django templates do."""

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import Environment


def url(name: str, *args, **kwargs) -> str:
    """``{% url %}``: the path of a named URL."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    env = Environment(**options)
    env.globals.update(static=static, url=url)
    env.filters.update(
        date=defaultfilters.date, time=defaultfilters.time, capfirst=defaultfilters.capfirst
    )
    return env
