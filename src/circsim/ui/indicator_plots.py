"""Headline indicators of the focal country over the simulated years, with the observed
points of ``src/circsim/data/targets.csv`` (value and tolerance) overlaid.

Indicators sharing a unit share a panel (four panels in all), so the figure redraws fast
enough for the live page."""

from __future__ import annotations

import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from ..data import load_targets
from ..model import CirculationModel
from .common import focal_code, show

#: Panels: title, y-axis label, divisor of the values, indicators drawn.
PANELS: tuple[tuple[str, str, float, tuple[str, ...]], ...] = (
    ("careers and openness", "share", 1.0, ("fixed_term_share", "fixed_term_share_under40", "intl_coauthorship_share",
                                            "overseas_experience_share", "return_rate")),
    ("mobility", "thousand people", 1e3, ("visits_abroad_long", "nationals_abroad")),
    ("doctorates", "per million people a year", 1.0, ("doctorates_per_million",)),
    ("top-10% cited papers", "rank among 7 countries", 1.0, ("top10_rank",)),
)  # fmt: skip
PLOTTED: tuple[str, ...] = tuple(name for *_, names in PANELS for name in names)
COLORS = ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange")


def indicator_figure(model: CirculationModel) -> Figure:
    """One panel per unit: each indicator's simulated path (line) and its observed
    targets (squares with the tolerance, same colour)."""
    focal = focal_code(model)
    ind = model.indicators()
    ind = ind[(ind["country"] == focal) & ind["indicator"].isin(PLOTTED)]
    targets = load_targets()
    targets = targets[targets["country"] == focal]
    fig = Figure(figsize=(13, 3.2))
    fig.subplots_adjust(left=0.04, right=0.99, top=0.9, bottom=0.3, wspace=0.25)
    p = model.p
    for ax, (title, ylabel, div, names) in zip(fig.subplots(1, len(PANELS)), PANELS, strict=True):
        for name, color in zip(names, COLORS, strict=False):
            series = ind[ind["indicator"] == name].sort_values("year")
            ax.plot(series["year"], series["value"] / div, color=color, lw=1.5, label=name.replace("_", " "))
            obs = targets[targets["indicator"] == name]
            if not obs.empty:
                ax.errorbar(obs["year"], obs["value"] / div, yerr=obs["tolerance"] / div, fmt="s", color=color,
                            ms=4, capsize=2)  # fmt: skip
        ax.set_xlim(p.start_year - 0.5, p.end_year + 0.5)
        if ylabel == "share":
            ax.set_ylim(0, 1)
        if name == "top10_rank":
            ax.set_ylim(7.5, 0.5)  # rank 1 at the top
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    fig.text(0.005, 0.01, f"{focal}; lines: simulated; squares: observed ± tolerance (targets.csv)", fontsize=7)
    return fig


@solara.component
def IndicatorPlots(model: CirculationModel) -> None:
    """The headline-indicator card (redrawn every step)."""
    update_counter.get()
    show(indicator_figure(model), "Headline indicators over time, with observed points")
