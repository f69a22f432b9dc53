from django.apps import AppConfig

from accounts.roles import ADMINS, ORGANIZERS


class SeriesConfig(AppConfig):
    name = "series"
    verbose_name = "Series"
    # What each role may do with the series' models (accounts.roles syncs the groups on migrate).
    role_permissions = {ADMINS: "*", ORGANIZERS: "*"}

    def ready(self) -> None:
        # Memory across the season: an evening's solve prefers tables its groups' departments
        # did not meet at earlier evenings of the same series.
        from rotations.services import register_met_before_source

        from .planning import earlier_evenings_met

        register_met_before_source(earlier_evenings_met)

    def load_demo(self, *, seed: int, created_by) -> str:
        """The demo season, for ``manage.py load_demo`` (which finds it on this config): a
        line to print."""
        from .demo import load_demo_series

        series, created = load_demo_series(seed=seed, created_by=created_by)
        return (
            f"Series: {series.name} ({'created' if created else 'already there'}), "
            f"{series.evenings.count()} evenings, "
            f"{series.evenings.values('invitations').count()} invitations"
        )
