"""Who may see and manage which series and evening, by region like events
(``events.permissions``): admins and organizers limited to no region see every series; an
organizer limited to regions sees the series of any of their regions, and within it only the
evenings whose event they may see (another region's evening is a 404)."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from events.permissions import region_ids_for, visible_events

from .models import Evening, Invitation, Series


def series_for_user(*, user) -> QuerySet[Series]:
    """The series ``user`` may see (with ``series.view_series``)."""
    if not (user.is_active and (user.is_superuser or user.has_perm("series.view_series"))):
        return Series.objects.none()
    region_ids = region_ids_for(user)
    if region_ids is None:
        return Series.objects.all()
    return Series.objects.filter(
        pk__in=Series.regions.through.objects.filter(region_id__in=region_ids).values("series_id")
    )


def _check_change(user, for_update: bool) -> None:
    if for_update and not (user.is_superuser or user.has_perm("series.change_series")):
        raise PermissionDenied


def get_series_for_user(*, user, pk, for_update: bool = False) -> Series:
    """The series ``pk`` if ``user`` may see it, else 404; with ``for_update`` the user also
    needs ``series.change_series`` (403 otherwise)."""
    try:
        series = series_for_user(user=user).get(pk=pk)
    except (Series.DoesNotExist, ValueError, TypeError):
        raise Http404("No such series.") from None
    _check_change(user, for_update)
    return series


def evenings_for_user(*, user, series: Series) -> QuerySet[Evening]:
    """The evenings of ``series`` whose event ``user`` may see, by date."""
    return visible_events(user, series.evenings.all(), region_field="event__region")


def get_evening_for_user(*, user, series_pk, pk, for_update: bool = False) -> Evening:
    """The evening ``pk`` of series ``series_pk`` if ``user`` may see both, else 404."""
    series = get_series_for_user(user=user, pk=series_pk, for_update=for_update)
    try:
        return (
            evenings_for_user(user=user, series=series).select_related("event", "series").get(pk=pk)
        )
    except (Evening.DoesNotExist, ValueError, TypeError):
        raise Http404("No such evening.") from None


def get_invitation_for_user(*, user, series_pk, pk, for_update: bool = False) -> Invitation:
    """An invitation of an evening of series ``series_pk`` that ``user`` may see, else 404."""
    series = get_series_for_user(user=user, pk=series_pk, for_update=for_update)
    evenings = evenings_for_user(user=user, series=series)
    try:
        return Invitation.objects.select_related("evening__event", "clinician").get(
            pk=pk, evening__in=evenings
        )
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such invitation.") from None
