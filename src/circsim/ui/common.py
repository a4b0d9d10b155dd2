"""Small helpers shared by the interface's components.

Live charts keep one matplotlib figure per session and model and only update what
changes each year (line data, bar heights, arrows): building axes and ticks anew every
step would cost more than the model's own step."""

from __future__ import annotations

from typing import Protocol

import solara
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..model import CirculationModel

#: Resolution of the live figures: enough for a projector, cheap to draw every step.
DPI = 80


class LiveChart(Protocol):
    """A figure built once for a model and brought up to date with :meth:`update`."""

    fig: Figure

    def update(self, model: CirculationModel) -> Figure:
        """Bring the figure up to the model's latest year; returns it."""
        ...


def live_figure(width: float, height: float) -> Figure:
    """A figure for a live chart: drawn at :data:`DPI` on its own Agg canvas, so every
    redraw reuses one renderer and its cache of text sizes."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def focal_code(model: CirculationModel) -> str:
    """The code of the model's focal country (JP unless the scenario says otherwise)."""
    return model.codes[model.focal]


def use_chart(chart: type, model: CirculationModel) -> Figure:
    """This session's chart of ``model`` (made on first use, again after a reset), up to date."""
    live: LiveChart = solara.use_memo(lambda: chart(model), [model])
    return live.update(model)


def show(fig: Figure, title: str, model: CirculationModel) -> None:
    """A card holding a matplotlib figure of ``model``, drawn as PNG (no browser-side chart
    library) again whenever the model or its year changes.

    Figures set their own margins: an automatic layout would double the drawing time."""
    with solara.Card(title, style={"width": "100%"}):
        # the figure object stays the same, so say what makes it new; light compression
        # encodes fast (the page is served on localhost)
        png = {"format": "png", "dpi": DPI, "pil_kwargs": {"compress_level": 1}}
        solara.FigureMatplotlib(fig, dependencies=[model, model.year], **png)
