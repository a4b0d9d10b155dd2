"""Result stores for the tests: one tiny real batch, built once per session (the
``tiny_store`` fixture of conftest.py) and shared by the tests that only read a store.

The experiment is two scenarios (the baseline and a strong fellowship lever, so effects
and lever costs are non-zero) x 3 replicates at one agent per 5,000 researchers, 2004-2010:
six runs of a few hundredths of a second each, with flows, so every figure of a report
can be drawn from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
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


def build_synthetic_store(
    directory: Path,
    points: list[dict[str, Any]],
    value: Callable[[str, dict[str, Any], int, int], float],
    scenarios: tuple[str, ...] = ("baseline",),
    replicates: int = 1,
    years: tuple[int, ...] = (2030, 2040),
) -> Path:
    """A sealed store written without running the model: every scenario at every design
    point (its uncertainty values) and replicate, with one indicator, ``researchers`` of
    JP, whose value is ``value(scenario, point_values, replicate, year)``."""
    runs = [
        {"run_id": f"{s}-p{i:03d}-r{r:02d}", "scenario": s, "point": i, "replicate": r, "seed": r, "values": point}
        for i, point in enumerate(points)
        for r in range(replicates)
        for s in scenarios
    ]
    store = ResultStore(directory)
    store.open_for("name = 'synthetic'\n", "synthetic.toml", points, runs)
    for run in runs:
        values = [value(run["scenario"], run["values"], run["replicate"], y) for y in years]
        frame = pd.DataFrame(
            {"run_id": run["run_id"], "year": years, "country": "JP", "indicator": "researchers", "value": values}
        )
        store.record(run["run_id"], "done", {"indicators": frame}, summary=None, error=None, seconds=0.0)
    store.finish()
    store.close()
    return directory
