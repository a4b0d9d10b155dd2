"""The focal country's academics by age band: permanent against fixed-term posts."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from ..model import CirculationModel
from ..sectors import Sector
from .common import focal_code, show

#: Lower edges of the age bands (the last band is open-ended).
BAND_EDGES = (25, 30, 35, 40, 45, 50, 55, 60)


def age_bands(model: CirculationModel) -> pd.DataFrame:
    """Academics of the focal country now, by age band: ``permanent``, ``fixed_term``
    (real people) and the fixed-term share; one row per band."""
    pop = model.pop
    alive = ~model.gone if len(model.gone) == len(pop) else np.ones(len(pop), dtype=bool)
    here = alive & (pop.country == model.focal)
    band = np.clip(np.searchsorted(BAND_EDGES, pop.age, side="right") - 1, 0, len(BAND_EDGES) - 1)
    counts = {
        name: np.bincount(band[here & (pop.sector == sector)], minlength=len(BAND_EDGES)) * model.p.scale
        for name, sector in (("permanent", Sector.ACAD_PERM), ("fixed_term", Sector.ACAD_FIXED))
    }
    labels = [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(BAND_EDGES)] + [f"{BAND_EDGES[-1]}+"]
    out = pd.DataFrame(counts, index=pd.Index(labels, name="age"))
    total = out["permanent"] + out["fixed_term"]
    out["fixed_term_share"] = np.where(total > 0, out["fixed_term"] / total.where(total > 0, 1), np.nan)
    return out


def age_band_figure(model: CirculationModel) -> Figure:
    """Stacked bars of permanent and fixed-term academics by age band, with the fixed-term share."""
    bands = age_bands(model)
    fig = Figure(figsize=(5.5, 3.6))
    fig.subplots_adjust(left=0.14, right=0.98, top=0.9, bottom=0.14)
    ax = fig.subplots()
    x = np.arange(len(bands))
    ax.bar(x, bands["permanent"], color="tab:blue", label="permanent")
    ax.bar(x, bands["fixed_term"], bottom=bands["permanent"], color="tab:orange", label="fixed-term")
    for xi, share, top in zip(x, bands["fixed_term_share"], bands["permanent"] + bands["fixed_term"], strict=True):
        if not np.isnan(share):
            ax.annotate(f"{share:.0%}", (xi, top), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, bands.index, fontsize=8)
    ax.set_xlabel("age")
    ax.set_ylabel("academics (people)")
    ax.legend(fontsize=8, title="labels: fixed-term share", title_fontsize=7)
    ax.set_title(f"{focal_code(model)} academia by age, {model.year - 1}", fontsize=10)
    return fig


@solara.component
def AgeBands(model: CirculationModel) -> None:
    """The age-band card (redrawn every step)."""
    update_counter.get()
    show(age_band_figure(model), "Academia by age band: permanent vs fixed-term")
