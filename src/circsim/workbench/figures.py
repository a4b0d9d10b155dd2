"""Figures of a comparison (matplotlib, written as PNG): a forest plot of effects with
their intervals, and fan charts of indicators over time with the observed targets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # files only; no display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..sim.indicators import REGISTRY
from ..sim.inputs import all_regions, load_regions
from .compare import ESTIMABLE, FDR_Q, LEVEL, Comparison
from .targets import read_targets

if TYPE_CHECKING:
    from .optimise import OptimiseResult

#: The footer of a figure of simulated results; one that draws observed points adds OBSERVED_NOTE.
SOURCE_NOTE = "circsim simulation"
OBSERVED_NOTE = SOURCE_NOTE + "; observed points: src/circsim/workbench/data/targets.csv (sources there)"


def save(fig: plt.Figure, path: Path, note: str = SOURCE_NOTE, top: float = 1.0) -> Path:
    """Sign the figure with its source note, lay it out, write it as PNG and close it."""
    fig.text(0.01, 0.005, note, fontsize=6)
    fig.tight_layout(rect=(0, 0.03, 1, top))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def forest(comp: Comparison, period: str, indicators: list[str], path: Path) -> Path:
    """Effects against the baseline with paired 95% intervals, one panel per indicator
    (by its label, in its unit: percentage points for shares): filled where the effect
    survives the false-discovery control, hollow where not, and "not estimable" where
    there is no interval."""
    eff = comp.effects[(comp.effects["period"] == period) & comp.effects["indicator"].isin(indicators)]
    scenarios = list(dict.fromkeys(comp.effects["scenario"]))
    cols = 3
    rows = int(np.ceil(len(indicators) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 0.32 * len(scenarios) * rows + 1.2 * rows), squeeze=False)
    y = np.arange(len(scenarios))
    for ax, name in zip(axes.ravel(), indicators, strict=False):
        scale = REGISTRY[name].scale
        e = eff[eff["indicator"] == name].set_index("scenario").reindex(scenarios)
        shown = e[e["status"] == ESTIMABLE]
        at = y[e["status"].eq(ESTIMABLE).to_numpy()]
        mean, lo, hi = (shown[c].to_numpy(dtype=float) * scale.factor for c in ("mean", "lo", "hi"))
        found = shown["discovery"].to_numpy(dtype=bool)
        ax.errorbar(mean, at, xerr=[mean - lo, hi - mean], fmt="none", ecolor="tab:blue", capsize=2)
        ax.scatter(mean, at, s=14, zorder=3, color=np.where(found, "tab:blue", "white"), edgecolors="tab:blue")
        for yi in y[~e["status"].eq(ESTIMABLE).to_numpy()]:
            ax.text(0, yi, "not estimable", fontsize=6, color="grey", ha="center", va="center")
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_ylim(len(scenarios) - 0.5, -0.5)  # first scenario on top
        ax.set_yticks(y, scenarios if ax in axes[:, 0] else [""] * len(y), fontsize=7)
        ax.set_title(f"{REGISTRY[name].label} ({scale.change_axis})", fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    for ax in axes.ravel()[len(indicators) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"{comp.country}: effect vs {comp.baseline} in {period} (mean, paired 95% t-interval; "
        f"filled: survives the false-discovery control at q = {FDR_Q})",
        fontsize=10,
    )
    return save(fig, path, top=0.97)


def year_band(values: pd.DataFrame) -> pd.DataFrame:
    """5%, 50% and 95% quantiles over runs of ``value``, one row per ``year``."""
    return values.groupby("year")["value"].quantile([0.05, 0.5, 0.95]).unstack()


def draw_band(ax: plt.Axes, band: pd.DataFrame, color: str, label: str | None = None) -> None:
    """The median line and the 90% band of :func:`year_band`."""
    ax.plot(band.index, band[0.5], lw=1.2, color=color, label=label)
    ax.fill_between(band.index, band[0.05], band[0.95], color=color, alpha=0.2)


def draw_observed(ax: plt.Axes, targets: pd.DataFrame) -> None:
    """Observed targets as squares with their tolerance."""
    ax.errorbar(targets["year"], targets["value"], yerr=targets["tolerance"], fmt="ks", ms=3, capsize=2)


def fan(
    indicators: pd.DataFrame,
    runs: pd.DataFrame,
    country: str,
    indicator: str,
    scenarios: list[str],
    path: Path,
    baseline: str = "baseline",
) -> Path:
    """Median and 90% band over time: one small panel per scenario against the baseline
    (grey), with the observed targets as points; in the indicator's unit (% for shares)."""
    scale = REGISTRY[indicator].scale
    ind = indicators[(indicators["country"] == country) & (indicators["indicator"] == indicator)]
    ind = ind.merge(runs[["run_id", "scenario"]], on="run_id").assign(value=lambda d: d["value"] * scale.factor)
    bands = {s: year_band(ind[ind["scenario"] == s]) for s in scenarios}
    others = [s for s in scenarios if s != baseline and not bands[s].empty] or [baseline]
    cols = min(4, len(others))
    rows = int(np.ceil(len(others) / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.4 * cols, 2.5 * rows + 0.8), sharex=True, sharey=True, squeeze=False
    )
    obs = read_targets()
    obs = obs[(obs["country"] == country) & (obs["indicator"] == indicator)]
    obs = obs.assign(value=obs["value"] * scale.factor, tolerance=obs["tolerance"] * scale.factor)
    for ax, scen in zip(axes.ravel(), others, strict=False):
        for name, color in ((baseline, "grey"), (scen, "tab:red")):
            q = bands.get(name)
            if q is None or q.empty:
                continue
            draw_band(ax, q, color, name)
        if not obs.empty:
            draw_observed(ax, obs)
        ax.set_title(scen, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(others) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"{country}: {REGISTRY[indicator].label} ({scale.axis}); median and 90% band over runs; "
        f"grey = {baseline}, squares = observed",
        fontsize=9,
        wrap=True,  # one panel is narrower than the title
    )
    return save(fig, path, OBSERVED_NOTE, top=0.95)


def flow_map(
    flows: pd.DataFrame,
    runs: pd.DataFrame,
    scenarios: list[str],
    years: tuple[int, int],
    focal: str,
    path: Path,
    top: int = 20,
) -> Path:
    """World map of researchers moving between countries (mean movers a year over the
    runs of each scenario, one panel per scenario); edge width by movers, the ``top``
    largest pairs drawn, the focal country highlighted."""
    moves = flows[(flows["origin"] != flows["destination"]) & flows["year"].between(*years)]
    moves = moves.merge(runs[["run_id", "scenario"]], on="run_id")
    n_years = years[1] - years[0] + 1
    fig, axes = plt.subplots(1, len(scenarios), figsize=(6.5 * len(scenarios), 3.8), squeeze=False)
    per_run = {s: max(int((runs["scenario"] == s).sum()), 1) for s in scenarios}
    pairs = {
        s: moves[moves["scenario"] == s].groupby(["origin", "destination"])["count"].sum() / (per_run[s] * n_years)
        for s in scenarios
    }
    biggest = max((p.max() for p in pairs.values() if not p.empty), default=1.0)
    for ax, scen in zip(axes[0], scenarios, strict=True):
        title = f"{scen}: researchers moving a year, {years[0]}-{years[1]} (top {top} pairs)"
        draw_flows(ax, pairs[scen], focal, biggest, title, top)
    return save(fig, path, "edge width: mean movers a year over runs (agents x scale); " + SOURCE_NOTE)


def draw_flows(ax: plt.Axes, pairs: pd.Series, focal: str, biggest: float, title: str, top: int = 20) -> None:
    """One flow-map panel: the countries and the arrows of :func:`draw_flow_arrows`."""
    draw_flow_nodes(ax, focal)
    draw_flow_arrows(ax, pairs, focal, biggest, top)
    ax.set_title(title, fontsize=9)


def draw_flow_nodes(ax: plt.Axes, focal: str) -> None:
    """The countries of a flow map at their map positions, the focal one in red."""
    for code, r in {r.code: r for r in load_regions()}.items():
        ax.scatter(r.lon, r.lat, s=60, color="crimson" if code == focal else "black", zorder=3)
        ax.annotate(code, (r.lon, r.lat), xytext=(4, 4), textcoords="offset points", fontsize=8)
    ax.set_xlim(-130, 160)
    ax.set_ylim(-35, 75)
    ax.set_xticks([])
    ax.set_yticks([])


def draw_flow_arrows(ax: plt.Axes, pairs: pd.Series, focal: str, biggest: float, top: int = 20) -> None:
    """An arrow per (origin, destination) pair of ``pairs`` (movers) among the ``top``
    largest, width by movers relative to ``biggest``; the focal country's in red."""
    regions = {r.code: r for r in all_regions()}  # a store may hold either world
    scale = biggest if biggest > 0 else 1.0
    for (o, d), movers in pairs.sort_values(ascending=False).head(top).items():
        a, b = regions[o], regions[d]
        ax.annotate(
            "",
            xy=(b.lon, b.lat),
            xytext=(a.lon, a.lat),
            arrowprops={
                "arrowstyle": "-|>",
                "lw": 0.3 + 6 * movers / scale,
                "alpha": 0.6,
                "color": "crimson" if focal in (o, d) else "steelblue",
                "connectionstyle": "arc3,rad=0.15",
                "mutation_scale": 8,
            },
        )


PHD_DESTINATIONS = ("acad_perm", "acad_fixed", "industry", "government", "startup", "unemployed")


def phd_destinations(
    indicators: pd.DataFrame, runs: pd.DataFrame, country: str, years: tuple[int, int], path: Path
) -> Path:
    """Where the country's new PhDs go in their graduation year, by scenario (mean share
    over the years and runs); the part taking a post abroad is marked."""
    names = [f"phd_dest_{d}" for d in PHD_DESTINATIONS]
    ind = indicators[
        (indicators["country"] == country)
        & indicators["indicator"].isin([*names, "phd_dest_abroad"])
        & indicators["year"].between(*years)
    ].merge(runs[["run_id", "scenario"]], on="run_id")
    scale = REGISTRY["phd_dest_abroad"].scale  # shares drawn in per cent
    shares = ind.groupby(["scenario", "indicator"])["value"].mean().unstack() * scale.factor
    order = [s for s in dict.fromkeys(runs["scenario"]) if s in shares.index]
    shares = shares.reindex(order)
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(order) + 1.5))
    left = np.zeros(len(order))
    for name in names:
        if name in shares:
            # no graduate in the years (a coarse scale) is no share: an empty bar, not a gap in the axis
            width = shares[name].fillna(0).to_numpy()
            ax.barh(order, width, left=left, label=REGISTRY[name].label.removeprefix("New PhDs: "))
            left += width
    if "phd_dest_abroad" in shares:
        abroad = shares["phd_dest_abroad"].dropna()
        ax.scatter(abroad, list(abroad.index), marker="|", color="black", s=120, label="abroad")
    ax.invert_yaxis()
    ax.set_xlim(0, scale.factor)
    ax.set_xlabel(f"share of the year's new PhDs ({scale.axis})")
    ax.set_title(f"{country}: destinations of new PhDs in their graduation year, {years[0]}-{years[1]}", fontsize=10)
    ax.legend(fontsize=7, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.08))
    return save(fig, path)


def pareto(result: OptimiseResult, path: Path) -> Path:
    """The front of a search (``circsim optimise``): yearly cost on x, the paired effect
    against the baseline with its interval on y, the budget as a vertical line; filled
    where the effect is distinguishable from zero, hollow where not, a cross where it is
    not estimable (too few pairs)."""
    opt, front = result.optimisation, result.front
    ind = REGISTRY[opt.settings.outcome]
    scale = ind.scale
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    est = front[front["status"] == ESTIMABLE]
    mean, lo, hi = (est[c].to_numpy(dtype=float) * scale.factor for c in ("effect", "lo", "hi"))
    cost = est["yearly_cost_oku"].to_numpy(dtype=float)
    ax.errorbar(cost, mean, yerr=[mean - lo, hi - mean], fmt="none", ecolor="tab:blue", capsize=2)
    found = est["distinguishable"].to_numpy(dtype=bool)
    ax.scatter(cost, mean, s=20, zorder=3, color=np.where(found, "tab:blue", "white"), edgecolors="tab:blue")
    rest = front[front["status"] != ESTIMABLE]
    if not rest.empty:
        ax.scatter(rest["yearly_cost_oku"], rest["effect"] * scale.factor, marker="x", color="grey",
                   label="not estimable")  # fmt: skip
        ax.legend(fontsize=7)
    ax.axvline(opt.budget, color="tab:red", lw=1, ls="--")
    # 億円 written out: the figures' default font has no CJK glyphs
    ax.annotate(f"budget {opt.budget:g}", (opt.budget, 1), xycoords=("data", "axes fraction"),
                xytext=(-3, -10), textcoords="offset points", ha="right", fontsize=7, color="tab:red")  # fmt: skip
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("yearly cost, 100 million yen (most expensive year of the mean over runs)")
    ax.set_ylabel(f"effect on {ind.label.lower()} ({scale.change_axis})")
    ax.set_title(
        f"{opt.settings.country} {opt.year}: non-dominated packages vs {opt.settings.baseline} "
        f"(mean, paired {LEVEL:.0%} t-interval; hollow: not distinguishable from 0)",
        fontsize=8,
        wrap=True,
    )
    return save(fig, path, "circsim simulation (circsim optimise): the front re-simulated with fresh seeds")
