"""Step latency of the live page at the default interface scale.

Renders the live page (``circsim.ui.app.LivePage``) in this process with
``solara.render`` (no browser), as one session sees it, from ``scenarios/baseline.toml``
at the interface's default scale with the career panel on. For each tab of the page it
resets the model and clicks Step ``--steps`` times (default: the whole horizon,
2004-2040), timing each click: the model's
step plus the redraw of everything the open tab shows (matplotlib figures rendered to
PNG, the Vega-Lite specs of the flow map and indicator charts filled with the year's data,
tables to Markdown, widgets updated). The model's ``step()`` alone is timed on a separate model.
Prints mean and 95th percentile in milliseconds.

    python benchmarks/bench_ui_step.py [--steps 37]

The browser's own drawing (of a PNG, or of a Vega-Lite chart by vega) and the websocket
round trip are not included.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def stats(ms: list[float]) -> str:
    """Mean and 95th percentile of a list of milliseconds."""
    a = np.asarray(ms)
    return f"mean {a.mean():6.0f} ms   p95 {np.percentile(a, 95):6.0f} ms   (n = {a.size})"


def main() -> None:
    """Time the model step and the Step click of every tab of the live page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=37, help="steps timed per tab (default: 37, to 2040)")
    args = parser.parse_args()
    os.environ["CIRCSIM_UI_ROOT"] = str(ROOT)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

    import ipyvuetify as v
    import solara

    from circsim.ui import app
    from circsim.ui.controls import Settings

    settings = Settings.from_file(app.first_scenario(app.scenario_files(ROOT / "scenarios")))  # as the page does
    scale = settings.scale
    model = app.LiveModel(settings)
    step_ms = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        model.step()
        step_ms.append(1e3 * (time.perf_counter() - t0))
    print(f"scale {scale:g} ({len(model.pop):,} agents after {args.steps} years), career panel 1 in "
          f"{settings.career_sample}")  # fmt: skip
    print(f"{'model.step() alone':<40}{stats(step_ms)}")

    timings: dict[str, list[float]] = {}
    _, rc = solara.render(solara.AppLayout(children=[app.LivePage()]), handle_error=False)
    for i, tab in enumerate(app.TABS):
        rc.find(v.Tabs).widget.v_model = i
        rc.find(v.Btn, children=["Reset"]).widget.click()
        step = rc.find(v.Btn, children=["Step"]).widget
        ms = timings[tab] = []
        for _ in range(args.steps):
            t0 = time.perf_counter()
            step.click()
            ms.append(1e3 * (time.perf_counter() - t0))
    for tab, ms in timings.items():
        print(f"{'Step click, tab ' + repr(tab):<40}{stats(ms)}")
    print(f"{'worst tab':<40}{stats(max(timings.values(), key=np.mean))}")


if __name__ == "__main__":
    main()
