"""Small helpers shared by the interface's components, and what the live page's
Vega-Lite charts have in common (drawn in the page by solara's VegaLite widget, offline,
from specs made with Altair once and filled with each year's data)."""

from __future__ import annotations

import math

import pandas as pd
import solara
from solara.widgets import VegaLite

from ..sim.model import CirculationModel

#: vega-embed's options: drawn as SVG (text stays text, and tests find the marks), the
#: export menu without the online editor.
EMBED = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}
#: Axis text of the live charts: readable on a projector (vega's default is 10-11 px).
AXIS_TEXT = {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": "normal"}
#: The style of a chart's "how to read this" line.
HOW_TO_READ_STYLE = {"font-size": "0.9em", "color": "#555"}


def focal_code(model: CirculationModel) -> str:
    """The code of the model's focal country (JP unless the scenario says otherwise)."""
    return model.codes[model.focal]


def with_data(spec: dict, omit_missing: bool = False, **tables: pd.DataFrame) -> dict:
    """A Vega-Lite ``spec`` with its named datasets set to ``tables``, a record a row
    (a missing value as null: the widget sends JSON, which has no NaN; with
    ``omit_missing``, left out of its record, which Vega reads as invalid too: a third
    less to send for a table whose kinds of rows fill different columns)."""
    records = {
        name: [clean(row, omit_missing) for row in t.to_dict("records")]  # plain Python: pandas' own masking costs more
        for name, t in tables.items()
    }
    return {**spec, "datasets": {**spec.get("datasets", {}), **records}}


def clean(row: dict, omit_missing: bool) -> dict:
    """A record with NaN and None as null, or left out with ``omit_missing``."""
    missing = [k for k, v in row.items() if v is None or (isinstance(v, float) and math.isnan(v))]
    if omit_missing:
        return {k: v for k, v in row.items() if k not in missing}
    return {**row, **dict.fromkeys(missing)}


def fresh_chart(spec: dict, key: str) -> solara.Element:
    """solara's VegaLite widget drawing ``spec``, a new widget for each ``key`` (give it the
    year): vega-embed draws asynchronously, and a spec swapped into the same widget while
    the previous one was still being drawn could leave the earlier year on screen (seen
    in the browser tests when years follow one another quickly)."""
    return VegaLite.element(spec=spec).key(key)
