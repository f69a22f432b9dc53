"""Who may see and manage which dinner season, by region like events
(``events.permissions``): admins and organizers limited to no region see every season; an
organizer limited to regions sees the seasons of any of their regions (another region's
season is a 404)."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from events.permissions import region_ids_for

from .models import Dinner, DinnerSeason

PRIVATE_WISHES = "dinners.view_private_wishes"


def seasons_for_user(*, user) -> QuerySet[DinnerSeason]:
    """The seasons ``user`` may see (with ``dinners.view_dinnerseason``)."""
    if not (user.is_active and (user.is_superuser or user.has_perm("dinners.view_dinnerseason"))):
        return DinnerSeason.objects.none()
    region_ids = region_ids_for(user)
    if region_ids is None:
        return DinnerSeason.objects.all()
    return DinnerSeason.objects.filter(
        pk__in=DinnerSeason.regions.through.objects.filter(region_id__in=region_ids).values(
            "dinnerseason_id"
        )
    )


def get_season_for_user(*, user, pk, for_update: bool = False) -> DinnerSeason:
    """The season ``pk`` if ``user`` may see it, else 404; with ``for_update`` the user also
    needs ``dinners.change_dinnerseason`` (403 otherwise)."""
    try:
        season = seasons_for_user(user=user).get(pk=pk)
    except (DinnerSeason.DoesNotExist, ValueError, TypeError):
        raise Http404("No such dinner season.") from None
    if for_update and not (user.is_superuser or user.has_perm("dinners.change_dinnerseason")):
        raise PermissionDenied
    return season


def get_dinner_for_user(*, user, season_pk, pk, for_update: bool = False) -> Dinner:
    season = get_season_for_user(user=user, pk=season_pk, for_update=for_update)
    try:
        return Dinner.objects.select_related("group__season").get(pk=pk, group__season=season)
    except (Dinner.DoesNotExist, ValueError, TypeError):
        raise Http404("No such dinner.") from None


def may_see_private_wishes(user) -> bool:
    return user.is_superuser or user.has_perm(PRIVATE_WISHES)
