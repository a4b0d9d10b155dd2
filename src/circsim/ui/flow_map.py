"""World flow map of the live model: the countries on a map, coloured by model region,
arcs sized by the researchers moving between regions a year (in the latest year or on
average since the start), the focal country in red (in the spirit of the OECD
"Scientists on the move" map). The chart itself is built in :mod:`.flow_chart`."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from ..errors import InputError
from ..sim.inputs import Region, all_regions
from ..sim.model import CirculationModel
from .common import focal_code, fresh_chart
from .flow_chart import MEASURES, Flows, map_spec, map_template

#: Arcs drawn (the largest flows): enough to read the map, few enough to read each arc.
TOP_PAIRS = 20
HOW_TO_READ = (
    "Each arc is a flow of researchers changing country or region, from its start to the arrowhead; "
    "its width is the people a year (agents × scale), the legend gives the scale. The two directions "
    "between a pair run on either side. Hover an arc for its numbers: the latest year and the mean a "
    "year since the start. Countries are coloured by the model region they belong to; the focal "
    "country and its flows are red."
)


def movers(flows: pd.DataFrame) -> pd.Series:
    """Researchers changing country, by (origin, destination), summed over the rows given."""
    moves = flows[flows["origin"] != flows["destination"]]
    return moves.groupby(["origin", "destination"])["count"].sum()


def model_regions(model: CirculationModel) -> tuple[Region, ...]:
    """The model's countries and regions (rows of ``regions.csv``), in its index order."""
    rows = {r.code: r for r in all_regions()}
    return tuple(rows[c] for c in model.codes)


def model_flows(model: CirculationModel) -> Flows:
    """Movers by pair in the model's latest recorded year and a year on average since
    the start (empty before the first step)."""
    flows = model.flows()
    start = model.p.start_year
    if flows.empty:
        empty = pd.Series(dtype=float)
        return Flows(empty, empty, start - 1, start)
    last = int(flows["year"].max())
    return Flows(movers(flows[flows["year"] == last]), movers(flows) / (last - start + 1), last, start)


def flow_map_spec(model: CirculationModel, measure: str = "latest") -> dict:
    """The Vega-Lite spec of the model's flow map, arcs wide by ``measure`` (a key of
    :data:`MEASURES`)."""
    regions = model_regions(model)
    focal = focal_code(model)
    template = map_template(regions, focal, measure, model.p.start_year)
    return map_spec(template, model_flows(model), measure, regions, focal, TOP_PAIRS)


def year_label(model: CirculationModel) -> str:
    """The latest simulated year, or a hint before the first step."""
    return str(model.year - 1) if model.year > model.p.start_year else "no year simulated yet: press Step"


@solara.component
def MeasureChoice(measure: str, set_measure: Callable[[str], None]) -> None:
    """Buttons choosing what a flow chart's widths show: a key of :data:`MEASURES`."""
    solara.ToggleButtonsSingle(
        value=MEASURES[measure],
        values=list(MEASURES.values()),
        on_value=lambda label: set_measure(next(k for k, v in MEASURES.items() if v == label)),
    )


@solara.component
def FlowMap(model: CirculationModel) -> None:
    """The flow map card (redrawn every step), with a choice of what the widths show."""
    update_counter.get()
    measure, set_measure = solara.use_state("latest")

    def spec() -> tuple[dict | None, str | None]:
        try:
            return flow_map_spec(model, measure), None
        except InputError as err:  # a damaged shapes file: a message, not a traceback
            return None, str(err)

    drawn, problem = solara.use_memo(spec, [model, model.year, measure])
    with solara.Card(f"World flows of researchers: {year_label(model)}", style={"width": "100%"}):
        MeasureChoice(measure, set_measure)
        if problem:
            solara.Error(problem)
        else:
            # what solara.FigureAltair renders, given the spec itself: the chart is made with
            # Altair once per model (flow_chart.map_template) and only its arcs change each year
            fresh_chart(drawn, f"flow-map-{model.year}-{measure}")
        solara.Markdown(HOW_TO_READ, style={"font-size": "0.85em", "color": "#555"})
