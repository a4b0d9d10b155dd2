"""Scenario discovery: under which assumptions does an outcome cross a threshold?

The cases are a result store's finished runs (design points x replicates, of one
scenario or several); the inputs X are each run's uncertainty values (and the scenario,
as a category, where several are analysed); the outcome is an indicator of a country in
a year, or its paired effect against the baseline (the baseline run at the same design
point and replicate, i.e. the same seed). A run is a *case of interest* when its outcome
is at or above the threshold (at or below with ``below``).

EMA Workbench's PRIM (Friedman and Fisher 1999, as adapted to scenario discovery by
Bryant and Lempert 2010) then finds boxes, ranges of a few uncertainties, where the cases
of interest concentrate; each box is described by its **coverage** (the share of the cases
of interest inside it) and **density** (the share of the runs inside it that are cases of
interest), and each restriction by its quasi-p value (a one-sided binomial test: could it
be chance?). On each box's peeling trajectory the box kept is the densest one that still
covers at least ``min_coverage`` of the cases of interest not yet explained by an earlier
box; boxes are sought until ``max_boxes``, until no case of interest is left, or until a
box is no denser than the runs it was sought among; a restriction whose quasi-p values
all exceed 0.05 is dropped from its box. CART (scikit-learn's decision tree, through EMA
Workbench) is run beside it: its leaves where cases of interest are more frequent than
over all runs beyond chance (a one-sided binomial test, p < 0.05) are a second,
independent description. Every box gets that binomial p-value; a CART leaf's is nominal
(the tree chose the leaf from the same runs), which the report says.

EMA Workbench is an optional extra (``pip install 'circsim[discover]'``); it is imported
only here, when an analysis runs.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, ResourceError
from ..sim.indicators import REGISTRY
from .ema import cases, experiments_frame, outcome_arrays, uncertainty_names
from .store import ResultStore, atomic_write, atomic_write_text

#: Fewest runs worth a discovery (PRIM peels 5% of them a step).
MIN_RUNS = 10
#: Smallest share of the runs in a box or a CART leaf (EMA Workbench's default).
MASS_MIN = 0.05
#: A PRIM restriction whose quasi-p values are all above this, or a CART leaf whose binomial
#: p-value is, could be chance: it is dropped.
SIGNIFICANCE = 0.05
#: How to install the optional dependency, as the error line says it.
INSTALL = "pip install 'circsim[discover]' (in a checkout: .venv/bin/pip install -e '.[discover]')"


def ema_analysis(name: str) -> ModuleType:
    """A module of ``ema_workbench.analysis`` (``prim``, ``cart``); ResourceError, with
    the install command, if EMA Workbench is not installed."""
    try:
        with warnings.catch_warnings():  # it warns at import about its own optional extras
            warnings.simplefilter("ignore")
            return importlib.import_module(f"ema_workbench.analysis.{name}")
    except ImportError:
        raise ResourceError(
            f"scenario discovery needs EMA Workbench, an optional extra; install it with {INSTALL}"
        ) from None


@dataclass(frozen=True)
class Question:
    """What is asked of the store: which runs are cases of interest."""

    outcome: str
    threshold: float
    below: bool = False
    country: str = "JP"
    year: int | None = None  # default: the last recorded year
    scenario: str | None = None  # default: every scenario (the effect: every one but the baseline)
    effect: bool = False
    baseline: str = "baseline"

    def subject(self, year: int) -> str:
        """The outcome in words, e.g. ``the effect of combined against baseline on Researchers (JP, 2040)``."""
        what = f"{REGISTRY[self.outcome].label} ({self.country}, {year})"
        if self.effect:
            return f"the effect of {self.scenario or 'each scenario'} against {self.baseline} on {what}"
        return f"{what} under {self.scenario}" if self.scenario else what

    def bound(self) -> str:
        """The threshold in words, e.g. ``at least 1,050``."""
        ind = REGISTRY[self.outcome]
        value = ind.format_change(self.threshold) if self.effect else ind.format(self.threshold)
        return f"{'at most' if self.below else 'at least'} {value}"

    def condition(self, year: int) -> str:
        """The condition a case of interest meets, in words."""
        return f"{self.subject(year)} is {self.bound()}"

    def title(self, year: int) -> str:
        """The question as a heading."""
        if self.effect and self.below and self.threshold == 0:
            label = REGISTRY[self.outcome].label
            who = self.scenario or "a scenario"
            return f"Under which assumptions does {who} fail to raise {label} ({self.country}, {year})?"
        return f"Under which assumptions is {self.subject(year)} {self.bound()}?"


@dataclass
class Cases:
    """The runs analysed: their inputs, outcome values and which are cases of interest."""

    x: pd.DataFrame
    values: np.ndarray
    interest: np.ndarray
    year: int
    runs: pd.DataFrame  # run_id, scenario, point, replicate of each case


def outcome_cases(store: ResultStore, q: Question) -> Cases:
    """The cases of ``q`` from ``store`` (InputError naming the store, key and allowed values
    for a name it does not have, a store without uncertainties, or too few runs)."""
    source = str(store.path)
    if q.outcome not in REGISTRY:
        raise InputError("unknown indicator", key="outcome", value=q.outcome, allowed=", ".join(REGISTRY))
    if q.effect and q.scenario == q.baseline:
        raise InputError(
            "the effect of the baseline against itself is zero", key="scenario", value=q.scenario,
            allowed="another scenario of the store",
        )  # fmt: skip
    names = uncertainty_names(store)
    if not names:
        raise InputError(
            "the store's experiment samples no uncertainty: there is nothing to discover over",
            source=source,
            allowed="a store of an experiment with [uncertainties] and a design, e.g. scenarios/discover.toml",
        )
    runs = cases(store, [q.scenario] if q.scenario else None)
    if q.effect:
        runs = runs[runs["scenario"] != q.baseline].reset_index(drop=True)
        base = cases(store, [q.baseline])
        if runs.empty:
            raise InputError(
                "has no finished run besides the baseline's", source=source, key="baseline", value=q.baseline,
                allowed="a store with a scenario to compare with the baseline",
            )  # fmt: skip
    outcome = outcome_arrays(store, runs["run_id"], q.country, [q.outcome])
    years = [int(y) for y in outcome["TIME"][0]]
    year = years[-1] if q.year is None else q.year
    if year not in years:
        allowed = f"{years[0]}-{years[-1]} (recorded years)"
        raise InputError("year not recorded in this store", source=source, key="year", value=year, allowed=allowed)
    values = outcome[q.outcome][:, years.index(year)]
    if q.effect:
        base_values = outcome_arrays(store, base["run_id"], q.country, [q.outcome])[q.outcome][:, years.index(year)]
        paired = runs.merge(base.assign(base_value=base_values), on=["point", "replicate"], how="left")
        values = values - paired["base_value"].to_numpy()
    keep = ~np.isnan(values)  # a run without a kept value or without its baseline pair
    runs, values = runs[keep].reset_index(drop=True), values[keep]
    if len(runs) < MIN_RUNS:
        raise InputError(
            f"only {len(runs)} runs to analyse", source=source, key="scenario", value=q.scenario,
            allowed=f"a store with at least {MIN_RUNS} finished runs of the scenarios analysed (more design points)",
        )  # fmt: skip
    interest = values <= q.threshold if q.below else values >= q.threshold
    if interest.all() or not interest.any():
        ind = REGISTRY[q.outcome]
        write = ind.format_change if q.effect else ind.format
        # the threshold is typed in the indicator's own units (a share as 0.05): both where they differ
        low, high = (
            write(v) if ind.scale.factor == 1 else f"{v:.4g} ({write(v)})" for v in (values.min(), values.max())
        )
        raise InputError(
            f"{'every' if interest.all() else 'no'} run meets the condition: nothing to discover",
            source=source,
            key="threshold",
            value=q.threshold,
            allowed=f"a threshold between the outcome's lowest and highest values, {low} and {high}",
        )
    x = experiments_frame(runs, names)
    x = x.drop(columns=["scenario", "model"] if runs["scenario"].nunique() > 1 else ["scenario", "policy", "model"])
    return Cases(x, values, interest, int(year), runs[["run_id", "scenario", "point", "replicate"]])


@dataclass
class Discovery:
    """The boxes found: their statistics, their limits and PRIM's peeling trajectories."""

    boxes: pd.DataFrame  # BOX_COLUMNS: a row per PRIM box and CART leaf kept
    limits: pd.DataFrame  # LIMIT_COLUMNS: a row per restriction of a box
    trajectory: pd.DataFrame  # box, step, coverage, density, mass, restricted, kept
    base_rate: float
    prim_box: Any = None  # EMA Workbench's first PrimBox, at the box kept (for its own figure)


LIMIT_COLUMNS = [
    "method",
    "box",
    "uncertainty",
    "low",
    "high",
    "values",
    "qp_low",
    "qp_high",
    "range_low",
    "range_high",
]
TRAJECTORY_COLUMNS = ["box", "step", "coverage", "density", "mass", "restricted", "kept"]
BOX_COLUMNS = ["method", "box", "coverage", "density", "mass", "runs", "cases", "restricted", "p_value", "rule"]


def _limit_rows(method: str, box: int, lims: pd.DataFrame, init: pd.DataFrame, qp: dict[str, list]) -> list[dict]:
    """One row per restricted uncertainty of a box (lims and init: EMA's 2-row min/max frames)."""
    rows = []
    for name in lims.columns:
        low, high = lims[name].iloc[0], lims[name].iloc[1]
        if isinstance(low, set):  # a category: the box keeps a subset of its values
            if low == init[name].iloc[0]:
                continue
            rows.append({"method": method, "box": box, "uncertainty": name, "values": ", ".join(sorted(map(str, low)))})
            continue
        lo_cut, hi_cut = bool(low > init[name].iloc[0]), bool(high < init[name].iloc[1])
        if not (lo_cut or hi_cut):
            continue
        q_low, q_high = qp.get(name, [np.nan, np.nan])
        rows.append({
            "method": method, "box": box, "uncertainty": name,
            "low": float(low) if lo_cut else np.nan, "high": float(high) if hi_cut else np.nan,
            "qp_low": q_low if lo_cut and q_low >= 0 else np.nan,
            "qp_high": q_high if hi_cut and q_high >= 0 else np.nan,
            "range_low": float(init[name].iloc[0]), "range_high": float(init[name].iloc[1]),
        })  # fmt: skip
    return rows


def rule(limits: pd.DataFrame) -> str:
    """A box's restrictions in words, e.g. ``return_logit_base <= -3.9 and utility_move_cost >= 3.1``."""
    parts = []
    for r in limits.itertuples():
        if isinstance(r.values, str):
            parts.append(f"{r.uncertainty} in {{{r.values}}}")
        elif np.isnan(r.low):
            parts.append(f"{r.uncertainty} <= {r.high:.4g}")
        elif np.isnan(r.high):
            parts.append(f"{r.uncertainty} >= {r.low:.4g}")
        else:
            parts.append(f"{r.low:.4g} <= {r.uncertainty} <= {r.high:.4g}")
    return " and ".join(parts) or "(no restriction)"


def _box_row(method: str, box: int, stats: dict[str, float], c: Cases, limits: list[dict]) -> dict:
    """A box's line of boxes.csv, with ``p_value``: the one-sided binomial test of its
    density against the share of cases of interest over all runs (could it be chance?)."""
    from scipy.stats import binomtest

    runs = round(stats["mass"] * len(c.interest))
    cases = round(stats["coverage"] * c.interest.sum())
    return {
        "method": method, "box": box, "coverage": float(stats["coverage"]), "density": float(stats["density"]),
        "mass": float(stats["mass"]), "runs": runs, "cases": cases, "restricted": len(limits),
        "p_value": binomtest(cases, runs, c.interest.mean(), alternative="greater").pvalue,
        "rule": rule(pd.DataFrame(limits, columns=LIMIT_COLUMNS)),
    }  # fmt: skip


def _drop_chance_restrictions(box: Any, i: int) -> int:
    """Drop the selected box's restrictions that could be chance (every quasi-p value of
    the restriction above :data:`SIGNIFICANCE`), as Bryant and Lempert (2010) advise; EMA
    Workbench adds the box without them to the trajectory. Returns the box's index there."""
    dropped = False
    for name, qp in list(box.p_values[i].items()):
        if all(v > SIGNIFICANCE or v < 0 for v in qp):  # -1: that side is not restricted
            box.drop_restriction(name)
            dropped = True
    return len(box.peeling_trajectory) - 1 if dropped else i


def run_prim(c: Cases, min_coverage: float, max_boxes: int) -> tuple[list[dict], list[dict], pd.DataFrame, Any]:
    """PRIM's boxes (see the module docstring for which are kept): box rows, limit rows,
    the peeling trajectory of every box sought, and the first box kept as EMA Workbench's
    PrimBox (None if none is)."""
    prim = ema_analysis("prim")
    alg = prim.Prim(c.x, c.interest.copy(), mass_min=MASS_MIN)
    explained = np.zeros(len(c.interest), dtype=bool)
    boxes, limits, trajectories, first = [], [], [], None
    for k in range(1, max_boxes + 1):
        remaining = c.interest[~explained]
        if not remaining.any():
            break
        box = alg.find_box()
        traj = box.peeling_trajectory
        share = traj["k"] / traj["k"].iloc[0]  # coverage of the cases of interest not yet explained
        i = int(traj["density"].where(share >= min_coverage - 1e-12).idxmax())
        box.select(i)
        i = _drop_chance_restrictions(box, i)
        traj = box.peeling_trajectory
        kept = traj["res_dim"].iloc[i] > 0 and traj["density"].iloc[i] > remaining.mean()
        trajectories.append(
            traj.assign(box=k, step=traj.index, restricted=traj["res_dim"], kept=kept & (traj.index == i))
        )
        if not kept:
            break  # no denser than the runs it was sought among
        lims = _limit_rows("prim", k, box.box_lims[i], alg.box_init, box.p_values[i])
        boxes.append(_box_row("prim", k, traj.iloc[i].to_dict(), c, lims))
        limits += lims
        explained[box.yi] = True
        if first is None:
            first = box
    return boxes, limits, pd.concat(trajectories, ignore_index=True)[TRAJECTORY_COLUMNS], first


def run_cart(c: Cases) -> tuple[list[dict], list[dict]]:
    """CART's leaves where cases of interest are more frequent than over all runs, beyond
    chance (binomial p-value below :data:`SIGNIFICANCE`)."""
    cart = ema_analysis("cart")
    n = len(c.interest)
    # CART keeps int(mass_min * n) runs a leaf: at least one
    mass_min = (max(int(np.ceil(MASS_MIN * n)), 1) + 0.5) / n
    alg = cart.CART(c.x, c.interest, mass_min=mass_min)
    alg.build_tree()
    init = alg.boxes[0].copy()
    for name in c.x.columns:  # the full data range, as PRIM's initial box
        col = c.x[name]
        init[name] = [set(col), set(col)] if isinstance(col.dtype, pd.CategoricalDtype) else [col.min(), col.max()]
    leaves = sorted(zip(alg.boxes, alg.stats, strict=True), key=lambda bs: -bs[1]["density"])
    boxes, limits = [], []
    for lims, stats in leaves:
        k = len(boxes) + 1
        rows = _limit_rows("cart", k, lims, init, {})
        row = _box_row("cart", k, stats, c, rows)
        if row["p_value"] < SIGNIFICANCE:
            boxes.append(row)
            limits += rows
    return boxes, limits


def discover(c: Cases, min_coverage: float = 0.5, max_boxes: int = 3) -> Discovery:
    """PRIM's boxes and CART's leaves for the cases ``c``."""
    prim_boxes, prim_limits, trajectory, first = run_prim(c, min_coverage, max_boxes)
    cart_boxes, cart_limits = run_cart(c)
    return Discovery(
        boxes=pd.DataFrame(prim_boxes + cart_boxes, columns=BOX_COLUMNS),
        limits=pd.DataFrame(prim_limits + cart_limits, columns=LIMIT_COLUMNS),
        trajectory=trajectory,
        base_rate=float(c.interest.mean()),
        prim_box=first,
    )


# --- outputs ----------------------------------------------------------------------------


def _percent(x: float) -> str:
    return f"{100 * x:.0f}%"


def _range_text(r: Any) -> str:
    """A restriction's range inside the box, against the full range of the runs."""
    if isinstance(r.values, str):
        return f"{{{r.values}}}"
    low = f"{r.low:.4g}" if not np.isnan(r.low) else f"({r.range_low:.4g})"
    high = f"{r.high:.4g}" if not np.isnan(r.high) else f"({r.range_high:.4g})"
    return f"{low} to {high}"


def _quasi_p(r: Any) -> str:
    given = [f"{v:.2g}" for v in (r.qp_low, r.qp_high) if isinstance(v, float) and not np.isnan(v)]
    return ", ".join(given) or "-"


def _table(boxes: pd.DataFrame, limits: pd.DataFrame, method: str) -> list[str]:
    """Markdown: a method's boxes, then their restrictions."""
    b = boxes[boxes["method"] == method]
    if b.empty:
        return ["None found."]
    view = pd.DataFrame({
        "box": b["box"], "restrictions": b["rule"], "coverage": b["coverage"].map(_percent),
        "density": b["density"].map(_percent), "runs": b["runs"], "cases of interest": b["cases"],
        "p-value": b["p_value"].map(lambda v: f"{v:.2g}"),
    })  # fmt: skip
    lim = limits[limits["method"] == method]
    detail = pd.DataFrame({
        "box": lim["box"], "uncertainty": lim["uncertainty"],
        "in the box": [_range_text(r) for r in lim.itertuples()],
        "all runs": [f"{r.range_low:.4g} to {r.range_high:.4g}" if isinstance(r.values, float) else "-"
                     for r in lim.itertuples()],
        "quasi-p": [_quasi_p(r) for r in lim.itertuples()],
    })  # fmt: skip
    return [view.to_markdown(index=False), "", detail.to_markdown(index=False)]


def _answer(q: Question, c: Cases, d: Discovery) -> str:
    """The question's answer in a paragraph, from PRIM's boxes."""
    prim = d.boxes[d.boxes["method"] == "prim"]
    if prim.empty:
        return (
            "PRIM finds no box of uncertainty ranges where these runs are denser than over all runs: within this "
            "design the condition does not follow from a few of the uncertainties (it is spread over them, or it "
            "comes from the model's randomness between replicates). CART's leaves below are a second look."
        )
    first = prim.iloc[0]
    text = (
        f"Mostly where **{first['rule']}**: of the {first['runs']} runs in that box, {_percent(first['density'])} "
        f"meet the condition (density; {_percent(d.base_rate)} of all runs do), and the box holds "
        f"{_percent(first['coverage'])} of the runs that meet it (coverage)."
    )
    for box in prim.iloc[1:].itertuples():
        text += (
            f" A further box, {box.rule}, holds another {_percent(box.coverage)} of them "
            f"(density {_percent(box.density)})."
        )
    return text


def write_discovery(store: ResultStore, q: Question, c: Cases, d: Discovery, out: Path) -> list[Path]:
    """Write boxes.csv, limits.csv, trajectory.csv, discover.md, discover.png and (where PRIM
    kept a box) EMA Workbench's own box figure, prim-box.png; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in (("boxes", d.boxes), ("limits", d.limits), ("trajectory", d.trajectory)):
        paths.append(out / f"{name}.csv")
        atomic_write(paths[-1], lambda p, t=table: t.to_csv(p, index=False, float_format="%.6g"))
    scenarios = ", ".join(dict.fromkeys(c.runs["scenario"]))
    lines = [
        f"## {q.title(c.year)}",
        "",
        f"Store `{store.path}`: {len(c.runs)} runs of {scenarios} ({c.runs['point'].nunique()} design points; "
        f"replicates are separate cases). A run is a case of interest when {q.condition(c.year)}: "
        f"{int(c.interest.sum())} of {len(c.runs)} runs ({_percent(d.base_rate)}). The inputs are the runs' "
        f"uncertainty values ({', '.join(c.x.columns)}).",
        "",
        f"**Answer.** {_answer(q, c, d)}",
        "",
        "Coverage is the share of the cases of interest inside a box, density the share of the runs inside it "
        "that are cases of interest; the p-value tests that density against the share over all runs (one-sided "
        "binomial), the quasi-p value of a restriction whether it could be chance (Bryant and Lempert 2010; "
        "PRIM's restrictions above 0.05 are dropped). The boxes describe these runs, over the ranges this "
        "experiment sampled: more design points firm them up.",
        "",
        "### PRIM boxes",
        "",
        *_table(d.boxes, d.limits, "prim"),
        "",
        "### CART leaves where cases of interest are more frequent than overall (p < 0.05)",
        "",
        "CART chose these leaves from the same runs whose density their p-values test, so the p-values are "
        "nominal and optimistic (a leaf of a few runs that are all cases turns up somewhere by chance): read "
        "the leaves as hypotheses to check on more runs, and PRIM's quasi-p values as the stricter test.",
        "",
        *_table(d.boxes, d.limits, "cart"),
        "",
        "Files: `boxes.csv`, `limits.csv`, `trajectory.csv` (PRIM's peeling trajectories), `discover.png`"
        + (", `prim-box.png` (EMA Workbench's view of the first box)" if d.prim_box is not None else "")
        + ".",
        "",
    ]
    paths.append(out / "discover.md")
    atomic_write_text(paths[-1], "\n".join(lines))
    paths.append(figure(q, c, d, out / "discover.png"))
    if d.prim_box is not None:
        paths.append(prim_box_figure(d, out / "prim-box.png"))
    return paths


def _most_restricted(d: Discovery) -> list[str]:
    """The numeric uncertainties PRIM's first box restricts, the narrowest (relative to
    the runs' range) first."""
    lim = d.limits[(d.limits["method"] == "prim") & (d.limits["box"] == 1) & d.limits["values"].isna()]
    width = (lim["high"].fillna(lim["range_high"]) - lim["low"].fillna(lim["range_low"])) / (
        lim["range_high"] - lim["range_low"]
    )
    return list(lim.assign(width=width).sort_values("width")["uncertainty"])


def figure(q: Question, c: Cases, d: Discovery, path: Path) -> Path:
    """Left: the first box's peeling trajectory (coverage against density) with the box
    kept; right: the runs on the two uncertainties that box restricts most, cases of
    interest in colour, with the box (one restricted uncertainty: against the outcome)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from .figures import save

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6))
    t = d.trajectory[d.trajectory["box"] == 1]
    dots = left.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=16)
    kept = t[t["kept"]]
    left.scatter(kept["coverage"], kept["density"], s=140, facecolors="none", edgecolors="red", label="box kept")
    left.axhline(d.base_rate, color="grey", lw=0.8, ls=":", label="share of all runs")
    bar = fig.colorbar(dots, ax=left, label="uncertainties restricted")
    bar.set_ticks(sorted(t["restricted"].unique()))
    left.set(xlabel="coverage", ylabel="density", xlim=(0, 1.05), ylim=(0, 1.05), title="PRIM: peeling trajectory")
    left.legend(loc="lower left", fontsize=8)
    dims = _most_restricted(d) or [next(n for n in c.x.columns if pd.api.types.is_numeric_dtype(c.x[n]))]
    lim = d.limits[(d.limits["method"] == "prim") & (d.limits["box"] == 1)].set_index("uncertainty")
    colours = np.where(c.interest, "tab:red", "tab:blue")
    first = c.x[dims[0]].to_numpy(float)
    if len(dims) >= 2:
        right.scatter(first, c.x[dims[1]].to_numpy(float), c=colours, s=14)
        right.set(xlabel=dims[0], ylabel=dims[1])
        (x0, x1), (y0, y1) = (_bounds(lim, n, c.x[n]) for n in dims[:2])
        right.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="black", lw=1.2))
    else:
        right.scatter(first, c.values, c=colours, s=14)
        right.axhline(q.threshold, color="grey", lw=0.8, ls=":")
        right.set(xlabel=dims[0], ylabel=("effect on " if q.effect else "") + REGISTRY[q.outcome].label)
        if dims[0] in lim.index:
            right.axvspan(*_bounds(lim, dims[0], c.x[dims[0]]), color="black", alpha=0.08)
    right.set_title(f"runs: red where {'at most' if q.below else 'at least'} the threshold; box in black", fontsize=9)
    fig.suptitle(q.title(c.year), fontsize=10)
    return save(fig, path, note="circsim scenario discovery (EMA Workbench's PRIM) on the runs of a result store")


def _bounds(lim: pd.DataFrame, name: str, column: pd.Series) -> tuple[float, float]:
    """A restricted uncertainty's range in the box (its side left open: the runs' range)."""
    if name not in lim.index:
        return float(column.min()), float(column.max())
    row = lim.loc[name]
    return (
        float(column.min()) if np.isnan(row["low"]) else float(row["low"]),
        float(column.max()) if np.isnan(row["high"]) else float(row["high"]),
    )


def prim_box_figure(d: Discovery, path: Path) -> Path:
    """EMA Workbench's figure of the first box kept: each restriction within the runs' range,
    with its quasi-p value, coverage and density."""
    import matplotlib.pyplot as plt

    fig = d.prim_box.inspect(style="graph")[0]
    fig.set_size_inches(8, 1.6 + 0.6 * int(d.boxes.iloc[0]["restricted"]))
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
