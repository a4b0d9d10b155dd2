"""The focal country's academics by age band: permanent against fixed-term posts."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import solara
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from ..sim.model import CirculationModel
from ..sim.sectors import Sector
from .common import LiveChart, focal_code, show, use_chart_png
from .flow_map import year_label

#: Lower edges of the age bands (the last band is open-ended).
BAND_EDGES = (25, 30, 35, 40, 45, 50, 55, 60)
LABELS = [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(BAND_EDGES)] + [f"{BAND_EDGES[-1]}+"]


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


class AgeBandChart(LiveChart):
    """Stacked bars of permanent and fixed-term academics by age band, labelled with the
    fixed-term share; axes and legend are static, bars and labels change every year."""

    def __init__(self, model: CirculationModel) -> None:
        super().__init__(5.5, 3.6)
        self.fig.subplots_adjust(left=0.14, right=0.98, top=0.82, bottom=0.14)
        self.ax = ax = self.fig.subplots()
        x = np.arange(len(LABELS))
        zeros = np.zeros(len(LABELS))
        self.perm = ax.bar(x, zeros, color="tab:blue", label="permanent")
        self.fixed = ax.bar(x, zeros, color="tab:orange", label="fixed-term")
        self.labels = [ax.annotate("", (xi, 0), ha="center", va="bottom", fontsize=7) for xi in x]
        ax.set_xticks(x, LABELS, fontsize=8)
        ax.set_xlabel("age")
        ax.set_ylabel("academics (people)")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=8, ncol=2, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
        self.fig.suptitle(f"{focal_code(model)} academics by age (labels: fixed-term share)", fontsize=9)

    def dynamic(self) -> list[Artist]:
        """The bars and their labels."""
        return [*self.perm, *self.fixed, *self.labels]

    def update(self, model: CirculationModel) -> Figure:
        """Set the bars and labels to the academics now."""
        bands = age_bands(model)
        rows = zip(bands["permanent"], bands["fixed_term"], bands["fixed_term_share"], strict=True)
        for perm, fixed, label, (p, f, share) in zip(self.perm, self.fixed, self.labels, rows, strict=True):
            perm.set_height(p)
            fixed.set_y(p)
            fixed.set_height(f)
            label.set_text("" if np.isnan(share) else f"{share:.0%}")
            label.xy = label.xyann = (label.xy[0], p + f)  # the point and the text sit on the bar
        self.fit(self.ax, float((bands["permanent"] + bands["fixed_term"]).max()) * 1.08)
        return self.fig


def age_band_figure(model: CirculationModel) -> Figure:
    """The age-band figure of the model now, as a new figure."""
    return AgeBandChart(model).update(model)


@solara.component
def AgeBands(model: CirculationModel) -> None:
    """The age-band card (redrawn every step)."""
    update_counter.get()
    show(use_chart_png(AgeBandChart, model), f"Academia by age band: {year_label(model)}")
