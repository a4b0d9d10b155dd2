"""Small helpers shared by the interface's components."""

from __future__ import annotations

import solara
from matplotlib.figure import Figure

from ..model import CirculationModel

#: Resolution of the live figures: enough for a projector, cheap to draw every step.
DPI = 80


def focal_code(model: CirculationModel) -> str:
    """The code of the model's focal country (JP unless the scenario says otherwise)."""
    return model.codes[model.focal]


def show(fig: Figure, title: str) -> None:
    """A card holding a matplotlib figure, drawn as PNG (no browser-side chart library).

    Figures set their own margins: an automatic layout would double the drawing time."""
    with solara.Card(title, style={"width": "100%"}):
        solara.FigureMatplotlib(fig, format="png", dpi=DPI)
