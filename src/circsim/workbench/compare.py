"""Compare policy packages in a result store: paired effects against the baseline.

For each scenario and each indicator of one country, the effect in a year is the
difference from the baseline run with the same design point and replicate (the same
seed: common random numbers), averaged over all such pairs. Its 95% interval is a
Student-t interval on the paired differences (pairs are the design points x replicates,
i.e. draws over the uncertainties and the model's randomness). The unpaired (Welch)
interval from the same runs is reported beside it to show what pairing buys.
Cost-effectiveness is the effect per 100 億円 (1e10 yen) of cumulative lever cost up to
that year. Ranking robustness: the share of design points at which each scenario keeps
the rank it has on average.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError
from ..sim.indicators import REGISTRY, names
from .store import ResultStore

YEN_PER_100_OKU = 1e10


@dataclass
class Comparison:
    """Effects of every scenario against the baseline, ready for tables and figures."""

    effects: pd.DataFrame  # scenario, indicator, period, n, baseline, mean, lo, hi, lo_unpaired, hi_unpaired, ...
    ranking: pd.DataFrame  # indicator, period, scenario, rank, rank_stability
    values: pd.DataFrame  # run-level values: run_id, scenario, point, replicate, year, indicator, value
    baseline: str
    country: str
    years: list[int]


def t_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval of a sample (nan bounds for fewer than 2 values)."""
    x = np.asarray(x, dtype=float)
    mean = float(x.mean()) if x.size else float("nan")
    if x.size < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    return mean, mean - half, mean + half


def welch_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Unpaired (Welch) interval for mean(a) - mean(b)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 2 or b.size < 2:
        return float("nan"), float("nan")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = np.sqrt(va + vb)
    if se == 0:
        d = a.mean() - b.mean()
        return float(d), float(d)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * se
    d = a.mean() - b.mean()
    return float(d - half), float(d + half)


def finished_indicators(store: ResultStore) -> pd.DataFrame:
    """The store's indicators table; a store with no finished run is an input error."""
    ind = store.indicators()
    if ind.empty:
        raise InputError("holds no finished run", source=str(store.path), allowed="a store with finished runs")
    return ind


def _by_run(vals: pd.DataFrame) -> pd.DataFrame:
    """Run values as a (scenario, point, replicate) x (indicator, period) table."""
    return vals.pivot_table(index=["scenario", "point", "replicate"], columns=["indicator", "period"], values="value")


def run_values(store: ResultStore, country: str, indicators: list[str], years: list[int]) -> pd.DataFrame:
    """Per-run values of the indicators for the country: in each chosen year, and
    ``cumulative`` (sum over all recorded years) for per-year indicators."""
    ind = finished_indicators(store)
    years_seen = sorted(ind["year"].unique())
    for label, key, wanted, seen, allowed in (
        ("indicator", "indicators", indicators, sorted(ind["indicator"].unique()), None),
        ("country", "country", [country], sorted(ind["country"].unique()), None),
        ("year", "years", years, years_seen, f"{years_seen[0]}-{years_seen[-1]} (recorded years)"),
    ):
        missing = [w for w in wanted if w not in set(seen)]
        if missing:
            raise InputError(
                f"{label} not recorded in this store",
                source=str(store.path),
                key=key,
                value=missing[0],
                allowed=allowed or ", ".join(map(str, seen)),
            )
    ind = ind[(ind["country"] == country) & ind["indicator"].isin([*indicators, "lever_cost_cum_yen"])]
    at_years = ind[ind["year"].isin(years)].assign(period=lambda d: d["year"].astype(str))
    per_year = [i for i in indicators if REGISTRY[i].per_year]
    cum = (
        ind[ind["indicator"].isin(per_year)]
        .groupby(["run_id", "indicator"], as_index=False)["value"]
        .sum()
        .assign(period="cumulative")
    )
    cost_total = (
        ind[ind["indicator"] == "lever_cost_cum_yen"]
        .sort_values("year")
        .groupby("run_id")
        .tail(1)
        .assign(period="cumulative")
    )
    vals = pd.concat(
        [
            at_years[["run_id", "indicator", "period", "value"]],
            cum,
            cost_total[["run_id", "indicator", "period", "value"]],
        ],
        ignore_index=True,
    )
    runs = store.runs()
    runs = runs[runs["status"] == "done"][["run_id", "scenario", "point", "replicate"]]
    return vals.merge(runs, on="run_id")


def compare(
    store: ResultStore,
    baseline: str = "baseline",
    country: str = "JP",
    years: list[int] | None = None,
    indicators: list[str] | None = None,
) -> Comparison:
    """Paired effects of every scenario in ``store`` against ``baseline``."""
    finished_indicators(store)
    runs = store.runs()
    done = runs[runs["status"] == "done"]
    scenarios = list(dict.fromkeys(done["scenario"]))  # scenarios with at least one finished run
    if baseline not in scenarios:
        raise InputError(
            "no finished run of this scenario in the store",
            source=str(store.path),
            key="baseline",
            value=baseline,
            allowed=", ".join(scenarios),
        )
    years = sorted(years) if years else [int(store.indicators()["year"].max())]
    indicators = indicators or [i for i in names(compared=True) if i in set(store.indicators()["indicator"].unique())]
    vals = run_values(store, country, indicators, years)
    wide = _by_run(vals)
    base = wide.xs(baseline, level="scenario")
    rows = [r for scen in scenarios if scen != baseline for r in _effects(wide.xs(scen, level="scenario"), base, scen)]
    effects = pd.DataFrame(rows)
    if effects.empty:
        raise InputError(
            "has no scenario besides the baseline",
            source=str(store.path),
            key="baseline",
            value=baseline,
            allowed="a store with at least two scenarios",
        )
    return Comparison(effects, ranking(wide, baseline, effects), vals, baseline, country, years)


def _effects(other: pd.DataFrame, base: pd.DataFrame, scen: str) -> list[dict]:
    """Effect rows of one scenario: ``other`` minus ``base`` paired on (point, replicate),
    for every (indicator, period) column."""
    paired = other.index.intersection(base.index)  # the same design point and replicate: the same seed
    rows = []
    for ind_name, period in other.columns:
        if ind_name == "lever_cost_cum_yen" or (ind_name, period) not in base:
            continue
        a = other.loc[paired, (ind_name, period)].to_numpy()
        b = base.loc[paired, (ind_name, period)].to_numpy()
        ok = ~(np.isnan(a) | np.isnan(b))
        mean, lo, hi = t_interval(a[ok] - b[ok])
        ulo, uhi = welch_interval(a[ok], b[ok])
        cost_col = ("lever_cost_cum_yen", period)
        cost = float(other.loc[paired, cost_col].mean()) if cost_col in other else float("nan")
        per = mean / (cost / YEN_PER_100_OKU) if cost and cost > 0 else float("nan")
        rows.append(
            {
                "scenario": scen,
                "indicator": ind_name,
                "period": period,
                "n_pairs": int(ok.sum()),
                "baseline": float(np.mean(b[ok])) if ok.any() else float("nan"),
                "mean": mean,
                "lo": lo,
                "hi": hi,
                "lo_unpaired": ulo,
                "hi_unpaired": uhi,
                "cost_yen": cost,
                "per_100_oku": per,
            }
        )
    return rows


def compare_stores(
    store: ResultStore,
    reference: ResultStore,
    country: str = "JP",
    years: list[int] | None = None,
    indicators: list[str] | None = None,
) -> Comparison:
    """Each scenario of ``store`` against the same scenario of ``reference`` (e.g. after
    and before a model change), paired on design point and replicate: with the same
    experiment file the runs have the same seeds."""
    for st in (store, reference):
        finished_indicators(st)
    years = sorted(years) if years else [int(store.indicators()["year"].max())]
    recorded = set(store.indicators()["indicator"].unique()) & set(reference.indicators()["indicator"].unique())
    indicators = indicators or [i for i in names(compared=True) if i in recorded]
    a, b = (_by_run(run_values(st, country, indicators, years)) for st in (store, reference))
    common = [
        s for s in dict.fromkeys(a.index.get_level_values("scenario")) if s in set(b.index.get_level_values("scenario"))
    ]
    if not common:
        raise InputError(
            "has no scenario in common with the other store",
            source=str(reference.path),
            key="against",
            allowed="a store of the same experiment",
        )
    rows = [r for s in common for r in _effects(a.xs(s, level="scenario"), b.xs(s, level="scenario"), s)]
    empty_rank = pd.DataFrame(columns=["indicator", "period", "scenario", "rank", "rank_stability"])
    return Comparison(pd.DataFrame(rows), empty_rank, pd.DataFrame(), str(reference.path), country, years)


def ranking(wide: pd.DataFrame, baseline: str, effects: pd.DataFrame) -> pd.DataFrame:
    """Rank of each scenario by mean effect (1 = largest), and the share of design
    points at which it holds that rank (effects there averaged over replicates)."""
    rows = []
    base = wide.xs(baseline, level="scenario")
    diffs = {s: wide.xs(s, level="scenario") - base for s in effects["scenario"].unique()}
    for (ind_name, period), grp in effects.groupby(["indicator", "period"], sort=False):
        overall = grp.set_index("scenario")["mean"].rank(ascending=False, method="min")
        by_point = pd.DataFrame({s: d[(ind_name, period)].groupby(level="point").mean() for s, d in diffs.items()})
        point_ranks = by_point.rank(axis=1, ascending=False, method="min")
        for scen, r in overall.items():
            rows.append(
                {
                    "indicator": ind_name,
                    "period": period,
                    "scenario": scen,
                    "rank": int(r),
                    "rank_stability": float((point_ranks[scen] == r).mean()),
                }
            )
    return pd.DataFrame(rows)
