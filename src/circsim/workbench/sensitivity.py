"""Global sensitivity analysis of the headline outcomes to the uncertain parameters.

An experiment file whose design is ``morris`` or ``sobol`` is run with the batch runner;
each outcome (an indicator of a country in a year) is averaged over replicates at each
design point, and SALib's analysers give Morris elementary-effect statistics
(``mu_star``, ``sigma``) or first-order and total Sobol indices (``S1``, ``ST``) with
their confidence half-widths. With replicates, a Morris ``mu_star`` is set against its
**noise floor**, the ``mu_star`` that replicate noise alone would give (the expected
absolute difference of two independent point means over the Morris step, from the
pooled variance between replicates): an effect within :data:`NOISE_MARGIN` floors of it
cannot be told from chance. A few trajectories estimate ``mu_star`` roughly, so the call
is also made on the bounds of its bootstrap interval (:func:`verdict`): ``signal`` is
"beyond noise" when even the lower bound clears the margin, "within noise" when even the
upper bound does not, and "uncertain" otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..sim.indicators import HEADLINE
from .experiment import Experiment, build_scenario
from .store import ResultStore, atomic_write

#: mu* counts as signal beyond this many noise floors.
NOISE_MARGIN = 2.0


def noise_floor(sd_point_mean: np.ndarray | float, levels: int) -> np.ndarray | float:
    """The Morris ``mu_star`` of pure replicate noise: E|e1 - e2| of two independent point
    means (each with standard deviation ``sd_point_mean``) over the elementary step of a
    ``levels``-level grid (SALib's, as a share of the range)."""
    step = levels / (2 * (levels - 1))
    return 2 / np.sqrt(np.pi) * sd_point_mean / step


def verdict(low: np.ndarray | pd.Series, high: np.ndarray | pd.Series, threshold, yes: str, no: str) -> np.ndarray:
    """Three-way call of an estimate with an interval [low, high] against ``threshold``:
    ``yes`` when the whole interval reaches it, ``no`` when none of it does, "uncertain"
    when it straddles it (more runs would settle the call)."""
    low, high = np.asarray(low, float), np.asarray(high, float)
    return np.where(low >= threshold, yes, np.where(high < threshold, no, "uncertain"))


def verdict_counts(calls: pd.Series, yes: str, no: str) -> str:
    """How many of ``calls`` (as :func:`verdict` makes them) are each verdict, sure ones first."""
    counts = calls.value_counts()
    return ", ".join(f"{counts.get(v, 0)} {v}" for v in (yes, "uncertain", no))


def sd_of_point_means(values: pd.Series | pd.DataFrame, point: Any) -> Any:
    """Standard deviation of a design point's mean over its replicates, from the pooled
    variance between replicates (per column of a table); nan with one replicate per point."""
    by_point = values.groupby(point)
    return np.sqrt(by_point.var(ddof=1).mean() / by_point.size().mean())


def problem(exp: Experiment) -> dict:
    """The SALib problem of an experiment's (range) uncertainties."""
    unc = exp.spec.uncertainties
    return {"num_vars": len(unc), "names": list(unc), "bounds": [[u.low, u.high] for u in unc.values()]}


def indices(prob: dict, method: str, x: np.ndarray, y: np.ndarray, seed: int = 0, levels: int = 4) -> pd.DataFrame:
    """Sensitivity indices of one outcome ``y`` (one value per design point ``x``);
    ``levels`` is the Morris grid the design was drawn on (SALib scales the elementary
    effects by it, so it must be the sampler's)."""
    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(prob, x, y, num_levels=levels, seed=seed)
        return pd.DataFrame({"parameter": prob["names"], "mu_star": res["mu_star"], "mu_star_conf":
                             res["mu_star_conf"], "sigma": res["sigma"]})  # fmt: skip
    from SALib.analyze import sobol

    res = sobol.analyze(prob, y, calc_second_order=False, seed=seed)
    return pd.DataFrame({"parameter": prob["names"], "S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                         "ST_conf": res["ST_conf"]})  # fmt: skip


def require_screening_design(exp: Experiment) -> str:
    """The experiment's design method, which must be morris or sobol."""
    method = exp.spec.design.method
    if method not in ("morris", "sobol"):
        raise InputError(
            "sensitivity analysis needs a morris or sobol design",
            source=str(exp.path),
            key="design.method",
            value=method,
            allowed="morris, sobol",
        )
    return method


def analyse(
    exp: Experiment, store: ResultStore, country: str | None = None, outcomes: list[str] | None = None
) -> pd.DataFrame:
    """Indices of every outcome for the first scenario of the experiment."""
    method = require_screening_design(exp)
    scenario = exp.scenario_names[0]
    country = country or build_scenario(exp.runs[0]).model.focal_country
    runs = store.runs()
    runs = runs[(runs["scenario"] == scenario) & (runs["status"] == "done")]
    if runs["point"].nunique() < len(exp.points):
        raise InputError(
            "not every design point has a finished run",
            source=str(store.path),
            allowed="a complete batch (resume it first)",
        )
    ind = store.indicators()
    end = int(ind["year"].max())
    ind = ind[(ind["country"] == country) & (ind["year"] == end) & ind["run_id"].isin(runs["run_id"])]
    ind = ind.merge(runs[["run_id", "point"]], on="run_id")
    x = np.array([[p[n] for n in exp.spec.uncertainties] for p in exp.points])
    prob = problem(exp)
    tables = []
    for name in outcomes or [h for h in HEADLINE if h != "lever_cost_yen"]:  # no lever acts in a screening
        rows = ind[ind["indicator"] == name]
        y = rows.groupby("point")["value"].mean().reindex(range(len(exp.points)))
        if y.isna().any():
            continue  # undefined somewhere (e.g. a share with an empty denominator)
        table = indices(prob, method, x, y.to_numpy(float), exp.spec.seed, exp.spec.design.levels)
        if method == "morris":
            floor = noise_floor(sd_of_point_means(rows["value"], rows["point"]), exp.spec.design.levels)
            margin = NOISE_MARGIN * floor
            signal = verdict(table["mu_star"] - table["mu_star_conf"], table["mu_star"] + table["mu_star_conf"],
                             margin, "beyond noise", "within noise")  # fmt: skip
            table = table.assign(noise_floor=floor, beyond_noise=table["mu_star"] > margin, signal=signal)
        tables.append(table.assign(outcome=f"{name} ({country}, {end})"))
    return pd.concat(tables, ignore_index=True)[["outcome", *tables[0].columns.drop("outcome")]]


def write_sensitivity(table: pd.DataFrame, method: str, out: Path) -> Path:
    """sensitivity.csv and a heat-map figure (mu_star or ST, normalised per outcome)."""
    from .figures import plt, save

    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "sensitivity.csv", lambda p: table.to_csv(p, index=False, float_format="%.6g"))
    col = "mu_star" if method == "morris" else "ST"
    grid = table.pivot(index="outcome", columns="parameter", values=col)
    norm = grid.div(grid.abs().max(axis=1).replace(0, 1), axis=0)
    noise_note = ""
    if "beyond_noise" in table and table["noise_floor"].notna().any():
        # an effect chance alone could give is left blank rather than coloured as signal
        signal = table.pivot(index="outcome", columns="parameter", values="beyond_noise").astype(bool)
        norm = norm.where(signal)
        noise_note = f"; blank: within {NOISE_MARGIN:g} noise floors"
    fig, ax = plt.subplots(figsize=(1.2 * grid.shape[1] + 4, 0.35 * grid.shape[0] + 1.5))
    im = ax.imshow(norm.to_numpy(float), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=30, ha="right", fontsize=7)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=7)
    if "signal" in table:
        # a call the interval of mu* cannot settle is marked, not left to the colour alone
        calls = table.pivot(index="outcome", columns="parameter", values="signal").reindex_like(grid)
        shade = norm.to_numpy(float)
        for i, j in zip(*np.nonzero(calls.to_numpy() == "uncertain"), strict=True):
            ax.text(j, i, "?", ha="center", va="center", fontsize=8, color="black" if shade[i, j] > 0.6 else "white")
        noise_note += "; ?: uncertain"
    fig.colorbar(im, ax=ax, label=f"{col} relative to the largest per outcome")
    ax.set_title(f"{'Morris' if method == 'morris' else 'Sobol'} sensitivity of the outcomes{noise_note}", fontsize=10)
    note = "circsim simulation (circsim sensitivity): indices over the runs of a result store"
    return save(fig, out / "sensitivity.png", note)
