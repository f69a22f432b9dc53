"""Admins' pages for which regions each organizer manages (events owns who may manage which
event; accounts keeps the accounts themselves)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.views.generic import FormView, ListView

from accounts.permissions import OrganizerMixin
from accounts.roles import ORGANIZERS
from accounts.views import get_account_for_user

from .forms import OrganizerRegionsForm
from .models import OrganizerRegion
from .permissions import regions_of, set_organizer_regions

User = get_user_model()


class OrganizerRegionListView(OrganizerMixin, ListView):
    """Every organizer with the regions they manage (none: every region)."""

    permission_required = "auth.change_user"
    template_name = "events/organizer_region_list.html"
    context_object_name = "organizers"
    paginate_by = 50

    def get_queryset(self):
        rows = OrganizerRegion.objects.select_related("region").order_by("region__name")
        organizers = User.objects.filter(groups__name=ORGANIZERS)
        if not self.request.user.is_superuser:
            organizers = organizers.filter(is_superuser=False)
        return organizers.order_by("username").prefetch_related(
            Prefetch("organizer_regions", queryset=rows)
        )


class OrganizerRegionUpdateView(OrganizerMixin, FormView):
    permission_required = "auth.change_user"
    template_name = "events/organizer_region_form.html"
    form_class = OrganizerRegionsForm

    def dispatch(self, request, *args, **kwargs):
        self.account = get_account_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"regions": list(regions_of(self.account))}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("account", self.account)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        names = set_organizer_regions(
            user=self.account, regions=form.cleaned_data["regions"], by=self.request.user
        )
        messages.success(
            self.request,
            f"{self.account.username} manages {', '.join(names) or 'every region'}.",
        )
        return redirect("events:organizer_regions")
