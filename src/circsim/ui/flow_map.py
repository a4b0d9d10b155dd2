"""World flow map of the live model: countries as nodes, arrows sized by the researchers
moving between them this year and over all recorded years, the focal country in red
(in the spirit of the OECD "Scientists on the move" map)."""

from __future__ import annotations

import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from ..figures import draw_flow_arrows, draw_flow_nodes
from ..model import CirculationModel
from .common import focal_code, live_figure, show, use_chart


def movers(flows: pd.DataFrame) -> pd.Series:
    """Researchers changing country, by (origin, destination), summed over the rows given."""
    moves = flows[flows["origin"] != flows["destination"]]
    return moves.groupby(["origin", "destination"])["count"].sum()


class FlowMapChart:
    """Two panels: movers in the latest recorded year, and mean movers a year since the start."""

    def __init__(self, model: CirculationModel) -> None:
        self.fig = live_figure(13, 3.8)
        self.fig.subplots_adjust(left=0.01, right=0.99, top=0.92, bottom=0.06, wspace=0.03)
        self.axes = self.fig.subplots(1, 2)
        self.focal = focal_code(model)
        for ax in self.axes:
            draw_flow_nodes(ax, self.focal)
        self.fig.text(0.01, 0.01, "arrow width: real researchers moving (agents x scale); red: the focal country",
                      fontsize=7)  # fmt: skip
        self.arrows: list = []

    def update(self, model: CirculationModel) -> Figure:
        """Redraw the arrows for the latest year and the mean so far."""
        for arrow in self.arrows:
            arrow.remove()
        self.arrows = []
        flows = model.flows()
        ax_year, ax_all = self.axes
        if flows.empty:
            for ax in self.axes:
                ax.set_title("no year simulated yet: press Step", fontsize=9)
            return self.fig
        last, first = int(flows["year"].max()), int(flows["year"].min())
        this_year = movers(flows[flows["year"] == last])
        per_year = movers(flows) / (last - first + 1)
        biggest = max([*this_year.tolist(), *per_year.tolist(), 0.0])
        self.arrows += draw_flow_arrows(ax_year, this_year, self.focal, biggest)
        self.arrows += draw_flow_arrows(ax_all, per_year, self.focal, biggest)
        ax_year.set_title(f"researchers moving in {last} (top 20 pairs)", fontsize=9)
        ax_all.set_title(f"mean a year, {first}-{last} (cumulative / years)", fontsize=9)
        return self.fig


def flow_map_figure(model: CirculationModel) -> Figure:
    """The flow map of the model's latest year, as a new figure."""
    return FlowMapChart(model).update(model)


@solara.component
def FlowMap(model: CirculationModel) -> None:
    """The flow map card (redrawn every step)."""
    update_counter.get()
    show(use_chart(FlowMapChart, model), "World flows of researchers", model)
