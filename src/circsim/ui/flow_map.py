"""World flow map of the live model: countries as nodes, arrows sized by the researchers
moving between them this year and over all recorded years, the focal country in red
(in the spirit of the OECD "Scientists on the move" map)."""

from __future__ import annotations

import pandas as pd
import solara
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from ..sim.model import CirculationModel
from ..workbench.figures import draw_flow_arrows, draw_flow_nodes
from .common import LiveChart, focal_code, show, use_chart_png

#: Arrows drawn per panel (the largest pairs): enough to read the map, few enough to draw fast.
TOP_PAIRS = 15


def movers(flows: pd.DataFrame) -> pd.Series:
    """Researchers changing country, by (origin, destination), summed over the rows given."""
    moves = flows[flows["origin"] != flows["destination"]]
    return moves.groupby(["origin", "destination"])["count"].sum()


class FlowMapChart(LiveChart):
    """Two panels: movers in the latest recorded year, and mean movers a year since the
    start; the countries are static, the arrows change every year."""

    def __init__(self, model: CirculationModel) -> None:
        super().__init__(13, 3.8)
        self.fig.subplots_adjust(left=0.01, right=0.99, top=0.92, bottom=0.06, wspace=0.03)
        self.axes = self.fig.subplots(1, 2)
        self.focal = focal_code(model)
        for ax, title in zip(self.axes, (f"in the latest year (top {TOP_PAIRS} pairs)", "mean a year since the start"),
                             strict=True):  # fmt: skip
            draw_flow_nodes(ax, self.focal)
            ax.set_title(title, fontsize=9)
        self.fig.text(0.01, 0.01, "arrow width: real researchers moving (agents x scale); red: the focal country",
                      fontsize=7)  # fmt: skip
        self.arrows: list[Artist] = []

    def dynamic(self) -> list[Artist]:
        """The arrows."""
        return self.arrows

    def update(self, model: CirculationModel) -> Figure:
        """Replace the arrows by those of the latest year and of the mean so far."""
        for arrow in self.arrows:
            arrow.remove()
        self.arrows = []
        flows = model.flows()
        if flows.empty:
            return self.fig
        last, first = int(flows["year"].max()), int(flows["year"].min())
        this_year = movers(flows[flows["year"] == last])
        per_year = movers(flows) / (last - first + 1)
        biggest = max([*this_year.tolist(), *per_year.tolist(), 0.0])
        ax_year, ax_all = self.axes
        self.arrows += draw_flow_arrows(ax_year, this_year, self.focal, biggest, TOP_PAIRS)
        self.arrows += draw_flow_arrows(ax_all, per_year, self.focal, biggest, TOP_PAIRS)
        return self.fig


def flow_map_figure(model: CirculationModel) -> Figure:
    """The flow map of the model's latest year, as a new figure."""
    return FlowMapChart(model).update(model)


def year_label(model: CirculationModel) -> str:
    """The latest simulated year, or a hint before the first step."""
    return str(model.year - 1) if model.year > model.p.start_year else "no year simulated yet: press Step"


@solara.component
def FlowMap(model: CirculationModel) -> None:
    """The flow map card (redrawn every step)."""
    update_counter.get()
    show(use_chart_png(FlowMapChart, model), f"World flows of researchers: {year_label(model)}")
