"""Result stores for the tests: one tiny real batch, built once per session (the
``tiny_store`` fixture of conftest.py) and shared by the tests that only read a store,
and synthetic stores written by hand with known values (:func:`synthetic_store`).

The experiment is two scenarios (the baseline and a strong fellowship lever, so effects
and lever costs are non-zero) x 3 replicates at one agent per 5,000 researchers, 2004-2010:
six runs of a few hundredths of a second each, with flows, so every figure of a report
can be drawn from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from circsim.workbench.experiment import load_experiment
from circsim.workbench.runner import run_experiment
from circsim.workbench.store import ResultStore

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
#: Scenarios of the tiny store, the baseline first.
TINY_SCENARIOS = ("baseline", "fellows")
TINY_REPLICATES = 3
TINY_END_YEAR = 2010
TINY_EXPERIMENT = f"""
name = "tiny"
baseline = "{BASELINE.as_posix()}"
replicates = {TINY_REPLICATES}
seed = 11
scale = 5000
end_year = {TINY_END_YEAR}

[scenarios.baseline]
[scenarios.fellows]
levers.overseas_fellowships = {{ enabled = true, start_year = 2006, fellows_per_year = 20000 }}
"""


def write_tiny_experiment(directory: Path) -> Path:
    """Write the tiny experiment file ``tiny.toml`` into ``directory``; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "tiny.toml"
    path.write_text(TINY_EXPERIMENT, encoding="utf-8")
    return path


def build_tiny_store(directory: Path) -> Path:
    """Run the tiny experiment serially into ``directory/store``; returns the store's path."""
    store = directory / "store"
    run_experiment(load_experiment(write_tiny_experiment(directory)), store, executor="serial", progress=False)
    return store


def tree_digest(directory: Path) -> str:
    """A digest of every file's relative path and bytes under ``directory`` (to check that
    a shared store was left as built)."""
    h = hashlib.sha256()
    for p in sorted(directory.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(directory)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


#: ``value(scenario, point, replicate, year, country, indicator)`` of a synthetic store.
Values = Callable[[str, int, int, int, str, str], float]


def synthetic_store(
    path: Path,
    value: Values,
    *,
    scenarios: Sequence[str],
    points: Sequence[int],
    replicates: Sequence[int],
    years: Sequence[int],
    indicators: Sequence[str],
    countries: Sequence[str] = ("JP",),
    experiment: str = "name = 'synthetic'\n",
    failed: Sequence[str] = (),
    done: bool = True,
    point_values: Sequence[dict[str, Any]] | None = None,
) -> ResultStore:
    """A result store written by hand, no model run: every scenario at every design point
    and replicate (seed ``1000 * point + replicate``, the same for every scenario), with
    ``value(...)`` for every year, country and indicator. ``experiment`` is the recorded
    experiment file's text; runs of the ``failed`` scenarios are recorded as failed, and
    with ``done=False`` no run is recorded at all (a batch interrupted before any finished).
    ``point_values``: the uncertainty values of each design point (none by default)."""
    values_of = {p: (point_values[p] if point_values is not None else {}) for p in points}
    runs = [
        {"run_id": f"{s}-p{p:03d}-r{r:02d}", "scenario": s, "point": p, "replicate": r, "seed": 1000 * p + r,
         "values": values_of[p]}
        for s in scenarios
        for p in points
        for r in replicates
    ]  # fmt: skip
    store = ResultStore(path)
    design = [{"point": p, "values": values_of[p]} for p in points]
    assert store.open_for(experiment, "exp.toml", design, runs, model="synthetic") == []
    if not done:
        return store
    for meta in runs:
        if meta["scenario"] in failed:
            store.record(meta["run_id"], "failed", None, summary=None, error="boom", seconds=0.0)
            continue
        rows = [
            {"run_id": meta["run_id"], "year": y, "country": c, "indicator": i,
             "value": value(meta["scenario"], meta["point"], meta["replicate"], y, c, i)}
            for y in years
            for c in countries
            for i in indicators
        ]  # fmt: skip
        store.record(meta["run_id"], "done", {"indicators": pd.DataFrame(rows)}, summary=None, error=None,
                     started=None, finished=None, seconds=0.0)  # fmt: skip
    store.finish()
    return store


def build_synthetic_store(
    directory: Path,
    points: list[dict[str, Any]],
    value: Callable[[str, dict[str, Any], int, int], float],
    scenarios: tuple[str, ...] = ("baseline",),
    replicates: int = 1,
    years: tuple[int, ...] = (2030, 2040),
) -> Path:
    """:func:`synthetic_store` for scenario discovery: design points given by their
    uncertainty values, one indicator (``researchers`` of JP) whose value is
    ``value(scenario, point_values, replicate, year)``."""
    store = synthetic_store(
        directory,
        lambda s, p, r, y, _c, _i: value(s, points[p], r, y),
        scenarios=scenarios,
        points=range(len(points)),
        replicates=range(replicates),
        years=years,
        indicators=("researchers",),
        point_values=points,
    )
    store.close()
    return directory
