"""Small helpers shared by the interface's components, and the base of the live charts.

A live chart keeps one matplotlib figure per session and model. Its static parts (axes,
ticks, labels, legends, observed points) are drawn once and kept as a bitmap; after a
step only the artists that change (lines, bars, arrows) are drawn over a copy of that
bitmap (blitting). Drawing the whole figure again every step would cost more than the
model's own step: text is what matplotlib draws slowest.
"""

from __future__ import annotations

import io
import math

import pandas as pd
import reacton.ipywidgets as rw
import solara
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ..sim.model import CirculationModel

#: Resolution of the live figures: enough for a projector, cheap to draw every step.
DPI = 80
#: Headroom when an axis must grow to fit the data (its static part is then redrawn).
GROWTH = 1.3


class LiveChart:
    """A figure built once for a model (subclasses draw its static parts in ``__init__``),
    brought up to date with :meth:`update` and turned into PNG bytes with :meth:`png`."""

    def __init__(self, width: float, height: float) -> None:
        self.fig = Figure(figsize=(width, height), dpi=DPI)
        FigureCanvasAgg(self.fig)  # its own canvas: one renderer, reused
        self._background = None

    def dynamic(self) -> list[Artist]:
        """The artists that change from year to year (drawn over the static bitmap)."""
        raise NotImplementedError

    def update(self, model: CirculationModel) -> Figure:
        """Bring the artists up to the model's latest year; returns the figure."""
        raise NotImplementedError

    def restatic(self) -> None:
        """Say that a static part changed (e.g. an axis range): it is drawn again next time."""
        self._background = None

    def fit(self, ax: Axes, top: float) -> None:
        """Grow the y range of ``ax`` (from 0) when the data reach its top."""
        if top > ax.get_ylim()[1]:
            ax.set_ylim(0, top * GROWTH)
            self.restatic()

    def png(self) -> bytes:
        """The figure as PNG: the static bitmap with the changing artists drawn over it."""
        canvas = self.fig.canvas
        moving = self.dynamic()
        if self._background is None:
            for artist in moving:
                artist.set_visible(False)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            for artist in moving:
                artist.set_visible(True)
        else:
            canvas.restore_region(self._background)
        for artist in moving:
            self.fig.draw_artist(artist)
        width, height = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        image.save(out, format="png", compress_level=1)  # fast to encode; the page is on localhost
        return out.getvalue()


def focal_code(model: CirculationModel) -> str:
    """The code of the model's focal country (JP unless the scenario says otherwise)."""
    return model.codes[model.focal]


def use_chart_png(chart: type[LiveChart], model: CirculationModel) -> bytes:
    """This session's chart of ``model`` (made on first use, again after a reset) as PNG,
    drawn again only when the model's year changes."""
    live = solara.use_memo(lambda: chart(model), [model])

    def draw() -> bytes:
        live.update(model)
        return live.png()

    return solara.use_memo(draw, [live, model.year])


def show(png: bytes, title: str) -> None:
    """A card holding a figure drawn as PNG (no browser-side chart library)."""
    with solara.Card(title, style={"width": "100%"}):
        rw.Image(value=png, format="png")


def with_data(spec: dict, **tables: pd.DataFrame) -> dict:
    """A Vega-Lite ``spec`` with its named datasets set to ``tables``, a record a row
    (a missing value as null: the widget sends JSON, which has no NaN)."""
    records = {
        name: [{k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
               for row in t.to_dict("records")]  # plain Python: pandas' own masking costs more on tables this small
        for name, t in tables.items()
    }  # fmt: skip
    return {**spec, "datasets": {**spec.get("datasets", {}), **records}}
