"""Headline indicators of the focal country over the simulated years, with the observed
points of ``src/circsim/sim/data/targets.csv`` (value and tolerance) overlaid.

Indicators sharing a unit share a panel (four panels in all; which indicator goes in
which is declared in the indicator registry), so the figure redraws fast enough for the
live page."""

from __future__ import annotations

import numpy as np
import solara
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mesa.visualization.utils import update_counter

from ..sim.indicators import PANELS, REGISTRY, Panel, names
from ..sim.inputs import load_targets
from ..sim.model import CirculationModel
from .common import GROWTH, LiveChart, focal_code, show, use_chart_png

#: How each panel declared in the registry is drawn: y-axis label, divisor of the values,
#: fixed y range (None: follow the data).
PANEL_AXES: dict[Panel, tuple[str, float, tuple[float, float] | None]] = {
    "careers and openness": ("share", 1.0, (0, 1)),
    "mobility": ("thousand people", 1e3, None),
    "doctorates": ("per million people a year", 1.0, None),
    "top-10% cited papers": ("rank among 7 countries", 1.0, (7.5, 0.5)),
}
#: The panels in order: title, y-axis label, divisor, y range, indicators.
CHART_PANELS = tuple((panel, *PANEL_AXES[panel], names(panel=panel)) for panel in PANELS)
PLOTTED: tuple[str, ...] = tuple(name for *_, members in CHART_PANELS for name in members)
COLORS = ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange")


class IndicatorChart(LiveChart):
    """One panel per unit: each indicator's simulated path (a line, updated every year)
    and its observed targets (squares with the tolerance, same colour; static)."""

    def __init__(self, model: CirculationModel) -> None:
        super().__init__(13, 3.2)
        self.focal = focal = focal_code(model)
        targets = load_targets()
        targets = targets[targets["country"] == focal]
        self.fig.subplots_adjust(left=0.04, right=0.99, top=0.9, bottom=0.3, wspace=0.25)
        self.lines = {}
        self.follow = []  # axes whose y range grows with the data, with their indicators
        p = model.p
        panels = zip(self.fig.subplots(1, len(CHART_PANELS)), CHART_PANELS, strict=True)
        for ax, (title, ylabel, div, ylim, members) in panels:
            for name, color in zip(members, COLORS, strict=False):
                (self.lines[name],) = ax.plot([], [], color=color, lw=1.5, label=REGISTRY[name].label)
                obs = targets[targets["indicator"] == name]
                if not obs.empty:
                    ax.errorbar(obs["year"], obs["value"] / div, yerr=obs["tolerance"] / div, fmt="s", color=color,
                                ms=4, capsize=2)  # fmt: skip
            ax.set_xlim(p.start_year - 0.5, p.end_year + 0.5)
            ax.set_ylim(*(ylim or (0, max(ax.dataLim.y1 * GROWTH, 1.0))))  # the observed points fit
            if not ylim:
                self.follow.append((ax, members))
            ax.set_title(title, fontsize=9)
            ax.set_ylabel(ylabel, fontsize=8)
            ax.tick_params(labelsize=7)
            for axis in (ax.xaxis, ax.yaxis):
                integer = axis is ax.xaxis or "rank" in ylabel
                axis.set_major_locator(MaxNLocator(5, integer=integer))  # few ticks: text is costly
            ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
        self.divisor = {name: div for _, _, div, _, members in CHART_PANELS for name in members}
        self.fig.text(0.005, 0.01, f"{focal}; lines: simulated; squares: observed ± tolerance (targets.csv)",
                      fontsize=7)  # fmt: skip

    def update(self, model: CirculationModel) -> Figure:
        """Set every line to the years simulated so far."""
        ind = model.indicators()
        mine = ind[(ind["country"] == self.focal) & ind["indicator"].isin(PLOTTED)]
        wide = mine.pivot(index="year", columns="indicator", values="value").reindex(columns=list(PLOTTED))
        for name, line in self.lines.items():
            line.set_data(wide.index.to_numpy(), wide[name].to_numpy() / self.divisor[name])
        for ax, members in self.follow:
            self.fit(ax, float(np.nanmax([0.0, *(wide[n].max() / self.divisor[n] for n in members)])))
        return self.fig

    def dynamic(self) -> list[Artist]:
        """The lines."""
        return list(self.lines.values())


def indicator_figure(model: CirculationModel) -> Figure:
    """The headline-indicator figure of the model so far, as a new figure."""
    return IndicatorChart(model).update(model)


@solara.component
def IndicatorPlots(model: CirculationModel) -> None:
    """The headline-indicator card (redrawn every step)."""
    update_counter.get()
    show(use_chart_png(IndicatorChart, model), "Headline indicators over time, with observed points")
