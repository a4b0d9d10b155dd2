"""World flow map of the live model: countries as nodes, arrows sized by the researchers
moving between them this year and over all recorded years, the focal country in red
(in the spirit of the OECD "Scientists on the move" map)."""

from __future__ import annotations

import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from ..figures import draw_flows
from ..model import CirculationModel
from .common import focal_code, show


def movers(flows: pd.DataFrame) -> pd.Series:
    """Researchers changing country, by (origin, destination), summed over the rows given."""
    moves = flows[flows["origin"] != flows["destination"]]
    return moves.groupby(["origin", "destination"])["count"].sum()


def flow_map_figure(model: CirculationModel) -> Figure:
    """Two panels: movers in the latest recorded year, and mean movers a year since the start."""
    flows = model.flows()
    fig = Figure(figsize=(13, 3.8))
    fig.subplots_adjust(left=0.01, right=0.99, top=0.92, bottom=0.06, wspace=0.03)
    ax_year, ax_all = fig.subplots(1, 2)
    focal = focal_code(model)
    if flows.empty:
        for ax in (ax_year, ax_all):
            draw_flows(ax, pd.Series(dtype=float), focal, 1.0, "no year simulated yet: press Step")
        return fig
    last, first = int(flows["year"].max()), int(flows["year"].min())
    this_year = movers(flows[flows["year"] == last])
    per_year = movers(flows) / (last - first + 1)
    biggest = max(this_year.max() if not this_year.empty else 0.0, per_year.max() if not per_year.empty else 0.0)
    draw_flows(ax_year, this_year, focal, biggest, f"researchers moving in {last} (top 20 pairs)")
    draw_flows(ax_all, per_year, focal, biggest, f"mean a year, {first}-{last} (cumulative / years)")
    fig.text(0.01, 0.01, "arrow width: real researchers moving (agents x scale); red: the focal country", fontsize=7)
    return fig


@solara.component
def FlowMap(model: CirculationModel) -> None:
    """The flow map card (redrawn every step)."""
    update_counter.get()
    show(flow_map_figure(model), "World flows of researchers")
