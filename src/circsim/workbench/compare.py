"""Compare policy packages in a result store: paired effects against the baseline.

For each scenario and each indicator of one country, the effect in a year is the
difference from the baseline run with the same design point and replicate (the same
seed: common random numbers), averaged over all such pairs (the design points x
replicates: draws over the uncertainties and the model's randomness). The statistics
claim no more than the pairs support:

- **Estimable.** An effect is estimated only from at least :data:`MIN_PAIRS` (6) pairs
  whose differences are not all the same. Below six pairs no distribution-free test (the
  sign test or Wilcoxon's signed-rank test) can reach a two-sided p < 0.05 even when every
  pair agrees in sign (the smallest exact p with n pairs is 2/2^n: 0.0625 with five), so an
  interval from fewer would rest wholly on a normal model that so few pairs cannot check;
  with the same difference in every pair (typically 0 at a coarse scale) the t statistic
  is undefined. A not-estimable effect has a mean but no interval, no p-value, no ratio.
- **Interval and p-value.** The paired t-test (``scipy.stats.ttest_rel``, the one-sample
  t-test on the differences): its 95% interval for the mean difference and its two-sided
  p-value. The unpaired Welch interval (``scipy.stats.ttest_ind``, ``equal_var=False``)
  from the same runs is given beside it, to show what pairing buys.
- **Parameter sets and run-to-run noise.** With more than one design point the unit of
  the test is the design point, not the pair: the replicates at one point share its
  parameter values, so they are not independent draws over the uncertainties, and a t-test
  on all pairs would count the spread across parameter sets once per replicate and give
  too narrow an interval for the effect over the uncertainty ranges. The effect is then
  the mean over points of each point's mean difference, its interval the t interval of
  those point means (points - 1 degrees of freedom), and "estimable" needs
  :data:`MIN_PAIRS` design points. The spread of the differences is split, by a one-way
  analysis of variance of the differences on the design point, into the standard
  deviation across parameter sets (``sd_points``, the between-point component) and
  run-to-run noise (``sd_noise``, within a point: it needs two replicates somewhere).
- **Multiple comparisons.** The p-values of every estimable effect of a comparison (every
  scenario, indicator and period) are adjusted together by Benjamini-Hochberg
  (``scipy.stats.false_discovery_control``): an effect is a *discovery* when its adjusted
  p-value (``q_value``) is at most :data:`FDR_Q` (0.05).
- **Cost-effectiveness.** The mean effect per 100 億円 (1e10 yen) of the mean cumulative
  lever cost beyond the baseline's up to that year, with Fieller's 95% interval for a
  ratio of two paired means (:func:`fieller_interval`); only for discoveries whose cost is
  positive. Fieller rather than a bootstrap: it is exact under the same normal model as
  the effect's t interval (and reduces to that interval divided by the cost when the cost
  is the same in every pair, as it mostly is), it accounts for a cost that varies with the
  design point and its correlation with the effect, and it needs no resampling, which with
  six to a few dozen pairs gives intervals that are too narrow and depend on a seed.
- **Ranks.** 1 = best in the direction the indicator registry calls ``better`` (largest
  effect where higher is better, smallest where lower is); indicators without a better
  direction are not ranked. Rank stability, the share of design points at which a
  scenario holds its rank, only with at least :data:`MIN_POINTS` (5) design points: with
  fewer it can take only a handful of values (0, 1/2 or 1 with two).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError
from ..sim.indicators import INDICATORS, REGISTRY, names
from .store import ResultStore

YEN_PER_100_OKU = 1e10
#: Fewest pairs from which an effect is estimated (see the module docstring).
MIN_PAIRS = 6
#: The policy year the reports compare besides the last year (the README's main job:
#: ``circsim compare results/levers --years 2030,2040``).
POLICY_YEAR = 2030
#: Fewest design points from which rank stability is computed.
MIN_POINTS = 5
#: Confidence level of every interval.
LEVEL = 0.95
#: False-discovery rate at which effects are discoveries (Benjamini-Hochberg).
FDR_Q = 0.05
#: ``status`` of an estimable effect; otherwise ``status`` says why it is not.
ESTIMABLE = "estimable"
FEW_PAIRS = f"fewer than {MIN_PAIRS} pairs"
FEW_POINTS = f"fewer than {MIN_PAIRS} design points"
NO_SPREAD = "the same difference in every pair"
#: Indicators that can be compared: all but the running totals (compare sums per-year ones itself).
COMPARABLE: tuple[str, ...] = tuple(n for n in INDICATORS if REGISTRY[n].kind != "cumulative")
EFFECT_COLUMNS = [
    "scenario", "indicator", "period", "n_pairs", "n_points", "status", "baseline", "mean", "lo", "hi", "p_value",
    "q_value", "discovery", "lo_unpaired", "hi_unpaired", "sd_points", "sd_noise", "cost_yen", "per_100_oku",
    "per_lo", "per_hi",
]  # fmt: skip
RANK_COLUMNS = ["indicator", "period", "scenario", "rank", "n_points", "rank_stability"]


@dataclass
class Comparison:
    """Effects of every scenario against the baseline, ready for tables and figures."""

    effects: pd.DataFrame  # EFFECT_COLUMNS
    ranking: pd.DataFrame  # RANK_COLUMNS
    values: pd.DataFrame  # run-level values: run_id, scenario, point, replicate, year, indicator, value
    baseline: str
    country: str
    years: list[int]
    #: Design points with paired runs.
    n_points: int

    @property
    def estimable(self) -> pd.DataFrame:
        """The estimable effects: the family the false-discovery control adjusts over."""
        return self.effects[self.effects["status"] == ESTIMABLE]

    @property
    def discoveries(self) -> pd.DataFrame:
        """The effects that survive the false-discovery control."""
        return self.effects[self.effects["discovery"]]


def point_means(values: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The mean of ``values`` at each design point (points in sorted order)."""
    _, inverse, counts = np.unique(points, return_inverse=True, return_counts=True)
    return np.bincount(inverse, values) / counts


def noise_split(d: np.ndarray, points: np.ndarray) -> tuple[float, float]:
    """``(sd_points, sd_noise)`` of paired differences ``d`` at design ``points``: the
    standard deviations across parameter sets (the between-point component of a one-way
    analysis of variance; 0 when the point means vary no more than the noise predicts) and
    within a point (run-to-run noise); nan where the design cannot tell (``sd_points`` with
    one point, both with no point run twice)."""
    _, inverse, counts = np.unique(points, return_inverse=True, return_counts=True)
    means = point_means(d, points)
    dof_within = d.size - counts.size
    if dof_within == 0:
        return float("nan"), float("nan")
    within = float(((d - means[inverse]) ** 2).sum() / dof_within)
    if counts.size < 2:
        return float("nan"), math.sqrt(within)
    # the variance of a point's mean is the between-point variance + within / its replicates
    between = float(np.var(means, ddof=1)) - within * float(np.mean(1.0 / counts))
    return math.sqrt(max(between, 0.0)), math.sqrt(within)


def paired_effect(
    a: np.ndarray, b: np.ndarray, points: np.ndarray | None = None, level: float = LEVEL
) -> dict[str, float | int | str]:
    """The effect of ``a`` over ``b`` paired element by element (pairs with a missing value
    dropped), the pairs at design ``points`` (default: all at one): ``n_pairs``,
    ``n_points``, ``baseline`` (mean of ``b``), ``mean`` (of the differences), ``status``,
    ``sd_points`` and ``sd_noise`` (:func:`noise_split`); where estimable also the paired
    t-test's interval (``lo``, ``hi``) and two-sided ``p_value`` (scipy.stats.ttest_rel)
    and the unpaired Welch interval (``lo_unpaired``, ``hi_unpaired``), nan otherwise. With
    more than one point, means, test and intervals are those of the point means (the
    module docstring says why)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok], b[ok]
    at = np.zeros(a.size, dtype=np.int64) if points is None else np.asarray(points)[ok]
    n_points = int(np.unique(at).size)
    sd_points, sd_noise = noise_split(a - b, at) if a.size else (float("nan"), float("nan"))
    if n_points > 1:  # the unit is the design point
        a, b = point_means(a, at), point_means(b, at)
    d = a - b
    nan = float("nan")
    row: dict[str, float | int | str] = {
        "n_pairs": int(ok.sum()),
        "n_points": n_points,
        "status": ESTIMABLE,
        "baseline": float(b.mean()) if b.size else nan,
        "mean": float(d.mean()) if d.size else nan,
        **dict.fromkeys(("lo", "hi", "p_value", "lo_unpaired", "hi_unpaired"), nan),
        "sd_points": sd_points,
        "sd_noise": sd_noise,
    }
    if d.size < MIN_PAIRS:
        row["status"] = FEW_POINTS if n_points > 1 else FEW_PAIRS
        return row
    # differences of equal values are exactly equal; a spread at rounding level is none
    if np.ptp(d) <= 1e-12 * max(np.abs(a).max(), np.abs(b).max()):
        row["status"] = NO_SPREAD
        return row
    paired = stats.ttest_rel(a, b)
    row["lo"], row["hi"] = map(float, paired.confidence_interval(level))
    row["p_value"] = float(paired.pvalue)
    row["lo_unpaired"], row["hi_unpaired"] = map(
        float, stats.ttest_ind(a, b, equal_var=False).confidence_interval(level)
    )
    return row


def fieller_interval(effect: np.ndarray, cost: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """The ratio of means ``mean(effect) / mean(cost)`` of paired samples and Fieller's
    interval for it: the ratios r at which ``mean(effect) - r * mean(cost)`` is within the
    t quantile (n - 1 degrees of freedom) of its standard error, which accounts for the
    variances of both means and their covariance. The bounds are infinite when the mean
    cost is not distinguishable from zero at ``level`` (the set is then unbounded)."""
    e, c = np.asarray(effect, dtype=float), np.asarray(cost, dtype=float)
    t2 = stats.t.ppf(0.5 + level / 2, e.size - 1) ** 2
    cov = np.cov(e, c, ddof=1) / e.size  # (co)variances of the two means
    me, mc = float(e.mean()), float(c.mean())
    # (me - r mc)^2 <= t2 (v_ee - 2 r v_ec + r^2 v_cc), i.e. a r^2 - 2 b r + k <= 0
    a = mc**2 - t2 * cov[1, 1]
    b = me * mc - t2 * cov[0, 1]
    k = me**2 - t2 * cov[0, 0]
    ratio = me / mc if mc else float("nan")
    if a <= 0:
        return ratio, -math.inf, math.inf
    root = math.sqrt(max(b * b - a * k, 0.0))  # >= 0 when a > 0 (the ratio is in the set); max() for rounding
    return ratio, (b - root) / a, (b + root) / a


def control_fdr(effects: pd.DataFrame, q: float = FDR_Q) -> pd.DataFrame:
    """``effects`` with ``q_value`` (Benjamini-Hochberg adjusted p-value over all its
    estimable effects, scipy.stats.false_discovery_control) and ``discovery`` (q_value at
    most ``q``); the ratio columns are kept for discoveries only."""
    estimable = effects["status"] == ESTIMABLE
    adjusted = pd.Series(np.nan, index=effects.index)
    if estimable.any():
        adjusted[estimable] = stats.false_discovery_control(effects.loc[estimable, "p_value"], method="bh")
    out = effects.assign(q_value=adjusted, discovery=adjusted <= q)[EFFECT_COLUMNS]
    # a ratio of an effect that may be noise would rank cheap levers first by construction
    out.loc[~out["discovery"], ["per_100_oku", "per_lo", "per_hi"]] = np.nan
    return out


def check_indicators(indicators: list[str]) -> None:
    """An InputError naming the first name that is not an indicator that can be compared."""
    for name in indicators:
        if name not in COMPARABLE:
            raise InputError(
                "is not an indicator that can be compared",
                key="indicators",
                value=name,
                allowed=", ".join(COMPARABLE),
            )


def finished_indicators(store: ResultStore) -> pd.DataFrame:
    """The store's indicators table; a store with no finished run is an input error."""
    ind = store.indicators()
    if ind.empty:
        raise InputError("holds no finished run", source=str(store.path), allowed="a store with finished runs")
    return ind


def _by_run(vals: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Run values as a (scenario, point, replicate) x (indicator, period) table, the
    indicators in ``order`` (the years, then the cumulative total, within each)."""
    wide = vals.pivot_table(index=["scenario", "point", "replicate"], columns=["indicator", "period"], values="value")
    position = {name: i for i, name in enumerate(order)}  # the lever cost after them
    return wide[sorted(wide.columns, key=lambda col: (position.get(col[0], len(order)), col[1]))]


def _points(wide: pd.DataFrame) -> int:
    """Design points with at least one run in a table of :func:`_by_run`."""
    return int(wide.index.get_level_values("point").nunique())


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


def report_years(recorded: list[int], chosen: int | None = None) -> list[int]:
    """The years of the report's family of effects among the ``recorded`` years:
    :data:`POLICY_YEAR` if recorded and the last year, with ``chosen`` added."""
    years = {y for y in (POLICY_YEAR, max(recorded)) if y in recorded} if recorded else set()
    return sorted(years | ({chosen} if chosen is not None else set()))


def compare(
    store: ResultStore,
    baseline: str = "baseline",
    country: str = "JP",
    years: list[int] | None = None,
    indicators: list[str] | None = None,
) -> Comparison:
    """Paired effects of every scenario in ``store`` against ``baseline``, with the
    false-discovery control over all of them and the ranking (see the module docstring)."""
    if indicators:
        check_indicators(indicators)
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
    wide = _by_run(vals, indicators)
    base = wide.xs(baseline, level="scenario")
    rows = [r for scen in scenarios if scen != baseline for r in _effects(wide.xs(scen, level="scenario"), base, scen)]
    if not rows:
        raise InputError(
            "has no scenario besides the baseline",
            source=str(store.path),
            key="baseline",
            value=baseline,
            allowed="a store with at least two scenarios",
        )
    effects = control_fdr(pd.DataFrame(rows))
    return Comparison(effects, ranking(wide, baseline, effects), vals, baseline, country, years, _points(base))


def _effects(other: pd.DataFrame, base: pd.DataFrame, scen: str) -> list[dict]:
    """Effect rows of one scenario: ``other`` minus ``base`` paired on (point, replicate),
    for every (indicator, period) column, with the cumulative lever cost beyond the
    baseline's and, where estimable and that cost is positive, the effect per 100 億円."""
    paired = other.index.intersection(base.index)  # the same design point and replicate: the same seed
    rows = []
    for ind_name, period in other.columns:
        if ind_name == "lever_cost_cum_yen" or (ind_name, period) not in base:
            continue
        a = other.loc[paired, (ind_name, period)].to_numpy()
        b = base.loc[paired, (ind_name, period)].to_numpy()
        ok = ~(np.isnan(a) | np.isnan(b))
        cost_col = ("lever_cost_cum_yen", period)
        extra = (
            (other.loc[paired, cost_col] - base.loc[paired, cost_col]).to_numpy()[ok] / YEN_PER_100_OKU
            if cost_col in other and cost_col in base
            else np.full(int(ok.sum()), np.nan)
        )
        at = paired.get_level_values("point").to_numpy()[ok]
        row = {"scenario": scen, "indicator": ind_name, "period": period, **paired_effect(a[ok], b[ok], at)}
        # the ratio's units are those of the effect: design points when there are several
        effect, extra = (
            (a[ok] - b[ok], extra) if row["n_points"] == 1 else (point_means(a[ok] - b[ok], at), point_means(extra, at))
        )
        cost = float(extra.mean()) if extra.size else float("nan")
        per = fieller_interval(effect, extra) if row["status"] == ESTIMABLE and cost > 0 else (float("nan"),) * 3
        rows.append(
            {
                **row,
                "cost_yen": cost * YEN_PER_100_OKU,
                **dict(zip(("per_100_oku", "per_lo", "per_hi"), per, strict=True)),
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
    experiment file the runs have the same seeds. The same statistics as :func:`compare`,
    without ranks."""
    if indicators:
        check_indicators(indicators)
    for st in (store, reference):
        finished_indicators(st)
    years = sorted(years) if years else [int(store.indicators()["year"].max())]
    recorded = set(store.indicators()["indicator"].unique()) & set(reference.indicators()["indicator"].unique())
    indicators = indicators or [i for i in names(compared=True) if i in recorded]
    a, b = (_by_run(run_values(st, country, indicators, years), indicators) for st in (store, reference))
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
    effects = control_fdr(pd.DataFrame(rows))
    no_ranks = pd.DataFrame(columns=RANK_COLUMNS)
    return Comparison(effects, no_ranks, pd.DataFrame(), str(reference.path), country, years, _points(b))


def ranking(wide: pd.DataFrame, baseline: str, effects: pd.DataFrame, min_points: int = MIN_POINTS) -> pd.DataFrame:
    """Rank of each scenario by mean effect, 1 = best in the indicator's ``better``
    direction (indicators without one are not ranked), and with at least ``min_points``
    design points the share of them at which it holds that rank (effects there averaged
    over replicates); nan with fewer."""
    rows = []
    base = wide.xs(baseline, level="scenario")
    n_points = _points(base)
    diffs = {s: wide.xs(s, level="scenario") - base for s in effects["scenario"].unique()}
    for (ind_name, period), grp in effects.groupby(["indicator", "period"], sort=False):
        better = REGISTRY[ind_name].better
        if better is None:
            continue
        ascending = better == "lower"  # rank 1 = the best effect
        overall = grp.set_index("scenario")["mean"].dropna().rank(ascending=ascending, method="min")
        by_point = pd.DataFrame({s: d[(ind_name, period)].groupby(level="point").mean() for s, d in diffs.items()})
        point_ranks = by_point.rank(axis=1, ascending=ascending, method="min")
        for scen, r in overall.items():
            held = float((point_ranks[scen] == r).mean()) if n_points >= min_points else float("nan")
            rows.append(
                {
                    "indicator": ind_name,
                    "period": period,
                    "scenario": scen,
                    "rank": int(r),
                    "n_points": n_points,
                    "rank_stability": held,
                }
            )
    return pd.DataFrame(rows, columns=RANK_COLUMNS)
