"""A paired batch launched from the live page: the levers switched on in the settings
against the same world without them (:mod:`circsim.workbench.paired_batch`), a few
replicates with common random numbers on the local process pool, a progress bar, and
the effects with their intervals when it finishes.

The batch is an ordinary experiment and store in a new folder under ``results/``: the
compare page lists it, and ``circsim compare`` reports it. The task belongs to the
browser session (a Solara task, one per session), not to the tab: switching tabs while
it runs neither stops nor repeats it. Stop ends it after the runs under way; what is
recorded stays, and ``circsim batch FOLDER/experiment.toml --out FOLDER/store`` finishes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import solara
import solara.lab

from ..errors import InputError
from ..workbench.catalog import allowed, bounds
from ..workbench.compare import MIN_PAIRS, Comparison
from ..workbench.experiment import ExperimentSpec
from ..workbench.paired_batch import (
    BASELINE,
    MAX_REPLICATES,
    PACKAGE,
    PairedBatch,
    paired_comparison,
    plan_paired_batch,
    run_paired_batch,
)
from ..workbench.report import effect_cell, heading
from .comparison import effects_csv, legend, marked
from .controls import Control, Settings
from .lever_cost import LeverCost
from .settings_panel import ControlWidget

#: Replicates offered first: enough pairs for an interval (at least MIN_PAIRS), a batch of
#: about half a minute at scale 100 on two cores.
DEFAULT_REPLICATES = 8
#: The batch's scale as an experiment file allows it (its own validation refuses the rest).
SCALE_BOUNDS = bounds(ExperimentSpec.model_fields["scale"])
SCALE_ALLOWED = allowed(ExperimentSpec.model_fields["scale"])
#: CSS class of the batch card, so that tests find it.
BATCH_CLASS = "circsim-batch"


class BatchStoppedError(Exception):
    """Raised by the progress listener when the session stopped the batch."""


@dataclass(frozen=True)
class BatchResult:
    """A finished batch: what ran, its comparison and its failed runs."""

    batch: PairedBatch
    comparison: Comparison
    failed: int


def by_period(comp: Comparison) -> pd.DataFrame:
    """The package's effects as an indicator x period table of "mean [lo, hi]" cells (the
    report's, :func:`effect_cell`), marked where they survive the false-discovery control."""
    eff = comp.effects[comp.effects["scenario"] == PACKAGE]
    cells = eff.assign(heading=[heading(n) for n in eff["indicator"]],
                       effect=[marked(effect_cell(r)) for r in eff.itertuples()])  # fmt: skip
    table = cells.pivot(index="heading", columns="period", values="effect")
    table = table.reindex(index=list(dict.fromkeys(cells["heading"])), columns=list(dict.fromkeys(eff["period"])))
    return table.fillna("").rename_axis(index="Indicator", columns=None)


@solara.lab.task(prefer_threaded=True)
def batch_task(batch: PairedBatch, country: str, workers: int) -> BatchResult:
    """Run ``batch`` and compare it; progress in percent of its runs, stopped on cancel."""
    failures = [0]

    def listener(done: int, total: int, failed: int) -> None:
        if not batch_task.is_current():
            raise BatchStoppedError
        failures[0] = failed
        batch_task.progress = 100.0 * done / max(total, 1)

    store = run_paired_batch(batch, listener, workers)
    return BatchResult(batch, paired_comparison(batch, store, country), failures[0])


def problem_text(err: BaseException | None) -> str:
    """One line for a batch that did not finish (never a traceback)."""
    if isinstance(err, InputError):
        return str(err)
    if isinstance(err, BatchStoppedError):
        return "Stopped: the runs recorded so far stay in the store."
    return f"The batch stopped: {type(err).__name__}: {err}"


@solara.component
def BatchPanel(settings: Settings, results: Path, version: int) -> None:
    """The yearly cost of the levers on (:mod:`circsim.ui.lever_cost`), replicates and
    scale, Launch and Stop, the progress bar and the finished effects. ``version`` counts
    the settings' changes: the panel redraws with them."""
    replicates, set_replicates = solara.use_state(DEFAULT_REPLICATES)
    scale, set_scale = solara.use_state(settings.scale)
    scale_problem, set_scale_problem = solara.use_state(None)
    problem, set_problem = solara.use_state(None)
    workers = os.cpu_count() or 1
    low, high = SCALE_BOUNDS
    scale_control = Control("batch.scale", "scale of the batch (real researchers per agent)", "text", scale, low, high,
                            help="smaller is finer and slower; 100 = 1:100")  # fmt: skip

    def set_batch_scale(key: str, value: object) -> None:
        if isinstance(value, InputError):
            set_scale_problem(str(value))
        elif not low < float(value) <= high:  # type: ignore[arg-type]
            set_scale_problem(str(InputError("is out of range", key=key, value=value, allowed=SCALE_ALLOWED)))
        else:
            set_scale_problem(None)
            set_scale(float(value))  # type: ignore[arg-type]

    def launch() -> None:
        try:
            batch = plan_paired_batch(settings.base, settings.source, settings.overrides, scale=scale,
                                      seed=settings.seed, replicates=replicates, results=results)  # fmt: skip
        except InputError as err:
            set_problem(str(err))
            return
        set_problem(None)
        batch_task(batch, settings.scenario.model.focal_country, workers)

    with solara.Card("Paired batch of these levers", classes=[BATCH_CLASS]):
        LeverCost(settings.scenario, settings.seed)
        solara.Markdown(
            f"**{BASELINE}**: the scenario file with the model and country values set beside, every lever "
            f"off. **{PACKAGE}**: the same with the levers switched on beside. Both run {replicates} times with "
            f"the same seeds (common random numbers), {2 * replicates} runs on {workers} cores, so that each "
            f"difference is paired. The store is kept under `{results}` and listed on the compare page."
        )
        running = batch_task.pending
        solara.SliderInt(f"replicates: {replicates}", value=replicates, min=MIN_PAIRS, max=MAX_REPLICATES,
                         on_value=set_replicates, disabled=running)  # fmt: skip
        ControlWidget(scale_control, scale, set_batch_scale, scale_problem)
        with solara.Row():
            solara.Button("Launch the batch", on_click=launch, disabled=running, color="primary")
            solara.Button("Stop", on_click=batch_task.cancel, disabled=not running)
        for said in (scale_problem, problem):
            if said:
                solara.Error(said, dense=True)
        if running:
            done = round((batch_task.progress or 0) * 2 * replicates / 100)
            solara.ProgressLinear(batch_task.progress or True)
            solara.Text(f"{done} of {2 * replicates} runs done")
        elif batch_task.error or batch_task.cancelled:
            solara.Warning(problem_text(batch_task.exception if batch_task.error else BatchStoppedError()))
        elif batch_task.finished and batch_task.value is not None:
            BatchEffects(batch_task.value)


@solara.component
def BatchEffects(result: BatchResult) -> None:
    """The finished batch's effects by period, their legend, CSV download and where it is stored."""
    comp, batch = result.comparison, result.batch
    store = batch.store_path
    failed = f" {result.failed} runs failed (see {store / 'manifest.json'})." if result.failed else ""
    solara.Markdown(
        f"**Effects of {', '.join(batch.levers)} in {comp.country}** against the baseline, mean [95% interval] "
        f"over {int(comp.effects['n_pairs'].max())} pairs.{failed}"
    )
    solara.Markdown(by_period(comp).to_markdown(disable_numparse=True))
    solara.Markdown(legend(comp, str(store)), style={"font-size": "0.95em", "color": "#444"})
    solara.FileDownload(
        lambda: effects_csv(comp.effects),
        filename=f"effects-{batch.folder.name}.csv",
        label="Download the effects (CSV)",
        mime_type="text/csv",
    )
    solara.Markdown(f"Stored in `{store}`: open it on the [compare page](/compare) or run `circsim compare {store}`.")
