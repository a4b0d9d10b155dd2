"""Figures of a comparison (matplotlib, written as PNG): a forest plot of effects with
their intervals, and fan charts of indicators over time with the observed targets."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .compare import Comparison
from .data import load_targets

SOURCE_NOTE = "circsim simulation; observed points: src/circsim/data/targets.csv (sources there)"


def forest(comp: Comparison, period: str, indicators: list[str], path: Path) -> Path:
    """Effects against the baseline with paired 95% intervals, one panel per indicator."""
    eff = comp.effects[(comp.effects["period"] == period) & comp.effects["indicator"].isin(indicators)]
    scenarios = list(dict.fromkeys(comp.effects["scenario"]))
    cols = 3
    rows = int(np.ceil(len(indicators) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 0.32 * len(scenarios) * rows + 1.2 * rows), squeeze=False)
    y = np.arange(len(scenarios))
    for ax, name in zip(axes.ravel(), indicators, strict=False):
        e = eff[eff["indicator"] == name].set_index("scenario").reindex(scenarios)
        ax.errorbar(e["mean"], y, xerr=[e["mean"] - e["lo"], e["hi"] - e["mean"]], fmt="o", ms=3, capsize=2)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, scenarios if ax in axes[:, 0] else [""] * len(y), fontsize=7)
        ax.invert_yaxis()
        ax.set_title(f"{name}", fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    for ax in axes.ravel()[len(indicators) :]:
        ax.set_visible(False)
    fig.suptitle(f"{comp.country}: effect vs {comp.baseline} in {period} (mean, paired 95% t-interval)", fontsize=10)
    fig.text(0.01, 0.002, SOURCE_NOTE, fontsize=6)
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def fan(
    indicators: pd.DataFrame, runs: pd.DataFrame, country: str, indicator: str, scenarios: list[str], path: Path
) -> Path:
    """Median and 90% band over time per scenario, with the observed targets as points."""
    ind = indicators[(indicators["country"] == country) & (indicators["indicator"] == indicator)]
    ind = ind.merge(runs[["run_id", "scenario"]], on="run_id")
    fig, ax = plt.subplots(figsize=(7, 4))
    for scen in scenarios:
        q = ind[ind["scenario"] == scen].groupby("year")["value"].quantile([0.05, 0.5, 0.95]).unstack()
        if q.empty:
            continue
        (line,) = ax.plot(q.index, q[0.5], lw=1.4, label=scen)
        ax.fill_between(q.index, q[0.05], q[0.95], color=line.get_color(), alpha=0.15)
    obs = load_targets()
    obs = obs[(obs["country"] == country) & (obs["indicator"] == indicator)]
    if not obs.empty:
        ax.errorbar(obs["year"], obs["value"], yerr=obs["tolerance"], fmt="ks", ms=4, capsize=2, label="observed")
    ax.set_title(f"{country}: {indicator} (median and 90% band over runs)", fontsize=10)
    ax.set_xlabel("year")
    ax.set_ylabel(indicator + (" (share)" if "share" in indicator or "rate" in indicator else " (people)"))
    ax.legend(fontsize=7, ncol=2)
    fig.text(0.01, 0.005, SOURCE_NOTE, fontsize=6)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
