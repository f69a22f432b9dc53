"""Tables and groups for the solver's hand-made test problems."""

from rotations.solver import Group, Table, Track


def table(id: str, track: Track = Track.ALL_AGES, capacity: int = 1, rounds=None) -> Table:
    return Table(
        id=id,
        specialty=f"Specialty {id}",
        track=track,
        capacity=capacity,
        available_rounds=None if rounds is None else frozenset(rounds),
    )


def group(id: str, track: Track = Track.ALL_AGES, rounds=None) -> Group:
    return Group(
        id=id,
        name=f"Group {id}",
        track=track,
        available_rounds=None if rounds is None else frozenset(rounds),
    )
