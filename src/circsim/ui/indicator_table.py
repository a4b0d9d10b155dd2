"""Every indicator of every country in the latest simulated year, as a table."""

from __future__ import annotations

import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from ..sim.indicators import REGISTRY
from ..sim.model import CirculationModel


def indicator_table(model: CirculationModel) -> pd.DataFrame:
    """Indicators (rows) x countries (columns) in the latest recorded year, formatted
    in the registry's style (shares as %, counts with separators); empty before the first step."""
    ind = model.indicators()
    if ind.empty:
        return pd.DataFrame()
    now = ind[ind["year"] == ind["year"].max()]
    wide = now.pivot(index="indicator", columns="country", values="value").reindex(
        index=list(dict.fromkeys(now["indicator"])), columns=model.codes
    )
    return pd.DataFrame(
        {c: [REGISTRY[name].format(v) for name, v in wide[c].items()] for c in wide.columns}, index=wide.index
    )


@solara.component
def IndicatorTable(model: CirculationModel) -> None:
    """The indicator-table card (redrawn every step)."""
    update_counter.get()
    table = indicator_table(model)
    with solara.Card(f"Indicators in {model.year - 1}", style={"width": "100%"}):
        if table.empty:
            solara.Info("No year simulated yet: press Step.")
            return
        # two tables, countries then the regions of the rest of the world: one would be
        # wider than the page and its last columns would be cut off
        ranked = dict(zip(model.codes, model.ranked_countries, strict=True))
        for title, keep in (("Countries", True), ("Rest of the world", False)):
            part = table[[c for c in table.columns if ranked[c] == keep]]
            if not part.columns.empty:
                solara.Markdown(f"**{title}**\n\n{part.to_markdown()}")
