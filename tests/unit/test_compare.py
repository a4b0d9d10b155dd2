"""Comparison of policy packages on a hand-built result store (no model runs): paired
effects and their Student-t intervals, the unpaired (Welch) intervals beside them, cost per
100 億円, cumulative totals, ranks, the report files, and one-line errors from ``circsim
compare`` for bad input. The statistics on stores with known answers (estimability, the
false-discovery control, Fieller intervals, rank stability) are in test_compare_stats.py."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from circsim.cli.main import main
from circsim.errors import InputError
from circsim.sim.indicators import REGISTRY, names
from circsim.workbench.compare import COMPARABLE, compare, fieller_interval
from circsim.workbench.report import heading, write_report
from circsim.workbench.store import ResultStore, open_store
from storekit import synthetic_store

SCENARIOS = ("baseline", "lever", "other")
POINTS = tuple(range(6))  # 6 design points (the fewest from which an effect is estimated), one run each
REPLICATES = (0,)
YEARS = (2030, 2035, 2040)  # 2035 is recorded but not compared: it counts in the cumulative totals only
COUNTRIES = ("JP", "US")
INDICATORS = ["researchers", "visits_abroad_long", "lever_cost_yen"]
#: Large run-to-run variation shared by all scenarios at the same point and replicate (same seed).
SHARED = np.array([1.3, -0.7, 0.2, -1.1, 0.9, -0.4]) * 800.0
#: Small pair-to-pair variation of the effects, so that the paired intervals have a width.
JITTER = np.array([0.1, -0.2, 0.3, -0.1, 0.2, -0.3])
#: Lever cost per recorded year (yen), by scenario; it grows by 20% per design point.
COST = {"baseline": 0.0, "lever": 3e9, "other": 1e9}
#: Effects on visits_abroad_long per design point: "lever" wins at even points, "other" at odd ones.
VISITS_EFFECT = {"baseline": (0.0,) * 6, "lever": (10.0, 1.0) * 3, "other": (0.0, 3.0) * 3}


def pair(point: int, replicate: int) -> int:
    return point * len(REPLICATES) + replicate


def researchers_effect(scenario: str, k: int, year: int) -> float:
    base = {"baseline": 0.0, "lever": 5.0, "other": 2.0}[scenario]
    jitter = {"baseline": 0.0, "lever": JITTER[k], "other": -JITTER[k]}[scenario]
    return (base + jitter) * (1 + (year - 2030) / 10)


def value(scenario: str, point: int, replicate: int, year: int, country: str, indicator: str) -> float:
    """The synthetic indicator value; US values are JP's doubled plus 7."""
    k = pair(point, replicate)
    if indicator == "researchers":
        v = 10_000 + 100 * (year - 2030) + SHARED[k] + researchers_effect(scenario, k, year)
    elif indicator == "visits_abroad_long":
        v = 500 + 2 * (year - 2030) + SHARED[k] / 16 + VISITS_EFFECT[scenario][point] + 0.1 * JITTER[k]
    elif indicator == "lever_cost_yen":
        v = COST[scenario] * (1 + 0.2 * point)
    elif indicator == "lever_cost_cum_yen":
        v = COST[scenario] * (1 + 0.2 * point) * (YEARS.index(year) + 1)
    else:
        raise AssertionError(indicator)
    return v if country == "JP" else 2 * v + 7


def build_store(path: Path, failed: tuple[str, ...] = (), done: bool = True, shift: float = 0.0) -> ResultStore:
    """The synthetic store; runs of the ``failed`` scenarios are recorded as failed, and
    with ``done=False`` no run is recorded at all (a batch interrupted before any finished);
    ``shift`` is added to every value."""
    return synthetic_store(
        path,
        lambda *key: value(*key) + shift,
        scenarios=SCENARIOS,
        points=POINTS,
        replicates=REPLICATES,
        years=YEARS,
        countries=COUNTRIES,
        indicators=[*INDICATORS, "lever_cost_cum_yen"],
        failed=failed,
        done=done,
    )


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cmp") / "store"
    build_store(path)
    return path


@pytest.fixture(scope="module")
def comp(store_dir: Path):
    return compare(open_store(store_dir), years=[2030, 2040], indicators=INDICATORS)


def by_hand(scenario: str, indicator: str, period: str, country: str = "JP") -> tuple[np.ndarray, np.ndarray]:
    """The scenario's and the baseline's values over all pairs, in pair order."""
    years = YEARS if period == "cumulative" else (int(period),)

    def values(s: str) -> np.ndarray:
        return np.array([sum(value(s, p, r, y, country, indicator) for y in years) for p in POINTS for r in REPLICATES])

    return values(scenario), values("baseline")


def effect_row(comp, scenario: str, indicator: str, period: str) -> pd.Series:
    e = comp.effects
    rows = e[(e["scenario"] == scenario) & (e["indicator"] == indicator) & (e["period"] == period)]
    assert len(rows) == 1, (scenario, indicator, period)
    return rows.iloc[0]


# --- effects ---------------------------------------------------------------------------


def test_effects_cover_every_scenario_indicator_and_period(comp) -> None:
    e = comp.effects
    assert set(e["scenario"]) == {"lever", "other"}  # not the baseline itself
    assert "lever_cost_cum_yen" not in set(e["indicator"])
    periods = e.groupby("indicator")["period"].agg(set).to_dict()
    assert periods["researchers"] == {"2030", "2040"}  # a stock: no cumulative total
    assert periods["visits_abroad_long"] == {"2030", "2040", "cumulative"}
    assert periods["lever_cost_yen"] == {"2030", "2040", "cumulative"}
    assert (e["n_pairs"] == len(POINTS) * len(REPLICATES)).all()
    assert comp.baseline == "baseline" and comp.country == "JP" and comp.years == [2030, 2040]


@pytest.mark.parametrize("scenario", ["lever", "other"])
@pytest.mark.parametrize(
    ("indicator", "period"),
    [
        ("researchers", "2030"),
        ("researchers", "2040"),
        ("visits_abroad_long", "2030"),
        ("visits_abroad_long", "2040"),
        ("visits_abroad_long", "cumulative"),
        ("lever_cost_yen", "cumulative"),
    ],
)
def test_effect_is_mean_paired_difference_with_student_t_interval(comp, scenario, indicator, period) -> None:
    a, b = by_hand(scenario, indicator, period)
    d = a - b
    n = d.size
    half = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)
    row = effect_row(comp, scenario, indicator, period)
    assert row["mean"] == pytest.approx(d.mean(), rel=1e-9, abs=1e-9)
    assert row["baseline"] == pytest.approx(b.mean(), rel=1e-12)
    assert row["lo"] == pytest.approx(d.mean() - half, rel=1e-9, abs=1e-9)
    assert row["hi"] == pytest.approx(d.mean() + half, rel=1e-9, abs=1e-9)
    welch = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    if np.ptp(a) or np.ptp(b):
        assert row["lo_unpaired"] == pytest.approx(welch.low, rel=1e-9)
        assert row["hi_unpaired"] == pytest.approx(welch.high, rel=1e-9)


def test_cumulative_is_sum_over_recorded_years(comp, store_dir: Path) -> None:
    vals = comp.values
    cum = vals[(vals["indicator"] == "visits_abroad_long") & (vals["period"] == "cumulative")]
    assert len(cum) == len(SCENARIOS) * len(POINTS) * len(REPLICATES)
    ind = open_store(store_dir).indicators()
    jp = ind[(ind["country"] == "JP") & (ind["indicator"] == "visits_abroad_long")]
    expected = jp.groupby("run_id")["value"].sum()
    got = cum.set_index("run_id")["value"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    # and the effect of the cumulative total is the sum of the yearly effects (2030, 2035, 2040)
    yearly = sum(by_hand("lever", "visits_abroad_long", str(y))[0].mean() for y in YEARS) - sum(
        by_hand("lever", "visits_abroad_long", str(y))[1].mean() for y in YEARS
    )
    assert effect_row(comp, "lever", "visits_abroad_long", "cumulative")["mean"] == pytest.approx(yearly)


def test_cumulative_totals_are_the_registrys_per_year_indicators(comp) -> None:
    per_year = {i for i in INDICATORS if REGISTRY[i].per_year}
    assert per_year == {"visits_abroad_long", "lever_cost_yen"}  # researchers is a stock
    cumulative = set(comp.values.loc[comp.values["period"] == "cumulative", "indicator"])
    assert cumulative == {*per_year, "lever_cost_cum_yen"}  # the cost total, for the effect per 100 億円


@pytest.mark.parametrize("scenario", ["lever", "other"])
@pytest.mark.parametrize("period", ["2030", "2040", "cumulative"])
def test_cost_is_the_mean_cumulative_lever_cost_to_the_period(comp, scenario, period) -> None:
    year = YEARS[-1] if period == "cumulative" else int(period)
    cost = np.mean([value(scenario, p, r, year, "JP", "lever_cost_cum_yen") for p in POINTS for r in REPLICATES])
    assert effect_row(comp, scenario, "visits_abroad_long", period)["cost_yen"] == pytest.approx(cost)


@pytest.mark.parametrize("scenario", ["lever", "other"])
@pytest.mark.parametrize("period", ["2030", "2040"])
def test_effect_per_100_oku_of_a_discovery_with_its_fieller_interval(comp, scenario, period) -> None:
    """researchers: a clear effect (a discovery); its cost grows by 20% per design point."""
    row = effect_row(comp, scenario, "researchers", period)
    assert row["discovery"]
    a, b = by_hand(scenario, "researchers", period)
    cost = np.array(
        [value(scenario, p, r, int(period), "JP", "lever_cost_cum_yen") for p in POINTS for r in REPLICATES]
    )
    assert row["per_100_oku"] == pytest.approx(row["mean"] / (cost.mean() / 1e10))
    assert (row["per_lo"], row["per_hi"]) == pytest.approx(fieller_interval(a - b, cost / 1e10)[1:])
    assert row["per_lo"] < row["per_100_oku"] < row["per_hi"]


def test_no_cost_gives_no_cost_effectiveness(store_dir: Path) -> None:
    """With 'lever' as the baseline, 'baseline' costs less than it (the cost is counted
    beyond the baseline's): per_100_oku is n/a, not a negative ratio or inf."""
    c = compare(open_store(store_dir), baseline="lever", years=[2040], indicators=["researchers"])
    row = c.effects[c.effects["scenario"] == "baseline"].iloc[0]
    assert row["cost_yen"] == pytest.approx(-135e8)  # minus the lever's 135 億円
    assert row["discovery"]
    assert np.isnan(row["per_100_oku"]) and np.isnan(row["per_lo"])
    assert row["mean"] < 0  # the baseline lacks the lever's gain


def test_pairing_narrows_the_interval(comp) -> None:
    """A small constant effect under a large shared run-to-run variation: the paired interval
    is narrow and excludes 0; the unpaired (Welch) one is far wider and includes 0."""
    row = effect_row(comp, "lever", "researchers", "2030")
    assert 4 < row["lo"] < row["mean"] < row["hi"] < 6
    assert row["lo_unpaired"] < 0 < row["hi_unpaired"]
    paired, unpaired = row["hi"] - row["lo"], row["hi_unpaired"] - row["lo_unpaired"]
    assert unpaired > 100 * paired
    # both intervals are centred on the same difference of means
    assert (row["lo_unpaired"] + row["hi_unpaired"]) / 2 == pytest.approx(row["mean"])


def test_country_selects_that_countrys_values(store_dir: Path) -> None:
    c = compare(open_store(store_dir), country="US", years=[2040], indicators=["researchers"])
    a, b = by_hand("lever", "researchers", "2040", country="US")
    assert effect_row(c, "lever", "researchers", "2040")["mean"] == pytest.approx((a - b).mean())
    assert c.country == "US"


def test_default_years_is_the_last_recorded_year(store_dir: Path) -> None:
    c = compare(open_store(store_dir), indicators=["researchers"])
    assert c.years == [YEARS[-1]]
    assert set(c.effects["period"]) == {str(YEARS[-1])}


# --- ranking -----------------------------------------------------------------------------


def rank_row(comp, scenario: str, indicator: str, period: str) -> pd.Series:
    r = comp.ranking
    rows = r[(r["scenario"] == scenario) & (r["indicator"] == indicator) & (r["period"] == period)]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize("period", ["2030", "2040"])
def test_ranks_by_mean_effect_with_their_stability_across_design_points(comp, period) -> None:
    """More researchers is better: the larger effect ranks first, at every design point.
    More visits too: "lever" ranks first on the mean (+5.5 against +1.5) but holds that rank
    only at the 3 even points of 6."""
    assert rank_row(comp, "lever", "researchers", period)["rank"] == 1
    assert rank_row(comp, "other", "researchers", period)["rank"] == 2
    assert rank_row(comp, "lever", "researchers", period)["rank_stability"] == 1.0
    assert rank_row(comp, "lever", "visits_abroad_long", period)["rank"] == 1
    assert rank_row(comp, "lever", "visits_abroad_long", period)["rank_stability"] == pytest.approx(0.5)
    assert comp.n_points == len(POINTS)
    assert (comp.ranking["n_points"] == len(POINTS)).all()


def test_ranking_covers_every_effect_with_a_better_direction(comp) -> None:
    """lever_cost_yen has no better direction: it is not ranked."""
    keys = ["indicator", "period", "scenario"]
    ranked = comp.effects[[REGISTRY[i].better is not None for i in comp.effects["indicator"]]]
    assert set(comp.effects["indicator"]) - set(ranked["indicator"]) == {"lever_cost_yen"}
    got = comp.ranking[keys].sort_values(keys).reset_index(drop=True)
    want = ranked[keys].sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)


# --- report ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports(store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    outs = []
    for name in ("one", "two"):
        out = tmp_path_factory.mktemp(name) / "report"
        path = write_report(open_store(store_dir), out, years=[2030, 2040])
        assert path == out / "report.md"
        outs.append(out)
    return outs[0], outs[1]


def test_report_writes_every_file(reports) -> None:
    out = reports[0]
    for name in ("report.md", "effects.csv", "ranking.csv", "forest.png"):
        assert (out / name).is_file(), name
    fans = {p.name for p in out.glob("fan_*.png")}
    assert fans == {f"fan_{i}.png" for i in names(fan=True) if i in ("visits_abroad_long",)}
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "forest.png" in text and "fan_visits_abroad_long.png" in text
    assert "**lever**" in text and "**other**" in text
    effects = pd.read_csv(out / "effects.csv")
    assert set(effects["scenario"]) == {"lever", "other"}
    ranking = pd.read_csv(out / "ranking.csv")
    assert {"rank", "rank_stability"} <= set(ranking.columns)


def test_report_figures_are_real_images(reports) -> None:
    pngs = sorted(reports[0].glob("*.png"))
    assert len(pngs) >= 2
    for png in pngs:
        assert png.stat().st_size > 0, png
        img = mpimg.imread(png)
        assert img.ndim == 3 and img.shape[0] > 10 and img.shape[1] > 10
        assert np.unique(img).size > 1, f"{png.name} is blank"


def test_report_is_reproducible(reports) -> None:
    one, two = reports
    for name in ("report.md", "effects.csv", "ranking.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_report_findings_name_the_distinguishable_effect(reports) -> None:
    text = (reports[0] / "report.md").read_text(encoding="utf-8")
    findings = text.split("## Findings (2040)")[1].split("Caveats")[0]
    lever_line = next(line for line in findings.splitlines() if line.startswith("- **lever**"))
    assert "Researchers +" in lever_line  # a discovery, by its label
    assert "researchers" not in lever_line  # never the snake_case name
    # mean cumulative cost by 2040: 9e9 yen x the mean of 1, 1.2, ..., 2.0 (1.5) = 135 億円
    assert "cumulative lever cost by 2040: 135 億円" in lever_line


def test_report_tables_are_labelled_in_units_and_narrow(reports) -> None:
    text = (reports[0] / "report.md").read_text(encoding="utf-8")
    effects = text.split("## Effects in 2040")[1].split("## Cost-effectiveness")[0]
    assert heading("researchers") == "Researchers (people)" and heading("researchers") in effects
    assert "Long visits abroad" in effects and "visits_abroad_long" not in effects
    header = next(line for line in effects.splitlines() if line.startswith("| Scenario"))
    compared = [heading(i) for i in INDICATORS if REGISTRY[i].compared]  # by default, in registry order
    assert [c.strip() for c in header.strip("|").split("|")][1:] == compared
    widths = {line.count("|") - 1 for line in text.splitlines() if line.startswith("|")}
    assert max(widths) <= 5  # at most the scenario and four indicators, or the five cost columns


# --- command line --------------------------------------------------------------------------


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["compare", *args])
    err = capsys.readouterr().err
    return code, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("circsim: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def test_cli_compare_writes_report(store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rep"
    code = main(["compare", str(store_dir), "--years", "2030,2040", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (out / "report.md").is_file()
    assert str(out / "report.md") in captured.out


def test_cli_not_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(*run_cli([str(empty)], capsys), str(empty), "not a result store")
    missing = tmp_path / "missing"
    assert_one_line_error(*run_cli([str(missing)], capsys), str(missing), "not a result store")
    assert not missing.exists()


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--baseline", "nope"], ["baseline", "'nope'", "lever"]),
        (["--years", "1999"], ["years", "1999"]),
        (["--years", "2030,1999"], ["years", "1999"]),
        (["--country", "XX"], ["country", "'XX'", "JP"]),
        (["--years", "20x0"], ["--years", "20x0"]),
        (["--years", "2030;2040"], ["--years", "2030;2040"]),
        (["--indicators", ","], ["--indicators", "names separated by commas"]),
    ],
)
def test_cli_bad_input(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], needles: list[str]
) -> None:
    out = tmp_path / "rep"
    code, err = run_cli([str(store_dir), *args, "--out", str(out)], capsys)
    assert_one_line_error(code, err, *needles)
    assert not out.exists()  # nothing written on bad input


def test_unknown_indicator_is_input_error_listing_the_allowed_ones(store_dir: Path) -> None:
    with pytest.raises(InputError) as info:
        compare(open_store(store_dir), years=[2040], indicators=["researchers", "no_such_indicator"])
    assert info.value.key == "indicators"
    assert info.value.value == "no_such_indicator"
    assert info.value.allowed == ", ".join(COMPARABLE)
    assert "lever_cost_cum_yen" not in COMPARABLE  # a running total: compare makes its own


def test_unrecorded_indicator_is_input_error(store_dir: Path) -> None:
    with pytest.raises(InputError) as info:
        compare(open_store(store_dir), years=[2040], indicators=["researchers", "papers"])
    assert info.value.key == "indicators"
    assert info.value.value == "papers"
    assert str(store_dir) in str(info.value)


def test_cli_compares_the_chosen_indicators(store_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "rep"
    code = main(["compare", str(store_dir), "--indicators", "visits_abroad_long", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert set(pd.read_csv(out / "effects.csv")["indicator"]) == {"visits_abroad_long"}


def test_cli_unknown_indicator_is_one_line_listing_every_allowed_one(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_cli([str(store_dir), "--indicators", "researchers,nope", "--out", str(tmp_path / "r")], capsys)
    assert_one_line_error(code, err, "indicators", "'nope'", *COMPARABLE)  # the whole list, not cut short
    assert not (tmp_path / "r").exists()


# --- stores and arguments that once crashed ------------------------------------------------


def test_cli_empty_years_list(store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli([str(store_dir), "--years", ",", "--out", str(tmp_path / "rep")], capsys)
    assert_one_line_error(code, err, "years")


def test_cli_store_without_finished_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_store(tmp_path / "store", done=False)
    code, err = run_cli([str(tmp_path / "store"), "--out", str(tmp_path / "rep")], capsys)
    assert_one_line_error(code, err, str(tmp_path / "store"), "no finished run")


def test_scenario_whose_runs_all_failed(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store", failed=("other",))
    c = compare(store, years=[2040], indicators=["researchers"])
    assert set(c.effects["scenario"]) == {"lever"}


def test_cli_baseline_whose_runs_all_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_store(tmp_path / "store", failed=("baseline",))
    code, err = run_cli([str(tmp_path / "store"), "--out", str(tmp_path / "rep")], capsys)
    assert_one_line_error(code, err, "baseline")


@pytest.mark.integration
def test_report_of_a_model_store_draws_every_figure(tiny_store: Path, tmp_path: Path) -> None:
    """A real (tiny) batch: the flow map and the PhD destinations are drawn too."""
    out = tmp_path / "report"
    write_report(open_store(tiny_store), out)
    for name in ("forest.png", "flow_map.png", "phd_destinations.png", "fan_visits_abroad_long.png"):
        image = mpimg.imread(out / name)
        assert image.size > 0 and len(np.unique(image)) > 1, name
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "](flow_map.png)" in text and "](phd_destinations.png)" in text


def test_two_stores_compared_scenario_by_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--against: a store against itself differs by exactly zero; against a store whose
    values are all shifted, by that shift, for every scenario."""
    a = build_store(tmp_path / "a")
    build_store(tmp_path / "b", shift=10.0)
    same = main(["compare", str(a.path), "--against", str(a.path), "--years", "2040", "--out", str(tmp_path / "r0")])
    assert same == 0
    eff = pd.read_csv(tmp_path / "r0" / "effects.csv")
    assert set(eff["scenario"]) == set(SCENARIOS)
    assert np.allclose(eff["mean"], 0.0)
    code = main(
        ["compare", str(open_store(tmp_path / "b").path), "--against", str(a.path), "--years", "2040",
         "--out", str(tmp_path / "r1")]
    )  # fmt: skip
    assert code == 0
    eff = pd.read_csv(tmp_path / "r1" / "effects.csv")
    assert np.allclose(eff[eff["period"] == "2040"]["mean"], 10.0)
    assert (tmp_path / "r1" / "forest.png").stat().st_size > 0
    assert "against store" in (tmp_path / "r1" / "report.md").read_text(encoding="utf-8")
