"""How tables and groups are named in messages an organizer reads."""

from __future__ import annotations

from rotations.solver.problem import Group, Table


def table_name(table: Table) -> str:
    """The table's label when the organizer set one, else its id and specialty."""
    if table.label:
        return table.label
    return f"table {table.id} ({table.specialty})" if table.specialty else f"table {table.id}"


def group_name(group: Group) -> str:
    return f"group {group.id} ({group.name})" if group.name else f"group {group.id}"


def rounds_text(rounds: list[int]) -> str:
    if len(rounds) == 1:
        return f"round {rounds[0]}"
    return "rounds " + ", ".join(str(r) for r in rounds[:-1]) + f" and {rounds[-1]}"
