"""Precision on demand: replicates are added to a batch until its focal effects are precise.

An experiment file's ``[precision]`` table (:class:`~circsim.workbench.experiment.Precision`)
names focal indicators, a target and a run budget::

    [precision]
    indicators = ["papers", "returnees"]
    half_width = 0.05      # 95% half-width at most 5% of |baseline mean|
    max_runs = 400         # every scenario, design point and replicate
    step = 2               # replicates added per round (default 1)
    baseline = "baseline"  # default; the scenario the effects are measured against
    country = "JP"         # default; the country whose indicators are compared

- **Focal effect**: each scenario other than ``baseline`` against it, on each focal
  indicator of ``country``, in the last recorded year: the period the report's findings
  and effect tables show by default. Stocks and per-year indicators alike are taken in that
  year; the cumulative total of a per-year indicator sums several years' noise-averaged
  counts and is, as a rule, relatively tighter, so a target met in the last year holds for
  it too. The effects are those of :func:`~circsim.workbench.compare.compare` (paired
  differences at the same design point and replicate, the paired t interval of
  ``scipy.stats.ttest_rel``), the same numbers the report prints.
- **Precision**: the half-width of the 95% interval, ``(hi - lo) / 2``, relative to the
  absolute mean of the baseline runs in the pairs. An effect that is not estimable (fewer
  than :data:`~circsim.workbench.compare.MIN_PAIRS` pairs, or the same difference in every
  pair) or whose baseline mean is 0 has no relative half-width: it is not precise yet.
- **Loop** (:func:`refine`): the experiment's own replicates are round 1. While some focal
  effect is above the target, ``step`` replicates are added (fewer if only fewer fit in the
  budget): runs of every scenario at every design point with replicate indices R, R+1, ...
  and seeds ``run_seed(seed, point, r)``, so common random numbers hold and the runs done
  before are untouched (:meth:`~circsim.workbench.store.ResultStore.add_replicates`). The
  loop stops at the first round where every focal effect meets the target, or when one
  more replicate would take the plan past ``max_runs``. The rounds depend only on the
  results, which are seeded; a store resumed after an interruption finishes the round it
  was in (the added replicates are in its manifest) and ends as the uninterrupted loop
  would. A round with failed runs ends the loop: running the batch again retries them and
  goes on.
- **Caveat**: stopping the first time an interval is narrow enough is a sequential rule;
  an interval read at such a stop covers a little less than 95% when the pairs are few (the
  fixed-width procedures of Chow and Robbins are exact only as the target tightens). The
  minimum of six pairs keeps the earliest stops away from the smallest samples.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from pydantic import ValidationError

from ..errors import InputError
from ..sim.scenario import validation_error
from ..sim.units import number
from .compare import ESTIMABLE, compare
from .experiment import Experiment, Precision
from .store import MANIFEST, ResultStore

#: Outcomes of a precision loop (:attr:`PrecisionState.outcome`).
REACHED, BUDGET, UNFINISHED = "target reached", "budget spent", "unfinished"
FOCAL_COLUMNS = ["scenario", "indicator", "n_pairs", "status", "baseline", "mean", "half_width", "relative", "met"]


@dataclass(frozen=True)
class PrecisionState:
    """Where a store stands against its experiment's ``[precision]`` target."""

    target: Precision
    #: One row per focal effect: FOCAL_COLUMNS (``relative`` is inf where there is none).
    effects: pd.DataFrame
    #: The year the effects are in (the last recorded one).
    year: int
    #: Replicates and runs in the store's plan, and planned runs not done.
    replicates: int
    planned: int
    pending: int
    #: Rounds so far: the experiment's own replicates, then one per addition.
    rounds: int

    @property
    def met(self) -> bool:
        """Whether every focal effect meets the target."""
        return bool(self.effects["met"].all())

    @property
    def worst(self) -> pd.Series:
        """The focal effect with the largest relative half-width (not estimable first)."""
        return self.effects.loc[self.effects["relative"].idxmax()]

    def more_replicates(self) -> int:
        """Replicates the next round adds: ``step``, or fewer if only fewer fit in the budget."""
        per_replicate = self.planned // self.replicates
        return max(0, min(self.target.step, (self.target.max_runs - self.planned) // per_replicate))

    @property
    def outcome(self) -> str:
        """:data:`REACHED`, :data:`BUDGET` (not met, and no replicate fits in the budget) or
        :data:`UNFINISHED` (not met, runs not done or the loop interrupted)."""
        if self.met and not self.pending:
            return REACHED
        if not self.pending and self.more_replicates() == 0:
            return BUDGET
        return UNFINISHED

    def worst_text(self) -> str:
        """The worst focal effect: ``papers (fellows) 7.1%`` or why it has no half-width."""
        w = self.worst
        return f"{w['indicator']} ({w['scenario']}) {relative_text(w)}"

    def line(self) -> str:
        """The progress line of a round."""
        return (
            f"precision round {self.rounds}: {self.replicates} replicates, worst half-width {self.worst_text()} "
            f"(target {percent(self.target.half_width)})"
        )

    def verdict(self) -> str:
        """One line on the outcome: reached, budget spent, or not finished."""
        if self.outcome == REACHED:
            return f"target reached: every focal effect within {percent(self.target.half_width)} ({self.runs_text()})"
        if self.outcome == BUDGET:
            return f"target not reached: budget of {self.target.max_runs:,} runs spent ({self.runs_text()})"
        why = f"{self.pending:,} planned runs not done" if self.pending else "the loop stopped before its next round"
        return f"target not reached yet: {why}; running the batch again goes on"

    def runs_text(self) -> str:
        """``8 replicates, 16 runs, 3 rounds``."""
        return f"{self.replicates} replicates, {self.planned:,} runs, {self.rounds} round{'s' * (self.rounds > 1)}"


def describe(target: Precision) -> str:
    """What a ``[precision]`` table asks for, in one clause."""
    return (
        f"replicates added {target.step} a round until the 95% half-width of every focal effect "
        f"({', '.join(target.indicators)} of {target.country}, each scenario against {target.baseline}) is within "
        f"{percent(target.half_width)} of the baseline mean, up to {target.max_runs:,} runs"
    )


def percent(x: float) -> str:
    """A share as a percentage in the one number style: ``5%``, ``7.1%``."""
    return f"{number(100 * x)}%"


def relative_text(row: pd.Series) -> str:
    """A focal effect's relative half-width, or why it has none."""
    if row["status"] != ESTIMABLE:
        return f"not estimable ({row['status']})"
    if not math.isfinite(row["relative"]):
        return "undefined (baseline mean 0)"
    return percent(row["relative"])


def store_target(store: ResultStore) -> Precision | None:
    """The ``[precision]`` table of the experiment a store holds, or None."""
    manifest = str(store.path / MANIFEST)
    try:
        table = tomllib.loads(store.manifest["experiment"]["content"]).get("precision")
    except tomllib.TOMLDecodeError:
        raise InputError("damaged manifest: the experiment text is not TOML", source=manifest) from None
    if table is None:
        return None
    try:
        return Precision.model_validate(table)
    except ValidationError as exc:
        raise validation_error(exc, manifest, Precision, "precision") from None


def focal_effects(store: ResultStore, target: Precision) -> tuple[pd.DataFrame, int]:
    """The focal effects (FOCAL_COLUMNS) of a store's finished runs and their year."""
    comp = compare(store, baseline=target.baseline, country=target.country, indicators=target.indicators)
    year = comp.years[-1]
    eff = comp.effects[comp.effects["period"] == str(year)]
    half = (eff["hi"] - eff["lo"]) / 2
    base = eff["baseline"].abs()
    relative = (half / base.where(base > 0)).fillna(math.inf)  # no interval or a zero baseline: not yet precise
    out = eff.assign(half_width=half, relative=relative, met=relative <= target.half_width)
    return out[FOCAL_COLUMNS].reset_index(drop=True), year


def precision_state(store: ResultStore, target: Precision) -> PrecisionState:
    """Where ``store`` stands against ``target``, from the store alone."""
    effects, year = focal_effects(store, target)
    runs = store.manifest["runs"]
    return PrecisionState(
        target=target,
        effects=effects,
        year=year,
        replicates=store.replicates,
        planned=len(runs),
        pending=sum(r["status"] != "done" for r in runs.values()),
        rounds=1 + len(store.extensions),
    )


def refine(
    experiment: Experiment,
    store: ResultStore,
    run_pending: Callable[[Experiment], None],
    say: Callable[[str], None],
) -> PrecisionState | None:
    """The precision loop (see the module docstring) on a store open for writing whose plan
    is ``experiment``'s and whose runs ``run_pending(experiment)`` has run. Says a line per
    round; returns the last state (None if runs failed: the loop then stops)."""
    target = experiment.spec.precision
    if target is None:
        raise ValueError("the experiment has no [precision] table")
    while True:
        failed = sum(r["status"] != "done" for r in store.manifest["runs"].values())
        if failed:
            say(f"precision: {failed:,} runs not done; the loop stops (running the batch again retries them)")
            return None
        state = precision_state(store, target)
        say(state.line())
        more = state.more_replicates()
        if state.met or more == 0:
            return state
        bigger = experiment.with_replicates(state.replicates + more)
        added = [r for r in bigger.runs if r.replicate >= state.replicates]
        store.add_replicates([r.plan for r in added], reason=f"precision round {state.rounds + 1}")
        experiment = bigger
        run_pending(experiment)
