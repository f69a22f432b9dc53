"""The example instances in the repository: each loads, and its flow bounds are the ones its
README states."""

from pathlib import Path

import pytest

from rotations.solver import load_instance
from rotations.solver.bounds import build_relaxation, fairness_bound, visits_bound
from rotations.solver.indexed import index_problem

INSTANCES = Path(__file__).resolve().parents[2] / "benchmarks" / "instances"


def readme_rows() -> dict[str, tuple[int, int, int, int, float]]:
    """file name -> (tables, groups, rounds, visits bound, min share bound) from the README."""
    rows = {}
    for line in (INSTANCES / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0].endswith(".json"):
            tables, groups, rounds = (int(cells[i]) for i in (2, 3, 4))
            rows[cells[0]] = (
                tables,
                groups,
                rounds,
                int(cells[6].replace(",", "")),
                float(cells[7]),
            )
    return rows


def test_readme_lists_every_instance_file():
    assert sorted(readme_rows()) == sorted(path.name for path in INSTANCES.glob("*.json"))


@pytest.mark.parametrize("name", sorted(readme_rows()))
def test_instance_has_the_sizes_and_bounds_of_the_readme(name):
    problem = load_instance(INSTANCES / name)
    ix = index_problem(problem)
    rel = build_relaxation(ix)

    figures = (
        len(problem.tables),
        len(problem.groups),
        problem.rounds,
        visits_bound(ix, rel),
        round(float(fairness_bound(ix, rel)), 4),
    )

    assert figures == readme_rows()[name]
