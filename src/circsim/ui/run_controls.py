"""The live page's run controls: the simulated year, and Reset, Play/Pause and Step.

They replace Mesa's SolaraViz sidebar, whose empty "Model Parameters" card, "Use
Threads" box, interval sliders and step counter ("Time: 3.0") mean nothing to an
analyst. Every component of the page redraws on Mesa's ``update_counter`` (one per
browser session), which these controls advance after each simulated year.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import solara
import solara.lab
from mesa.visualization.utils import force_update, update_counter

from ..errors import InputError
from ..sim.model import CirculationModel

#: Pause between two years while playing, in seconds: the page keeps up and the years can be read.
PLAY_PAUSE_S = 0.1
#: CSS class of the year line, so that tests find it.
YEAR_CLASS = "circsim-year"

log = logging.getLogger(__name__)


def run_status(model: CirculationModel) -> tuple[str, str]:
    """The year to show in large type and a line under it: how far the run has got."""
    p = model.p
    span = f"{p.start_year}-{p.end_year}"
    done = model.year - p.start_year  # recorded years (burn-in years are not shown)
    if done <= 0:
        return "not started", f"run {span}: press Step or Play"
    total = p.end_year - p.start_year + 1
    if not model.running:
        return str(model.year - 1), f"run {span} complete ({total} years): Reset to start again"
    return str(model.year - 1), f"{done} of {total} years simulated ({span})"


@solara.component
def RunControls(model: solara.Reactive[CirculationModel], build: Callable[[], CirculationModel]) -> None:
    """The simulated year and the buttons: Reset (``build`` a new model from the
    session's settings), Play/Pause (a year every :data:`PLAY_PAUSE_S`) and Step (one
    year). A model that cannot be built or stepped gets one message, not a traceback."""
    update_counter.get()
    playing = solara.use_reactive(False)
    problem = solara.use_reactive(None)

    def advance() -> bool:
        """Simulate one year and redraw; whether another year can follow."""
        try:
            model.value.step()
        except Exception as err:  # the page's boundary: one line in the page, the trace in the server log
            log.exception("step failed")
            problem.set(f"The model stopped: {err}")
            return False
        force_update()
        return model.value.running

    def play() -> None:
        while playing.value and advance():
            time.sleep(PLAY_PAUSE_S)
        playing.set(False)

    # a thread per play: Pause (playing false) ends the loop after the current year
    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def reset() -> None:
        playing.set(False)
        try:
            model.set(build())
        except InputError as err:
            problem.set(f"Reset failed, the model is unchanged: {err}")
            return
        problem.set(None)
        force_update()

    year, line = run_status(model.value)
    with solara.Card("Simulated year"):
        solara.Text(year, classes=[YEAR_CLASS], style={"font-size": "2.2em", "font-weight": "500"})
        solara.Text(line, style={"display": "block", "color": "#555"})
        with solara.Row(justify="space-between", style={"margin-top": "12px"}):
            solara.Button("Reset", color="primary", outlined=True, on_click=reset)
            solara.Button("Pause" if playing.value else "Play", color="primary",
                          on_click=lambda: playing.set(not playing.value),
                          disabled=not model.value.running)  # fmt: skip
            solara.Button("Step", color="primary", on_click=advance,
                          disabled=playing.value or not model.value.running)  # fmt: skip
        solara.Text("Reset builds a new model from the tab Scenario and levers.",
                    style={"display": "block", "margin-top": "8px", "font-size": "0.9em", "color": "#555"})  # fmt: skip
        if problem.value:
            solara.Error(problem.value)
