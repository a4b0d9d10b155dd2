"""The compare page's fan charts as interactive Vega-Lite charts (made with Altair, drawn
by solara's VegaLite widget offline, as the live page's indicator charts are): for one
indicator, a small panel a scenario with the baseline's band (grey) and the scenario's
(red), each the median over runs and the 5-95% band, in the registry's unit, with the
observed points of the targets file and their sources (:func:`indicator_plots.observed`).

Hovering a year of a band gives its median and band; hovering an observed square its
value, tolerance and source. The PNG download is the report's own matplotlib figure
(:func:`circsim.workbench.figures.fan`), not a picture of this chart.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..sim.indicators import REGISTRY
from .common import with_data
from .indicator_plots import EMBED, observed, unit_text

#: Colours of the baseline's band and of the scenario's (the report's figure's grey and red).
BASELINE_COLOUR, SCENARIO_COLOUR = "#7f7f7f", "#d62728"
#: Size of one scenario's panel, in pixels; panels wrap after COLUMNS.
PANEL_WIDTH, PANEL_HEIGHT, COLUMNS = 270, 170, 4
#: Quantiles over runs drawn as the band and its middle line (the report's figure's).
LOW, MID, HIGH = 0.05, 0.5, 0.95


def bands(values: pd.DataFrame, indicator: str, baseline: str, scenarios: list[str]) -> pd.DataFrame:
    """The rows of the chart's ``bands`` dataset from ``values`` (run values of one
    country: run_id, year, indicator, value, scenario): for each scenario's panel, its own
    band and the baseline's, a row a year, in the chart's unit and as the registry writes them."""
    ind = REGISTRY[indicator]
    mine = values[values["indicator"] == indicator]
    q = mine.groupby(["scenario", "year"])["value"].quantile([LOW, MID, HIGH]).unstack().reset_index()
    q = q[q["scenario"].isin([baseline, *scenarios])]
    panels = [s for s in scenarios if s != baseline] or [baseline]
    base = q[q["scenario"] == baseline]
    parts = [base.assign(panel=p, series=f"{baseline} (baseline)") for p in panels]
    parts += [q[q["scenario"] == p].assign(panel=p, series=p) for p in panels if p != baseline]
    rows = pd.concat(parts, ignore_index=True)
    text = {k: [ind.format(v) for v in rows[k]] for k in (LOW, MID, HIGH)}
    return pd.DataFrame(
        {
            "panel": rows["panel"].to_numpy(),
            "series": rows["series"].to_numpy(),
            "baseline": (rows["scenario"] == baseline).to_numpy(),
            "year": rows["year"].astype(int).to_numpy(),
            **{k: (rows[q_] * ind.scale.factor).to_numpy() for k, q_ in (("low", LOW), ("mid", MID), ("high", HIGH))},
            "median": text[MID],
            "band": [f"{lo} to {hi}" for lo, hi in zip(text[LOW], text[HIGH], strict=True)],
        }
    )


def fan_spec(values: pd.DataFrame, indicator: str, country: str, baseline: str, scenarios: list[str]) -> dict:
    """The Vega-Lite spec of one indicator's fan chart: a panel a scenario besides the
    baseline (the baseline alone if there is none), with the observed points of ``country``."""
    ind = REGISTRY[indicator]
    data = bands(values, indicator, baseline, scenarios)
    years = (int(data["year"].min()), int(data["year"].max())) if not data.empty else (0, 0)
    obs = observed([indicator], country, years)
    # the observed points are drawn in every panel: one copy a panel (a facet draws only its own rows)
    obs = pd.concat([obs.assign(panel=p) for p in dict.fromkeys(data["panel"])], ignore_index=True)
    x = alt.X("year:Q", axis=alt.Axis(format="d", tickMinStep=1, title=None), scale=alt.Scale(nice=False))
    y_title = unit_text(ind)
    # coloured by whether a band is the baseline's, so that every panel has the same two colours
    colour = alt.Color("baseline:N", scale=alt.Scale(domain=[True, False], range=[BASELINE_COLOUR, SCENARIO_COLOUR]),
                       legend=None)  # fmt: skip
    tooltip = [
        alt.Tooltip("series:N", title="scenario"),
        alt.Tooltip("year:Q", format="d"),
        alt.Tooltip("median:N", title="median over runs"),
        alt.Tooltip("band:N", title="90% of runs"),
    ]
    # one dataset for every layer (a facet takes its data at the top), each layer its own rows
    band = alt.Chart().transform_filter("datum.kind == 'band'").encode(x=x, color=colour, detail="series:N")
    area = band.mark_area(opacity=0.22).encode(y=alt.Y("low:Q", title=y_title), y2="high:Q")
    line = band.mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=30, filled=True)).encode(
        y=alt.Y("mid:Q", title=y_title), tooltip=tooltip
    )
    obs_rows = alt.Chart().transform_filter("datum.kind == 'observed'")
    squares = obs_rows.mark_square(size=70, filled=True, color="black", stroke="white", strokeWidth=1).encode(
        x=x,
        y=alt.Y("value:Q", title=y_title),
        tooltip=[
            alt.Tooltip("year:Q", format="d"),
            alt.Tooltip("observed:N", title="observed ± tolerance"),
            alt.Tooltip("status:N"),
            alt.Tooltip("source:N"),
        ],
    )
    bars = obs_rows.mark_rule(color="black").encode(x=x, y="low:Q", y2="high:Q")
    layered = alt.layer(
        area.properties(name="band"),
        line.properties(name="median"),
        bars.properties(name="tolerance"),
        squares.properties(name="observed"),
        data=alt.NamedData("fan"),
    ).properties(width=PANEL_WIDTH, height=PANEL_HEIGHT)
    chart = (
        layered.facet(
            facet=alt.Facet(
                "panel:N",
                title=None,
                sort=list(dict.fromkeys(data["panel"])),
                header=alt.Header(labelFontSize=13, labelFontWeight="bold"),
            ),
            columns=COLUMNS,
        )
        .resolve_scale(y="shared")
        .properties(usermeta={"embedOptions": EMBED})
        .configure_axis(labelFontSize=12, titleFontSize=13, titleFontWeight="normal")
        .configure_view(stroke="#dddddd")
    )
    rows = pd.concat([data.assign(kind="band"), obs.assign(kind="observed")])
    return with_data(chart.to_dict(), omit_missing=True, fan=rows)  # a band row has no observed columns
