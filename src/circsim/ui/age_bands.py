"""The focal country's academics by age band: permanent against fixed-term posts, as an
interactive Vega-Lite chart (made with Altair once per focal country, drawn in the page
by solara's VegaLite widget, offline; only its data change each year)."""

from __future__ import annotations

import itertools
from functools import cache

import altair as alt
import numpy as np
import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from ..sim.model import CirculationModel
from ..sim.sectors import Sector
from ..sim.units import format_level
from .common import AXIS_TEXT, EMBED, HOW_TO_READ_STYLE, focal_code, fresh_chart, with_data
from .flow_map import year_label

#: Lower edges of the age bands (the last band is open-ended).
BAND_EDGES = (25, 30, 35, 40, 45, 50, 55, 60)
LABELS = [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(BAND_EDGES)] + [f"{BAND_EDGES[-1]}+"]
#: The two kinds of post, bottom to top, and their colours (those of the earlier figure).
CONTRACTS = ("permanent", "fixed-term")
CONTRACT_COLORS = ("#1f77b4", "#ff7f0e")
#: Plot height in pixels (the width is the card's).
HEIGHT = 300
HOW_TO_READ = (
    "Each bar is the academics of an age band now (people, agents × scale): permanent posts below, "
    "fixed-term above; the figure on a bar is its fixed-term share. Hover a bar for its numbers."
)


def age_bands(model: CirculationModel) -> pd.DataFrame:
    """Academics of the focal country now, by age band: ``permanent``, ``fixed_term``
    (real people) and the fixed-term share; one row per band."""
    pop = model.pop
    here = ~pop.gone & (pop.country == model.focal)
    band = np.clip(np.searchsorted(BAND_EDGES, pop.age, side="right") - 1, 0, len(BAND_EDGES) - 1)
    counts = {
        name: np.bincount(band[here & (pop.sector == sector)], minlength=len(BAND_EDGES)) * model.p.scale
        for name, sector in (("permanent", Sector.ACAD_PERM), ("fixed_term", Sector.ACAD_FIXED))
    }
    out = pd.DataFrame(counts, index=pd.Index(LABELS, name="age"))
    total = out["permanent"] + out["fixed_term"]
    out["fixed_term_share"] = np.where(total > 0, out["fixed_term"] / total.where(total > 0, 1), np.nan)
    return out


def bar_table(bands: pd.DataFrame) -> pd.DataFrame:
    """The chart's rows: a band and kind of post each (``contract``, ``people``), every
    row with its band's numbers as the tooltip writes them."""
    rows = []
    for age, b in bands.iterrows():
        share = b["fixed_term_share"]
        common = {
            "age": age,
            "permanent_people": float(b["permanent"]),
            "fixed_term_people": float(b["fixed_term"]),
            "total": float(b["permanent"] + b["fixed_term"]),
            "share": "" if np.isnan(share) else format_level("share", share),
        }
        rows += [{**common, "contract": c, "order": i, "people": common[f"{k}_people"]}
                 for i, (c, k) in enumerate(zip(CONTRACTS, ("permanent", "fixed_term"), strict=True))]  # fmt: skip
    return pd.DataFrame(rows)


@cache
def age_template(focal: str) -> dict:
    """The chart's Vega-Lite spec without its data (the named dataset ``bars``, filled by
    :func:`age_band_spec`): stacked bars a band, the fixed-term share written on each."""
    x = alt.X("age:N", sort=LABELS, title="age (years)", axis=alt.Axis(labelAngle=0))
    tooltip = [
        alt.Tooltip("age:N", title="age band"),
        alt.Tooltip("permanent_people:Q", format=",.0f", title="permanent (people)"),
        alt.Tooltip("fixed_term_people:Q", format=",.0f", title="fixed-term (people)"),
        alt.Tooltip("share:N", title="fixed-term share"),
    ]
    base = alt.Chart(alt.NamedData("bars"))
    bars = base.mark_bar().encode(
        x=x,
        y=alt.Y("sum(people):Q", title=f"academics in {focal} (people)", axis=alt.Axis(format=",.0f")),
        color=alt.Color(
            "contract:N",
            scale=alt.Scale(domain=list(CONTRACTS), range=list(CONTRACT_COLORS)),
            legend=alt.Legend(title=None, orient="top", labelFontSize=12, symbolSize=150),
        ),
        order=alt.Order("order:Q"),
        tooltip=tooltip,
    )
    shares = (
        base.transform_filter(alt.datum.contract == CONTRACTS[-1])
        .mark_text(dy=-8, fontSize=12, color="#333333")
        .encode(x=x, y=alt.Y("total:Q"), text="share:N", tooltip=tooltip)
    )
    chart = (
        alt.layer(bars.properties(name="bars"), shares.properties(name="shares"))  # named: tests find them
        .properties(width="container", height=HEIGHT, usermeta={"embedOptions": EMBED})
        .configure_axis(**AXIS_TEXT)
        .configure_view(stroke="#dddddd")
    )
    return chart.to_dict()


def age_band_spec(model: CirculationModel) -> dict:
    """The Vega-Lite spec of the focal country's academics by age band now."""
    return with_data(age_template(focal_code(model)), bars=bar_table(age_bands(model)))


@solara.component
def AgeBands(model: CirculationModel) -> None:
    """The age-band card (redrawn every step)."""
    update_counter.get()
    spec = solara.use_memo(lambda: age_band_spec(model), [model, model.year])
    with solara.Card(f"Academia by age band, {focal_code(model)}: {year_label(model)}", style={"width": "100%"}):
        fresh_chart(spec, f"age-bands-{model.year}")
        solara.Markdown(HOW_TO_READ, style=HOW_TO_READ_STYLE)
