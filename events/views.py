from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import ListView

from .models import Event


class EventListView(LoginRequiredMixin, ListView):
    model = Event
    template_name = "events/event_list.html"
    context_object_name = "events"

    def get_queryset(self):
        return Event.objects.select_related("region").order_by("-date")
