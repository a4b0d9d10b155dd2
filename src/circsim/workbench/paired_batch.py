"""A small paired batch of one policy package against its baseline, written as an ordinary
experiment and result store (what the live page launches, :mod:`circsim.ui.batch_panel`).

The page's settings are a scenario file and dotted overrides. They are split as the
experiment files split them (levers apart from the world): the **baseline** is the file
without any lever, with the overrides of the world (model and country parameters); the
**package** is the baseline with every lever the settings switch on (the file's and the
page's). Both run at the same replicates with the same seeds (common random numbers), so
their differences are paired. The folder holds ``baseline.toml``, ``package.toml`` and
``experiment.toml`` beside ``store/``: ``circsim batch FOLDER/experiment.toml --out
FOLDER/store`` resumes or repeats it, and ``circsim compare FOLDER/store`` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import InputError
from ..sim.scenario import Scenario, apply_overrides, scenario_from_dict
from .compare import MIN_PAIRS, Comparison, compare, report_years
from .experiment import Experiment, load_experiment
from .runner import Listener, run_experiment
from .store import ResultStore

#: The scenario names of the two halves of the pair.
BASELINE, PACKAGE = "baseline", "package"
#: At most this many replicates from the page: the batch is meant to take minutes, not hours.
MAX_REPLICATES = 50


@dataclass(frozen=True)
class PairedBatch:
    """A paired batch ready to run: its folder, experiment, the levers of its package and
    the years its comparison reports (2030 if run, and the last year)."""

    folder: Path
    experiment: Experiment
    levers: list[str]
    years: list[int]

    @property
    def store_path(self) -> Path:
        """Where its runs are stored."""
        return self.folder / "store"


def idle_levers(scenario: Scenario) -> dict[str, int]:
    """The levers switched on that start after the scenario's last year, with their start
    year: they neither act nor cost anything in its runs."""
    end = scenario.model.end_year
    return {name: lever.start_year for name, lever in scenario.levers.active().items() if lever.start_year > end}


def free_name(results: Path, stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... the first that names no folder under ``results``
    (two batches launched in the same second by two sessions)."""
    return next(n for n in (stem, *(f"{stem}-{i}" for i in range(2, 10_000))) if not (results / n).exists())


def split_overrides(overrides: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The overrides of the world (model and countries) and those of the levers."""
    levers = {k: v for k, v in overrides.items() if k.startswith("levers.")}
    return {k: v for k, v in overrides.items() if k not in levers}, levers


def plan_paired_batch(
    base: dict[str, Any],
    source: str,
    overrides: dict[str, Any],
    *,
    scale: float,
    seed: int,
    replicates: int,
    results: Path,
    name: str | None = None,
) -> PairedBatch:
    """Write the baseline, the package and the experiment of a paired batch into a new
    folder under ``results`` (named ``page-YYYYMMDD-HHMMSS``, with ``-2``... if taken, unless
    ``name``) and load it.

    ``base`` is the scenario file's content (``source`` names it in messages) and
    ``overrides`` the dotted overrides on top of it. InputError, and no folder written,
    if no lever is on, the replicates are out of range or the scenario is invalid.
    """
    if not MIN_PAIRS <= replicates <= MAX_REPLICATES:
        raise InputError(
            "is out of range", key="replicates", value=replicates,
            allowed=f"{MIN_PAIRS} to {MAX_REPLICATES} (fewer than {MIN_PAIRS} pairs give no interval)",
        )  # fmt: skip
    world, lever_overrides = split_overrides(overrides)
    full = scenario_from_dict(apply_overrides(base, {**overrides, "model.scale": scale}, source), source)
    on = list(full.levers.active())
    if not on:
        raise InputError("no lever is on", key="levers", allowed="switch on at least one lever for the package")
    if idle := idle_levers(full):
        lever, late = next(iter(idle.items()))
        raise InputError(
            "starts after the run's last year: the package would equal the baseline",
            key=f"levers.{lever}.start_year", value=late,
            allowed=f"a year up to model.end_year ({full.model.end_year}), or a later end year",
        )  # fmt: skip
    baseline = apply_overrides({k: v for k, v in base.items() if k != "levers"}, world, source)
    package = {"levers": apply_overrides(base, lever_overrides, source).get("levers", {})}
    name = name or free_name(results, "page-" + datetime.now().strftime("%Y%m%d-%H%M%S"))
    folder = results / name
    experiment = {
        "name": name,
        "description": f"Paired batch from the live page: {', '.join(on)} against the baseline ({source})",
        "baseline": "baseline.toml",
        "replicates": replicates,
        "seed": seed,
        "scale": scale,
        "calibrated": bool(base.get("calibrated", True)),
        "scenarios": {BASELINE: {}, PACKAGE: {"file": "package.toml", "description": ", ".join(on)}},
    }
    try:
        folder.mkdir(parents=True, exist_ok=False)  # a new folder: never mixed with another batch
        for file, content in (("baseline.toml", baseline), ("package.toml", package), ("experiment.toml", experiment)):
            (folder / file).write_text(tomli_w.dumps(content), encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot be written ({type(exc).__name__}: {exc.strerror or exc})", source=str(folder),
            allowed="a writable results/ folder with free space",
        ) from None  # fmt: skip
    years = report_years(list(range(full.model.start_year, full.model.end_year + 1)))
    return PairedBatch(folder, load_experiment(folder / "experiment.toml"), on, years)


def run_paired_batch(batch: PairedBatch, listener: Listener | None = None, workers: int | None = None) -> ResultStore:
    """Run the batch on the local process pool into its store (``listener`` told each run)."""
    return run_experiment(batch.experiment, batch.store_path, workers=workers, progress=False, listener=listener)


def paired_comparison(batch: PairedBatch, store: ResultStore, country: str) -> Comparison:
    """The report's comparison of the package against the baseline in ``country``, in the
    batch's years and cumulative, with its false-discovery control."""
    return compare(store, baseline=BASELINE, country=country, years=batch.years)
