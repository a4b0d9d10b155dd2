"""The yearly cost of the levers switched on in the page's settings, shown as they change.

The cost is the model's own accounting (:func:`circsim.workbench.describe.yearly_costs`,
what ``circsim show`` prints): one run of the page's scenario at a coarse scale, in a
thread, so that moving a slider never waits for it. Levers that pay for people cost what
that run's population draws, so the figure moves a little with the scale and the seed.
"""

from __future__ import annotations

import pandas as pd
import solara

from ..errors import InputError
from ..sim.scenario import Scenario
from ..sim.units import format_level
from ..workbench.describe import COST_SCALE, costed_years, yearly_costs
from ..workbench.paired_batch import idle_levers


def cost_lines(costs: pd.DataFrame) -> list[str]:
    """What the costs say: the yearly total's mean over the costed years with its first and
    last year, then each lever's mean; one line saying there is none without a cost."""
    spent = costed_years(costs)
    if spent.empty or not spent.to_numpy().any():
        return ["No lever on costs anything in these years."]
    total = spent.sum(axis=1)
    first, last = int(total.index[0]), int(total.index[-1])
    lines = [
        f"**{format_level('yen', float(total.mean()))} a year** on average over {first}-{last} "
        f"({format_level('yen', float(total.iloc[0]))} in {first}, {format_level('yen', float(total.iloc[-1]))} "
        f"in {last})"
    ]
    lines += [f"{name.replace('_', ' ')}: {format_level('yen', float(spent[name].mean()))} a year" for name in spent]
    return lines


@solara.component
def LeverCost(scenario: Scenario, seed: int) -> None:
    """The yearly cost of ``scenario``'s levers, recomputed (in a thread) when it changes."""
    on = list(scenario.levers.active())
    key = scenario.model_dump_json()  # the whole scenario: any change may change the cost

    def compute() -> list[str]:
        # a run for settings the page has left stops at its next year instead of
        # competing with the current one for the cores (rapid slider moves start many)
        return cost_lines(yearly_costs(scenario, COST_SCALE, seed, still_wanted=task.is_current))

    task = solara.lab.use_task(compute, dependencies=[key, seed], raise_error=False)  # type: ignore[arg-type]
    with solara.Column(gap="2px", classes=["lever-cost"]):
        solara.Markdown(f"**Yearly cost of the levers on** ({', '.join(on) or 'none'})")
        for name, start in idle_levers(scenario).items():
            solara.Warning(f"{name} starts in {start}, after the run's last year ({scenario.model.end_year}): "
                           "it neither acts nor costs anything in this run.", dense=True)  # fmt: skip
        if not on:
            solara.Text("No lever is on: the package costs nothing.")
        elif task.pending or task.not_called:
            solara.ProgressLinear(True)
            solara.Text("Costing one run of this scenario...")
        elif task.error:
            err = task.exception
            solara.Error(str(err) if isinstance(err, InputError) else f"The cost could not be computed: {err}")
        elif task.value is not None:
            solara.Markdown("<br>".join(task.value))
            solara.Text(
                f"The model's own accounting, from one run at scale {COST_SCALE:g} with seed {seed}: levers that "
                "pay for people cost what that run's population draws.",
                style={"font-size": "0.9em", "color": "#555"},
            )
