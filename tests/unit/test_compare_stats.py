"""The comparison's statistics on synthetic stores and tables with known answers: what is
estimable, scipy's paired t-test, the false-discovery control (Benjamini-Hochberg, scipy),
cost-effectiveness with Fieller's interval, ranks in the registry's better direction and
their stability, and the report's warnings and "not estimable" cells."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from circsim.workbench.compare import (
    ESTIMABLE,
    FDR_Q,
    FEW_PAIRS,
    FEW_POINTS,
    MIN_PAIRS,
    NO_SPREAD,
    compare,
    control_fdr,
    fieller_interval,
    paired_effect,
)
from circsim.workbench.report import write_report
from storekit import synthetic_store

YEAR = 2040
#: Run-to-run variation shared by all scenarios with the same seed (common random numbers).
SHARED = np.array([1.3, -0.7, 0.2, -1.1, 0.9, -0.4, 0.5, -1.6, 1.0, 0.1, -0.3, 0.6]) * 2000.0

# --- paired effects: scipy's paired t-test, and what is not estimable --------------------


def test_interval_and_p_value_are_scipys_paired_t_test_on_the_differences() -> None:
    rng = np.random.default_rng(3)
    b = rng.normal(100.0, 30.0, 8)
    a = b + rng.normal(4.0, 2.0, 8)
    row = paired_effect(a, b)
    one_sample = stats.ttest_1samp(a - b, 0.0)  # the paired t-test is this test on the differences
    ci = one_sample.confidence_interval(0.95)
    assert row["status"] == ESTIMABLE and row["n_pairs"] == 8
    assert (row["mean"], row["lo"], row["hi"]) == pytest.approx(((a - b).mean(), ci.low, ci.high), rel=1e-12)
    assert row["p_value"] == pytest.approx(one_sample.pvalue, rel=1e-12)
    welch = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (row["lo_unpaired"], row["hi_unpaired"]) == pytest.approx((welch.low, welch.high), rel=1e-12)


def test_pairs_with_a_missing_value_are_dropped() -> None:
    a = np.array([5.0, 6.0, np.nan, 8.0, 9.5, 10.0, 12.0, 13.0])
    b = np.array([1.0, 1.5, 2.0, np.nan, 3.0, 3.5, 4.0, 4.5])
    keep = ~(np.isnan(a) | np.isnan(b))
    row = paired_effect(a, b)
    assert row["n_pairs"] == 6
    assert row["p_value"] == pytest.approx(stats.ttest_rel(a[keep], b[keep]).pvalue)


def test_fewer_pairs_than_the_minimum_are_not_estimable() -> None:
    a, b = np.arange(MIN_PAIRS - 1) * 1.5 + 3.0, np.arange(MIN_PAIRS - 1) * 1.0
    row = paired_effect(a, b)
    assert row["status"] == FEW_PAIRS
    assert row["mean"] == pytest.approx((a - b).mean())  # the mean is known, its uncertainty is not
    assert all(np.isnan(row[k]) for k in ("lo", "hi", "p_value", "lo_unpaired", "hi_unpaired"))
    assert paired_effect(np.append(a, 9.0), np.append(b, 4.0))["status"] == ESTIMABLE  # one pair more


def test_the_same_difference_in_every_pair_is_not_estimable() -> None:
    """At a coarse scale a count often moves by the same number of agents in every pair."""
    b = np.array([0.1, 0.2, 0.3, 0.35, 0.5, 0.7])  # shares: their differences carry rounding errors
    row = paired_effect(b + 0.01, b)
    assert row["status"] == NO_SPREAD
    assert np.isnan(row["lo"]) and np.isnan(row["p_value"])


# --- Fieller's interval for the effect per cost ------------------------------------------


def test_fieller_with_a_fixed_cost_is_the_t_interval_divided_by_the_cost() -> None:
    d = np.array([3.0, 5.0, 4.0, 6.5, 2.5, 4.5])
    ratio, lo, hi = fieller_interval(d, np.full(6, 2.0))
    ci = stats.ttest_1samp(d, 0.0).confidence_interval(0.95)
    assert (ratio, lo, hi) == pytest.approx((d.mean() / 2, ci.low / 2, ci.high / 2), rel=1e-12)


def test_fieller_covers_the_true_ratio_at_its_level() -> None:
    """2,000 seeded samples of 8 pairs whose cost varies and correlates with the effect: the
    95% interval holds the true ratio of means (2.0) in 95% of them, up to the simulation's
    error (binomial standard error 0.5 points)."""
    rng = np.random.default_rng(20261127)
    hits = 0
    for _ in range(2000):
        cost = rng.normal(10.0, 2.0, 8)
        effect = 2.0 * cost + rng.normal(0.0, 3.0, 8)
        _, lo, hi = fieller_interval(effect, cost)
        hits += lo <= 2.0 <= hi
    assert 0.93 < hits / 2000 < 0.97


def test_fieller_is_unbounded_when_the_cost_is_not_distinguishable_from_zero() -> None:
    _, lo, hi = fieller_interval(np.array([1.0, 2, 3, 4, 5, 6]), np.array([1.0, -1, 2, -2, 0.5, -0.4]))
    assert (lo, hi) == (-np.inf, np.inf)


# --- the false-discovery control -----------------------------------------------------------


def fdr_table(p_values: list[float]) -> pd.DataFrame:
    """Effect rows with the given p-values, all estimable, each with a cost ratio."""
    n = len(p_values)
    return pd.DataFrame(
        {
            "scenario": [f"s{i}" for i in range(n)],
            "indicator": "researchers",
            "period": "2040",
            "n_pairs": 6,
            "n_points": 1,
            "status": ESTIMABLE,
            "baseline": 1.0,
            "mean": 1.0,
            "lo": 0.5,
            "hi": 1.5,
            "p_value": p_values,
            "lo_unpaired": 0.0,
            "hi_unpaired": 2.0,
            "sd_points": np.nan,
            "sd_noise": 1.0,
            "cost_yen": 1e10,
            "per_100_oku": 1.0,
            "per_lo": 0.5,
            "per_hi": 1.5,
        }
    )


def test_an_effect_significant_alone_is_no_discovery_among_many() -> None:
    """p = 0.03 is below 0.05 by itself, but among 19 effects with p = 0.9 its
    Benjamini-Hochberg q is 0.03 x 20 = 0.6: no discovery, and no cost ratio."""
    alone = control_fdr(fdr_table([0.03]))
    assert alone["discovery"].tolist() == [True] and alone["per_100_oku"].notna().all()
    many = control_fdr(fdr_table([0.03] + [0.9] * 19))
    assert many.loc[0, "q_value"] == pytest.approx(0.6)
    assert not many["discovery"].any()
    assert many["per_100_oku"].isna().all() and many["per_lo"].isna().all()


def test_not_estimable_effects_are_outside_the_family() -> None:
    table = fdr_table([0.01, 0.02, 0.5])
    table.loc[2, ["status", "p_value"]] = [FEW_PAIRS, np.nan]
    out = control_fdr(table)
    assert out["q_value"].iloc[:2].tolist() == pytest.approx([0.02, 0.02])  # m = 2, not 3
    assert np.isnan(out.loc[2, "q_value"]) and not out.loc[2, "discovery"]


# --- a store with a planted effect, an exact null and noise ------------------------------

FDR_SCENARIOS = ("baseline", "planted", "zero", *(f"noise{i}" for i in range(6)))
FDR_INDICATORS = ("researchers", "return_rate", "researchers_acad_perm")  # no per-year one: one period each
#: The planted effect per 100 億円 of cumulative lever cost, on researchers.
TRUE_RATIO = 2000.0
#: Design points and replicates of the store (6 points: the fewest from which an effect is estimated).
FDR_POINTS, FDR_REPLICATES = tuple(range(6)), (0, 1)
#: Cumulative lever cost (億円) of the planted scenario by design point; the others' is flat.
PLANTED_COST = (50.0, 65.0, 80.0, 57.0, 72.0, 60.0)
ZERO_COST = 30.0
#: Differences of the exact null by pair (two replicates a point): the point means (3, -3,
#: 7, -7, 1, -1) cancel, so its mean effect is 0 and its p-value 1.
SYMMETRIC = np.array([3.5, 2.5, -2.5, -3.5, 7.5, 6.5, -6.5, -7.5, 1.5, 0.5, -0.5, -1.5])
#: Point means of differences with a paired t-test p of 0.028: below 0.05 alone, not a
#: discovery among the comparison's 24 effects.
NOMINAL = np.array([1.5, 3.0, 0.0, 4.0, 0.5, 2.5])


def fdr_difference(scenario: str, k: int, point: int, indicator: str) -> float:
    """The planted difference from the baseline in pair ``k``."""
    if scenario == "baseline":
        return 0.0
    scale = {"researchers": 1.0, "return_rate": 1e-3, "researchers_acad_perm": 10.0}[indicator]
    if scenario == "zero":
        return SYMMETRIC[k] * scale
    noise = np.random.default_rng([k, FDR_INDICATORS.index(indicator), FDR_SCENARIOS.index(scenario)])
    if scenario == "noise0" and indicator == "researchers":  # "significant" alone: p = 0.028
        return (NOMINAL[point] + (0.5 if k % 2 else -0.5)) * 5.0
    if scenario == "planted" and indicator == "researchers":
        return TRUE_RATIO * PLANTED_COST[point] / 100 + noise.normal(0.0, 60.0)
    return noise.normal(0.0, 5.0) * scale  # no effect: noise around 0


def fdr_value(scenario: str, point: int, replicate: int, year: int, country: str, indicator: str) -> float:
    k = point * 2 + replicate
    if indicator == "lever_cost_cum_yen":
        return {"baseline": 0.0, "planted": PLANTED_COST[point]}.get(scenario, ZERO_COST) * 1e8
    base = {"researchers": 700_000.0, "return_rate": 0.045, "researchers_acad_perm": 90_000.0}[indicator]
    shared = SHARED[k] * {"researchers": 1.0, "return_rate": 1e-6, "researchers_acad_perm": 0.5}[indicator]
    return base + shared + fdr_difference(scenario, k, point, indicator)


@pytest.fixture(scope="module")
def fdr_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fdr") / "store"
    synthetic_store(path, fdr_value, scenarios=FDR_SCENARIOS, points=FDR_POINTS, replicates=FDR_REPLICATES,
                    years=(YEAR,), indicators=[*FDR_INDICATORS, "lever_cost_cum_yen"])  # fmt: skip
    return path


@pytest.fixture(scope="module")
def fdr_report(fdr_store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, str]:
    out = tmp_path_factory.mktemp("fdr-report")
    from circsim.workbench.store import open_store

    write_report(open_store(fdr_store), out, indicators=list(FDR_INDICATORS))
    return pd.read_csv(out / "effects.csv"), (out / "report.md").read_text(encoding="utf-8")


def test_the_discoveries_are_scipys_benjamini_hochberg_count(fdr_report) -> None:
    """The p-values by hand (scipy's paired t-test on the synthetic values' design-point
    means), adjusted by scipy's false_discovery_control: the same survivors, and the report
    says how many."""
    effects, text = fdr_report
    p = {}
    for scen in FDR_SCENARIOS[1:]:
        for ind in FDR_INDICATORS:
            a, b = (
                [np.mean([fdr_value(s, pt, r, YEAR, "JP", ind) for r in FDR_REPLICATES]) for pt in FDR_POINTS]
                for s in (scen, "baseline")
            )
            p[(scen, ind)] = stats.ttest_rel(a, b).pvalue
    q = dict(zip(p, stats.false_discovery_control(list(p.values()), method="bh"), strict=True))
    survivors = {key for key, v in q.items() if v <= FDR_Q}
    got = effects.set_index(["scenario", "indicator"])
    assert {key for key in p if got.loc[key, "discovery"]} == survivors
    assert got.loc[list(q), "q_value"].to_numpy() == pytest.approx(list(q.values()), rel=1e-5)  # effects.csv: 6 digits
    assert ("planted", "researchers") in survivors
    assert f"{len(survivors)} of {len(p)} comparisons survive the false-discovery control at q = 0.05" in text


def test_a_zero_effect_is_never_a_finding(fdr_report) -> None:
    effects, text = fdr_report
    null = effects[effects["scenario"] == "zero"]
    assert (null["p_value"] > 0.99).all() and not null["discovery"].any()
    noise = effects[effects["scenario"].str.startswith("noise")]
    nominal = noise[(noise["scenario"] == "noise0") & (noise["indicator"] == "researchers")]
    assert nominal["p_value"].iloc[0] == pytest.approx(stats.ttest_1samp(NOMINAL, 0.0).pvalue, rel=1e-5)
    assert nominal["p_value"].iloc[0] < 0.05 and not noise["discovery"].any()  # "significant" alone, not here
    findings = text.split("## Findings")[1].split("Caveats")[0]
    assert "- **zero**: no effect survives the false-discovery control" in findings
    for line in findings.splitlines():
        if line.startswith("- **noise"):
            assert "no effect survives" in line, line


def test_cost_effectiveness_only_for_a_surviving_effect_and_it_covers_the_true_ratio(fdr_report) -> None:
    effects, text = fdr_report
    with_ratio = effects[effects["per_100_oku"].notna()]
    assert set(zip(with_ratio["scenario"], with_ratio["indicator"], strict=True)) == {("planted", "researchers")}
    row = with_ratio.iloc[0]
    assert row["per_lo"] < TRUE_RATIO < row["per_hi"]
    assert row["per_hi"] - row["per_lo"] < 0.2 * TRUE_RATIO  # and it says something
    assert effects.loc[effects["scenario"] == "zero", "cost_yen"].eq(ZERO_COST * 1e8).all()  # costs, no ratio
    costs = text.split("## Cost-effectiveness")[1].split("\n## ")[0]
    rows = [line for line in costs.splitlines() if line.startswith("| planted") or line.startswith("| zero")]
    assert len(rows) == 1 and "Researchers" in rows[0] and "people" in rows[0]


# --- too few pairs, a coarse scale ----------------------------------------------------------


@pytest.fixture(scope="module")
def two_pair_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, str]:
    """One design point x 2 replicates at 1:1000, a large effect on researchers: nothing
    is estimable, however large the effect looks."""
    root = tmp_path_factory.mktemp("two-pairs")
    store = synthetic_store(
        root / "store",
        lambda s, p, r, y, c, i: 1000.0 * (700 + r + (1 if s == "lever" and i == "phd_intake" else 0)),
        scenarios=("baseline", "lever"),
        points=(0,),
        replicates=(0, 1),
        years=(YEAR,),
        indicators=("researchers", "phd_intake"),
        experiment="name = 'coarse'\nscale = 1000\n",
    )
    write_report(store, root / "report", indicators=["researchers", "phd_intake"])
    return pd.read_csv(root / "report" / "effects.csv"), (root / "report" / "report.md").read_text(encoding="utf-8")


def test_a_two_pair_store_is_not_estimable(two_pair_report) -> None:
    effects, text = two_pair_report
    assert (effects["status"] == FEW_PAIRS).all() and not effects["discovery"].any()
    assert effects[["lo", "hi", "p_value", "q_value"]].isna().all().all()
    assert "- **lever**: not estimable (fewer than 6 pairs); no finding" in text
    table = text.split("## Effects in 2040")[1].split("## Cost-effectiveness")[0]
    assert "| lever" in table and "not estimable" in table
    assert not re.search(r"\[[-+]", table)  # no interval anywhere
    assert "0 of 0 comparisons survive" in text


def test_the_report_warns_of_a_coarse_scale_few_pairs_and_few_design_points(two_pair_report) -> None:
    _, text = two_pair_report
    warnings = [line for line in text.splitlines() if line.startswith("> **Warning:**")]
    assert len(warnings) == 3
    assert "at 1:1,000 each agent stands for 1,000 people; small effects are not resolved" in warnings[0]
    assert "2 pairs (design points x replicates) for every effect" in warnings[1] and "at least 6" in warnings[1]
    assert "1 design point(s)" in warnings[2] and "rank stability is not computed" in warnings[2]


# --- ranks in the better direction -----------------------------------------------------------

RANK_POINTS = (0, 1, 2, 3, 4)


def rank_value(scenario: str, point: int, replicate: int, year: int, country: str, indicator: str) -> float:
    """fixed_term_share (lower is better): "a" -0.02 everywhere, "b" -0.01 except -0.03 at
    the last point (mean -0.014), so "a" ranks first but only at 4 of 5 points; researchers
    (higher is better): "b" +20, "a" +10 at every point; researchers_acad_fixed: no better
    direction. A small jitter keeps every effect estimable."""
    k = point * 2 + replicate
    jitter = 1e-4 * ((k * 7919) % 13 - 6)
    if indicator == "fixed_term_share":
        effect = {"baseline": 0.0, "a": -0.02, "b": -0.03 if point == 4 else -0.01}[scenario]
        return 0.6 + 0.01 * (k % 3) + effect + (jitter if scenario != "baseline" else 0.0)
    effect = {"baseline": 0.0, "a": 10.0, "b": 20.0}[scenario]
    return 5000.0 + 40.0 * (k % 4) + effect + (100 * jitter if scenario != "baseline" else 0.0)


@pytest.fixture(scope="module")
def ranked(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("ranks")
    store = synthetic_store(root / "store", rank_value, scenarios=("baseline", "a", "b"), points=RANK_POINTS,
                            replicates=(0, 1), years=(YEAR,),
                            indicators=("fixed_term_share", "researchers", "researchers_acad_fixed"))  # fmt: skip
    indicators = ["fixed_term_share", "researchers", "researchers_acad_fixed"]
    write_report(store, root / "report", indicators=indicators)
    return compare(store, indicators=indicators), (root / "report" / "report.md").read_text(encoding="utf-8")


def rank_of(comp, scenario: str, indicator: str) -> pd.Series:
    r = comp.ranking
    return r[(r["scenario"] == scenario) & (r["indicator"] == indicator)].iloc[0]


def test_ranks_follow_the_better_direction(ranked) -> None:
    comp, _ = ranked
    assert rank_of(comp, "a", "fixed_term_share")["rank"] == 1  # the larger fall: lower is better
    assert rank_of(comp, "b", "fixed_term_share")["rank"] == 2
    assert rank_of(comp, "b", "researchers")["rank"] == 1  # the larger rise: higher is better
    assert rank_of(comp, "a", "researchers")["rank"] == 2
    assert "researchers_acad_fixed" not in set(comp.ranking["indicator"])  # no better direction, no rank


def test_rank_stability_from_five_design_points(ranked) -> None:
    comp, text = ranked
    assert comp.n_points == len(RANK_POINTS)
    assert rank_of(comp, "a", "fixed_term_share")["rank_stability"] == pytest.approx(0.8)
    assert rank_of(comp, "b", "fixed_term_share")["rank_stability"] == pytest.approx(0.8)
    assert rank_of(comp, "b", "researchers")["rank_stability"] == 1.0
    ranks = text.split("## Ranks across design points")[1].split("## Figures")[0]
    assert "| a " in ranks and "1 (0.8)" in ranks and "2 (0.8)" in ranks
    assert "Not ranked (no agreed better direction): Fixed-term academics." in ranks


# --- design points: parameter sets are the unit, and their spread is split from noise -----


def clustered(points: int, replicates: int, sd_points: float, sd_noise: float, seed: int = 5):
    """Baseline and scenario values paired at ``points`` design points x ``replicates``:
    the effect is 2 + a per-point offset (sd ``sd_points``) + run noise (sd ``sd_noise``)."""
    rng = np.random.default_rng(seed)
    at = np.repeat(np.arange(points), replicates)
    b = rng.normal(100.0, 10.0, at.size)
    a = b + 2.0 + rng.normal(0.0, sd_points, points)[at] + rng.normal(0.0, sd_noise, at.size)
    return a, b, at


def test_with_several_design_points_the_test_is_on_their_means() -> None:
    """6 points x 4 replicates whose effect varies across points far more than within one:
    the interval is the t interval of the 6 point means, much wider than one that counts
    the 24 pairs as independent."""
    a, b, at = clustered(6, 4, sd_points=5.0, sd_noise=0.2)
    row = paired_effect(a, b, at)
    means = [(a[at == p] - b[at == p]).mean() for p in range(6)]
    ci = stats.ttest_1samp(means, 0.0).confidence_interval(0.95)
    assert row["status"] == ESTIMABLE and (row["n_pairs"], row["n_points"]) == (24, 6)
    assert (row["mean"], row["lo"], row["hi"]) == pytest.approx((np.mean(means), ci.low, ci.high), rel=1e-12)
    naive = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert row["hi"] - row["lo"] > 1.5 * (naive.high - naive.low)


def test_fewer_design_points_than_the_minimum_are_not_estimable_however_many_replicates() -> None:
    a, b, at = clustered(MIN_PAIRS - 1, 20, sd_points=1.0, sd_noise=1.0)
    row = paired_effect(a, b, at)
    assert row["status"] == FEW_POINTS and np.isnan(row["lo"]) and row["n_pairs"] == 20 * (MIN_PAIRS - 1)


@pytest.mark.parametrize(("sd_points", "sd_noise"), [(3.0, 1.0), (0.5, 2.0)])
def test_the_spread_is_split_into_parameter_sets_and_noise(sd_points: float, sd_noise: float) -> None:
    """400 points x 5 replicates: the one-way analysis of variance recovers both planted
    standard deviations within 10%."""
    a, b, at = clustered(400, 5, sd_points, sd_noise)
    row = paired_effect(a, b, at)
    assert row["sd_points"] == pytest.approx(sd_points, rel=0.1)
    assert row["sd_noise"] == pytest.approx(sd_noise, rel=0.1)


def test_the_split_needs_two_points_for_parameter_sets_and_two_replicates_for_noise() -> None:
    a, b, at = clustered(1, 8, 1.0, 1.0)
    one_point = paired_effect(a, b, at)
    assert np.isnan(one_point["sd_points"]) and one_point["sd_noise"] == pytest.approx(np.std(a - b, ddof=1))
    a, b, at = clustered(8, 1, 1.0, 1.0)
    one_run = paired_effect(a, b, at)
    assert np.isnan(one_run["sd_points"]) and np.isnan(one_run["sd_noise"])


def test_the_report_splits_the_findings_spread_into_parameter_sets_and_noise(fdr_report) -> None:
    """The planted effect grows with its cost, which differs by design point (sd about 215
    people across points) under pair noise of sd 60: effects.csv has the one-way analysis
    of variance of its differences, and the report's section lists it with the share of
    the variance the parameter sets carry."""
    effects, text = fdr_report
    row = effects[(effects["scenario"] == "planted") & (effects["indicator"] == "researchers")].iloc[0]
    d = np.array(
        [[fdr_difference("planted", pt * 2 + r, pt, "researchers") for r in FDR_REPLICATES] for pt in FDR_POINTS]
    )
    within = d.var(axis=1, ddof=1).mean()
    between = d.mean(axis=1).var(ddof=1) - within / d.shape[1]
    assert (row["sd_points"], row["sd_noise"]) == pytest.approx((np.sqrt(between), np.sqrt(within)), rel=1e-5)
    section = text.split("## Parameter sets and run-to-run noise (2040)")[1].split("\n## ")[0]
    line = next(li for li in section.splitlines() if li.startswith("| planted"))
    share = between / (between + within)
    assert "Researchers" in line and f"{share:.0%}" in line and share > 0.8
