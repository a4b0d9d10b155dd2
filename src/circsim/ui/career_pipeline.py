"""The focal country's career pipeline as a Sankey diagram: researchers of its
nationality moving, in a year, from where they were (doctoral studies, a sector at home,
no post, abroad) to where they went (a sector at home, no post, abroad, out of research).

Vega-Lite has no Sankey mark and Plotly is not installed in the project's environment,
so the diagram is laid out here (node heights and the bands' curves, in pixels) and
drawn as a Vega-Lite chart of stacked flows: bars for the places, one filled band a
flow, through the same offline VegaLite widget as the other charts. The chart is made
with Altair once per focal country; each year only its data are replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import altair as alt
import numpy as np
import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from ..sim.model import CirculationModel
from .common import EMBED, HOW_TO_READ_STYLE, focal_code, fresh_chart, with_data
from .flow_map import MeasureChoice, year_label

ABROAD, LEFT = "abroad", "left"
#: Places of the pipeline, top to bottom (key, label, colour); a place at home is its sector.
PLACES: tuple[tuple[str, str, str], ...] = (
    ("doctoral", "Doctoral studies", "#9467bd"),
    ("acad_perm", "Academia, permanent", "#1f77b4"),
    ("acad_fixed", "Academia, fixed-term", "#ff7f0e"),
    ("industry", "Industry", "#8c564b"),
    ("government", "Government", "#2ca02c"),
    ("startup", "Startup", "#e377c2"),
    ("unemployed", "No post", "#bdbdbd"),
    (ABROAD, "Abroad", "#17becf"),
    (LEFT, "Left research or retired", "#7f7f7f"),
)
ORDER = {key: i for i, (key, _, _) in enumerate(PLACES)}
LABEL = {key: label for key, label, _ in PLACES}
#: The model's sectors out of research: where a flow ends, never where one starts (a move
#: of someone already out, e.g. their death, is no career move).
OUT = {"left": LEFT, "exit": LEFT}

#: Chart size in pixels: the places' labels sit outside the bars, :data:`MARGIN` wide.
WIDTH, HEIGHT, MARGIN = 840, 480, 215  # fits beside the sidebar on a 1280-pixel screen
BAR = 16  # width of a place's bar
GAP = 14  # between two places of a column: room for a label even under a place of a few people
TOP = 30  # room for the column headers
#: Points along each band's curve.
CURVE_POINTS = 16
LEFT_X, RIGHT_X = MARGIN, WIDTH - MARGIN - BAR

HOW_TO_READ = (
    "Each band is the researchers of {focal} nationality who moved in a year from where they were "
    "(left) to where they went (right): from doctoral studies into posts, between posts, abroad and, "
    "from Abroad on the left, back home. Its width is people a year (agents × scale). Hover a band "
    "for its numbers, a bar for the total of a place. New entrants and moves between foreign "
    "countries are not shown."
)


def place(sector: pd.Series, at_home: pd.Series) -> pd.Series:
    """The pipeline's place of each row: its sector at home, :data:`ABROAD` elsewhere,
    :data:`LEFT` out of research wherever."""
    out = sector.map(OUT)
    return out.where(out.notna(), sector.where(at_home, ABROAD))


def pipeline_flows(flows: pd.DataFrame, focal: str, start_year: int) -> pd.DataFrame:
    """The focal nationality's moves (``model.flows()``) by (``source``, ``target``)
    place: people in the latest year (``latest``) and a year on average since
    ``start_year`` (``mean``); a row a pair, largest first."""
    mine = flows[(flows["nationality"] == focal) & (flows["from_sector"] != "entry")
                 & ~flows["from_sector"].isin(list(OUT))]  # fmt: skip
    source = place(mine["from_sector"], mine["origin"] == focal)
    target = place(mine["to_sector"], mine["destination"] == focal)
    keep = source != target  # a move among foreign countries stays "abroad"
    moves = pd.DataFrame({"year": mine["year"], "source": source, "target": target, "count": mine["count"]})[keep]
    columns = ["source", "target", "latest", "mean"]
    if moves.empty:
        return pd.DataFrame(columns=columns)
    last = int(flows["year"].max())
    pairs = moves.groupby(["source", "target"])
    out = pd.DataFrame(
        {
            "latest": moves[moves["year"] == last].groupby(["source", "target"])["count"].sum(),
            "mean": pairs["count"].sum() / (last - start_year + 1),
        }
    ).fillna(0.0)
    return out.reset_index().sort_values("mean", ascending=False)[columns]


@dataclass(frozen=True)
class Layout:
    """The diagram in pixels: a row a place of each column (``nodes``: side, key, label,
    top, bottom, people) and a row a point of each band (``bands``)."""

    nodes: pd.DataFrame
    bands: pd.DataFrame


def _column(totals: pd.Series, side: str, scale: float) -> pd.DataFrame:
    """One column's places, stacked from :data:`TOP` in :data:`PLACES` order."""
    rows, y = [], float(TOP)
    for key in sorted(totals.index, key=ORDER.__getitem__):
        height = totals[key] * scale
        rows.append({"side": side, "key": key, "label": LABEL[key], "people": float(totals[key]),
                     "top": y, "bottom": y + height})  # fmt: skip
        y += height + GAP
    return pd.DataFrame(rows)


def layout(pairs: pd.DataFrame, measure: str, year: int, first_year: int) -> Layout:
    """The places and bands of the flows ``pairs`` (:func:`pipeline_flows`), wide by
    ``measure`` (a key of :data:`MEASURES`); flows of no one are left out."""
    shown = pairs[pairs[measure] > 0]
    if shown.empty:
        return Layout(pd.DataFrame(columns=["side", "key", "label", "people", "top", "bottom"]), pd.DataFrame())
    out_of, into = shown.groupby("source")[measure].sum(), shown.groupby("target")[measure].sum()
    places = max(len(out_of), len(into))
    scale = (HEIGHT - TOP - GAP * (places - 1)) / float(out_of.sum())  # both columns hold every flow
    nodes = pd.concat([_column(out_of, "from", scale), _column(into, "to", scale)], ignore_index=True)
    # each place's bands stacked in the order of the place at their other end: fewer crossings
    start = shown.assign(o=shown["target"].map(ORDER)).sort_values(["source", "o"])
    end = shown.assign(o=shown["source"].map(ORDER)).sort_values(["target", "o"])
    tops = {side: nodes[nodes["side"] == side].set_index("key")["top"] for side in ("from", "to")}
    y0 = (start.groupby("source")[measure].cumsum() - start[measure]) * scale + start["source"].map(tops["from"])
    y1 = (end.groupby("target")[measure].cumsum() - end[measure]) * scale + end["target"].map(tops["to"])
    t = np.linspace(0.0, 1.0, CURVE_POINTS)
    ease = t * t * (3 - 2 * t)  # leaves and reaches each bar level
    x = LEFT_X + BAR + t * (RIGHT_X - LEFT_X - BAR)
    # a row a point of each band, built as arrays (a loop over the bands cost more than the model's step)
    a, b = y0[shown.index].to_numpy(), y1[shown.index].to_numpy()
    width = shown[measure].to_numpy() * scale
    y = a[:, None] + ease[None, :] * (b - a)[:, None]
    each = np.repeat(np.arange(len(shown)), CURVE_POINTS)
    bands = pd.DataFrame(
        {
            "band": (shown["source"] + ">" + shown["target"]).to_numpy()[each],
            "source": shown["source"].map(LABEL).to_numpy()[each],
            "target": shown["target"].map(LABEL).to_numpy()[each],
            "target_key": shown["target"].to_numpy()[each],
            "year": year,
            "latest": shown["latest"].astype(float).to_numpy()[each],
            "mean": shown["mean"].astype(float).to_numpy()[each],
            "first_year": first_year,
            # a tenth of a pixel is enough, and a third of the bytes sent every step
            "x": np.tile(x, len(shown)).round(1),
            "y": y.ravel().round(1),
            "y2": (y + width[:, None]).ravel().round(1),
        }
    )
    return Layout(nodes, bands)


@cache
def pipeline_template(focal: str) -> dict:
    """The diagram's Vega-Lite spec without its data: the named datasets ``bands`` and
    ``nodes`` (:class:`Layout`) and ``headers`` (the columns' titles and the unit), in pixels (no scales)."""
    colours = alt.Scale(domain=[k for k, _, _ in PLACES], range=[c for _, _, c in PLACES])
    hover = alt.selection_point(fields=["band"], on="mouseover", clear="mouseout", empty=False, name="hover")
    bands = (
        alt.Chart(alt.NamedData("bands"))
        .mark_area(interpolate="monotone")
        .encode(
            x=alt.X("x:Q", scale=None),
            y=alt.Y("y:Q", scale=None),
            y2="y2:Q",
            detail="band:N",
            color=alt.Color("target_key:N", scale=colours, legend=None),  # a band in the colour of where it goes
            opacity=alt.condition(hover, alt.value(0.85), alt.value(0.5)),
            tooltip=[
                alt.Tooltip("source:N", title="from"),
                alt.Tooltip("target:N", title="to"),
                alt.Tooltip("latest:Q", format=",.0f", title="people in the latest year"),
                alt.Tooltip("year:O", title="latest year"),
                alt.Tooltip("mean:Q", format=",.0f", title="people a year, mean since the start"),
                alt.Tooltip("first_year:O", title="start"),
            ],
        )
        .add_params(hover)
    )
    nodes = alt.Chart(alt.NamedData("nodes"))
    bars = (
        nodes.transform_calculate(x=f"datum.side == 'from' ? {LEFT_X} : {RIGHT_X}", x2=f"datum.x + {BAR}")
        .mark_rect()
        .encode(
            x=alt.X("x:Q", scale=None),
            x2="x2:Q",
            y=alt.Y("top:Q", scale=None),
            y2="bottom:Q",
            color=alt.Color("key:N", scale=colours, legend=None),
            tooltip=[
                alt.Tooltip("label:N", title="place"),
                alt.Tooltip("people:Q", format=",.0f", title="people a year"),
            ],
        )
    )
    labels = nodes.transform_calculate(
        x=f"datum.side == 'from' ? {LEFT_X - 6} : {RIGHT_X + BAR + 6}",
        y="(datum.top + datum.bottom) / 2",
        text="datum.label + '  ' + format(datum.people, ',.0f')",
    ).encode(x=alt.X("x:Q", scale=None), y=alt.Y("y:Q", scale=None), text="text:N")
    left = labels.transform_filter("datum.side == 'from'").mark_text(align="right", baseline="middle", fontSize=13)
    right = labels.transform_filter("datum.side == 'to'").mark_text(align="left", baseline="middle", fontSize=13)
    header = alt.Chart(alt.NamedData("headers")).encode(x=alt.X("x:Q", scale=None), y=alt.value(0), text="text:N")
    style = {"baseline": "top", "fontSize": 13, "fontWeight": "bold", "color": "#333333"}
    titles = {f"header_{side}": header.transform_filter(f"datum.side == '{side}'").mark_text(align=align, **style)
              for side, align in (("from", "right"), ("unit", "center"), ("to", "left"))}  # fmt: skip
    named = {"bands": bands, "bars": bars, "labels_from": left, "labels_to": right, **titles}
    chart = (
        alt.layer(*(c.properties(name=n) for n, c in named.items()))  # named: tests find them
        .properties(width=WIDTH, height=HEIGHT, usermeta={"embedOptions": EMBED})
        .configure_view(stroke=None)
    )
    return chart.to_dict()


def headers(measure: str, year: int, first_year: int) -> pd.DataFrame:
    """The column titles and, between them, what the widths are (the unit and the years)."""
    span = f"latest year, {year}" if measure == "latest" else f"mean a year, {first_year}-{year}"
    return pd.DataFrame(
        [
            {"x": LEFT_X + BAR, "side": "from", "text": "Where they were"},
            {"x": WIDTH / 2, "side": "unit", "text": f"people a year ({span})"},
            {"x": RIGHT_X, "side": "to", "text": "Where they went"},
        ]
    )


def pipeline_spec(model: CirculationModel, measure: str = "latest") -> dict | None:
    """The Vega-Lite spec of the focal country's pipeline, wide by ``measure`` (a key of
    :data:`MEASURES`); None before the first simulated year."""
    focal, first = focal_code(model), model.p.start_year
    pairs = pipeline_flows(model.flows(), focal, first)
    if pairs.empty:
        return None
    year = model.year - 1
    drawn = layout(pairs, measure, year, first)
    return with_data(pipeline_template(focal), bands=drawn.bands, nodes=drawn.nodes,
                     headers=headers(measure, year, first))  # fmt: skip


@solara.component
def CareerPipeline(model: CirculationModel) -> None:
    """The pipeline card (redrawn every step), with a choice of the latest year or the run so far."""
    update_counter.get()
    measure, set_measure = solara.use_state("latest")
    spec = solara.use_memo(lambda: pipeline_spec(model, measure), [model, model.year, measure])
    focal = focal_code(model)
    with solara.Card(f"Career pipeline of {focal} researchers: {year_label(model)}", style={"width": "100%"}):
        MeasureChoice(measure, set_measure)
        if spec is None:
            solara.Info("No year simulated yet: press Step.")
        else:
            fresh_chart(spec, f"pipeline-{model.year}-{measure}")
        solara.Markdown(HOW_TO_READ.format(focal=focal), style=HOW_TO_READ_STYLE)
