"""Headline indicators of the focal country over the simulated years: one interactive
chart a panel of the indicator registry (Vega-Lite made with Altair, drawn in the page by
solara's VegaLite widget, offline, as the flow map is), with the observed points of the
targets file (``src/circsim/workbench/data/targets.csv``: value ± tolerance, and its source).

Values are shown in the registry's units (shares in %, counts in people or visits a
year); hovering a year gives every indicator of the panel in that year, hovering an
observed square its value, tolerance and source. As for the flow map, each chart is made
with Altair once (per focal country and horizon) and only its simulated data are
replaced each year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import altair as alt
import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from ..errors import InputError
from ..sim.indicators import PANELS, REGISTRY, Indicator, Panel, names
from ..sim.model import CirculationModel
from ..sim.units import SCALES
from ..workbench.targets import read_targets
from .common import AXIS_TEXT, EMBED, HOW_TO_READ_STYLE, focal_code, fresh_chart, with_data

#: Plot height in pixels (the width is the card's).
HEIGHT = 220
#: Colours of a panel's indicators, in registry order (matplotlib's first five).
COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e")
#: The registry's indicators of each panel, in the order the panels are drawn.
PANEL_MEMBERS: dict[Panel, tuple[str, ...]] = {panel: names(panel=panel) for panel in PANELS}
PLOTTED: tuple[str, ...] = tuple(name for members in PANEL_MEMBERS.values() for name in members)
#: What the marks are, under every chart.
HOW_TO_READ = (
    "Lines: simulated, a point a year. Squares: observed (targets file), the bar its tolerance. "
    "Hover a year for its values, a square for its source."
)


def unit_text(ind: Indicator) -> str:
    """The unit of an indicator's values on a chart, e.g. ``%``, ``visits a year``."""
    return ind.scale.axis + (" a year" if ind.per_year else "")


def axis_title(members: Sequence[str]) -> str:
    """The y-axis title of a panel: its indicators' units, each once."""
    return "; ".join(dict.fromkeys(unit_text(REGISTRY[n]) for n in members))


def how_to_read(members: Sequence[str]) -> str:
    """The line under a chart: what the marks are and which way is better (the registry's ``better``)."""
    sides = {
        side: "; ".join(REGISTRY[n].label for n in members if REGISTRY[n].better == side)
        for side in ("higher", "lower")
    }
    return " ".join([HOW_TO_READ, *(f"Better {side}: {labels}." for side, labels in sides.items() if labels)])


def y_scale(members: Sequence[str], ranked: int) -> alt.Scale:
    """A panel's y scale: 0-100% for shares, 1 (top) to ``ranked`` for a rank, from 0 otherwise."""
    units = {REGISTRY[n].unit for n in members}
    if units == {"share"}:
        return alt.Scale(domain=[0, SCALES["share"].factor])
    if units == {"rank"}:
        return alt.Scale(domain=[0.5, ranked + 0.5], reverse=True, nice=False)
    return alt.Scale(zero=True, nice=True)


def observed(members: Sequence[str], focal: str, years: tuple[int, int]) -> pd.DataFrame:
    """The targets file's rows of the panel's indicators for ``focal`` within ``years``,
    in the charts' units, with their values, tolerances and sources as the report writes them."""
    targets = read_targets()
    rows = targets[(targets["country"] == focal) & targets["indicator"].isin(members)
                   & targets["year"].between(*years)]  # fmt: skip
    out = []
    for row in rows.itertuples(index=False):
        ind = REGISTRY[row.indicator]
        factor = ind.scale.factor
        out.append(
            {
                "indicator": ind.label,
                "year": int(row.year),
                "value": row.value * factor,
                "low": (row.value - row.tolerance) * factor,
                "high": (row.value + row.tolerance) * factor,
                "observed": f"{ind.format(row.value)} {ind.format_tolerance(row.tolerance)}",
                "status": row.status,
                "source": row.source,
            }
        )
    return pd.DataFrame(out, columns=["indicator", "year", "value", "low", "high", "observed", "status", "source"])


@dataclass(frozen=True)
class PanelKey:
    """What a panel's chart depends on besides its data (a cache key)."""

    panel: Panel
    focal: str
    first_year: int
    last_year: int
    ranked: int


@cache
def panel_template(key: PanelKey) -> dict:
    """A panel's Vega-Lite spec without its simulated data: made with Altair once per
    key (building it costs more than a model's step); :func:`panel_spec` fills the named
    datasets ``simulated`` (a row an indicator and year) and ``years`` (a row a year, each
    indicator's value as text)."""
    members = PANEL_MEMBERS[key.panel]
    labels = [REGISTRY[n].label for n in members]
    years = (key.first_year, key.last_year)
    colour = alt.Color(
        "indicator:N",
        scale=alt.Scale(domain=labels, range=list(COLORS[: len(labels)])),
        legend=alt.Legend(title=None, orient="bottom", columns=2, labelLimit=0, symbolStrokeWidth=3),
    )
    x_scale = alt.Scale(domain=list(years), nice=False)
    x = alt.X("year:Q", scale=x_scale, axis=alt.Axis(format="d", tickMinStep=1, title="year"))
    title = axis_title(members)
    scale = y_scale(members, key.ranked)
    ranks = {REGISTRY[n].unit for n in members} == {"rank"}
    y = alt.Y("value:Q", scale=scale, title=title, axis=alt.Axis(format="d", tickMinStep=1) if ranks else alt.Undefined)
    # a band a year, all but invisible, under the marks: hovering anywhere in a year shows its values
    hover = alt.selection_point(fields=["year"], on="mouseover", clear="mouseout", empty=False, name="hover")
    band = (
        alt.Chart(alt.NamedData("years"))
        .transform_calculate(start="datum.year - 0.5", end="datum.year + 0.5")
        .mark_rect(color="#888888", clip=True)
        .encode(
            x=alt.X("start:Q", scale=x_scale, title="year"),
            x2="end:Q",
            opacity=alt.condition(hover, alt.value(0.15), alt.value(0.01)),
            tooltip=[
                alt.Tooltip("year:Q", format="d", title="year"),
                *(alt.Tooltip(f"{n}:N", title=f"{REGISTRY[n].label} (simulated)") for n in members),
            ],
        )
        .add_params(hover)
    )
    lines = (
        alt.Chart(alt.NamedData("simulated"))
        .mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=36, filled=True))
        .encode(
            x=x,
            y=y,
            color=colour,
            tooltip=[
                alt.Tooltip("indicator:N"),
                alt.Tooltip("year:Q", format="d"),
                alt.Tooltip("shown:N", title="simulated"),
            ],
        )
    )
    obs = alt.Chart(observed(members, key.focal, years))
    # clipped: a rank's tolerance may reach past the last rank
    bars = obs.mark_rule(strokeWidth=2, clip=True).encode(
        x=x, y=alt.Y("low:Q", scale=scale, title=title), y2="high:Q", color=colour
    )
    squares = obs.mark_square(size=90, filled=True, stroke="white", strokeWidth=1, opacity=1).encode(
        x=x,
        y=y,
        color=colour,
        tooltip=[
            alt.Tooltip("indicator:N"),
            alt.Tooltip("year:Q", format="d"),
            alt.Tooltip("observed:N", title="observed ± tolerance"),
            alt.Tooltip("status:N"),
            alt.Tooltip("source:N"),
        ],
    )
    chart = (
        alt.layer(
            band.properties(name="band"),
            lines.properties(name="simulated"),
            bars.properties(name="tolerance"),
            squares.properties(name="observed"),
        )  # named: tests find them
        # as wide as its card (the widget follows the card's width), so two fit side by side
        .properties(width="container", height=HEIGHT, usermeta={"embedOptions": EMBED})
        .configure_axis(**AXIS_TEXT)
        .configure_legend(labelFontSize=12, symbolSize=120)
        .configure_view(stroke="#dddddd")
    )
    return chart.to_dict()


def simulated(model: CirculationModel) -> pd.DataFrame:
    """Every plotted indicator of the focal country so far (read once for all panels): a
    row an indicator and year, the value in the chart's unit and as the registry writes it."""
    ind = model.indicators()
    mine = ind[(ind["country"] == focal_code(model)) & ind["indicator"].isin(PLOTTED)]
    name = mine["indicator"]
    return pd.DataFrame(
        {
            "name": name.to_numpy(),
            "indicator": name.map(lambda n: REGISTRY[n].label).to_numpy(),
            "year": mine["year"].astype(int).to_numpy(),
            "value": (mine["value"] * name.map(lambda n: REGISTRY[n].scale.factor)).to_numpy(),
            "shown": [REGISTRY[n].format(v) for n, v in zip(name, mine["value"], strict=True)],
        }
    )


def panel_spec(model: CirculationModel, panel: Panel, sim: pd.DataFrame | None = None) -> dict:
    """The Vega-Lite spec of one panel of the model so far (``sim``: :func:`simulated`
    of the model, if already read)."""
    p = model.p
    key = PanelKey(panel, focal_code(model), p.start_year, p.end_year, int(model.ranked_countries.sum()))
    sim = simulated(model) if sim is None else sim
    mine = sim[sim["name"].isin(PANEL_MEMBERS[panel])]
    years = mine.pivot(index="year", columns="name", values="shown").reset_index()
    return with_data(panel_template(key), simulated=mine.drop(columns="name"), years=years)


@solara.component
def IndicatorPlots(model: CirculationModel) -> None:
    """The headline-indicator charts, two a row (redrawn every step)."""
    update_counter.get()

    def specs() -> tuple[list[dict], str | None]:
        try:
            sim = simulated(model)
            return [panel_spec(model, panel, sim) for panel in PANELS], None
        except InputError as err:  # a damaged targets file: one message, not a traceback
            return [], str(err)

    drawn, problem = solara.use_memo(specs, [model, model.year])
    if problem:
        solara.Error(f"The indicator charts cannot be drawn: {problem}")
        return
    with solara.ColumnsResponsive(12, large=6):
        for panel, spec in zip(PANELS, drawn, strict=True):
            members = PANEL_MEMBERS[panel]
            with solara.Card(f"{panel.capitalize()}, {focal_code(model)}", style={"width": "100%"}):
                fresh_chart(spec, f"{panel}-{model.year}")
                solara.Markdown(how_to_read(members), style=HOW_TO_READ_STYLE)
