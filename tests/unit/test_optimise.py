"""``circsim optimise`` on a planted problem: a cheap function of the lever settings stands
in for the model (``optimise(opt, simulate)``), with a known best package under the
budget. The search finds it, keeps every front point within the budget, is the same
twice; the front's intervals say which effects are told apart from zero and which are
not estimable; bad [optimise] tables and a missing platypus give one error line."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from circsim.cli.main import main
from circsim.errors import InputError
from circsim.sim.units import format_interval
from circsim.workbench.compare import ESTIMABLE, FEW_PAIRS
from circsim.workbench.optimise import (
    BASELINE,
    Optimisation,
    load_optimisation,
    optimise,
    paired,
    resimulate,
    summary,
    write_outputs,
)

SCENARIOS = Path(__file__).parents[2] / "scenarios"
FELLOWS, STIPENDS = "levers.embassy_fellows.fellows", "levers.doctoral_stipends.stipends"
#: The planted problem: the effect peaks at PEAK; the cost is linear (億円 a year).
PEAK = {FELLOWS: 20.0, STIPENDS: 5000.0}
COST = {FELLOWS: 1.0, STIPENDS: 0.01}  # the peak costs 70
STIPEND_WIDTH = 250.0


def effect(c: dict[str, float]) -> float:
    """A concave effect with its peak at PEAK, zero for the package with nothing in it."""

    def g(f: float, s: float) -> float:
        return -((f - PEAK[FELLOWS]) ** 2) - ((s - PEAK[STIPENDS]) / STIPEND_WIDTH) ** 2

    return g(c[FELLOWS], c[STIPENDS]) - g(0.0, 0.0)


def planted(candidates: list[dict[str, float]], n: int, seed: int, name: str) -> pd.DataFrame:
    """The stand-in for the model: a draw's noise shared by every package (common random
    numbers) plus a little of each package's own, the planted effect, the linear cost."""
    shared = np.random.default_rng([seed, 0]).normal(0, 50, n)
    rows = [{"package": BASELINE, "draw": d, "outcome": 1000 + shared[d], "cost": 0.0} for d in range(n)]
    for k, c in enumerate(candidates):
        own = np.random.default_rng([seed, 1, k, *(int(v) for v in c.values())]).normal(0, 1, n)
        rows += [
            {"package": k, "draw": d, "outcome": 1000 + shared[d] + effect(c) + own[d],
             "cost": sum(COST[p] * v for p, v in c.items())}
            for d in range(n)
        ]  # fmt: skip
    return pd.DataFrame(rows)


def experiment_file(tmp_path: Path, optimise_table: str, **top: str) -> Path:
    """An experiment file: the baseline and a package with embassy fellows and doctoral
    stipends, an uncertainty, and the given [optimise] table."""
    head = "\n".join(f"{k} = {v}" for k, v in top.items())
    text = f"""name = "planted"
baseline = "{(SCENARIOS / "baseline.toml").as_posix()}"
seed = 11
scale = 1000
start_year = 2004
end_year = 2006
{head}
[scenarios.baseline]
[scenarios.package.levers.embassy_fellows]
start_year = 2004
[scenarios.package.levers.doctoral_stipends]
start_year = 2004
[uncertainties.return_logit_base]
low = -5.0
high = -3.0
[design]
method = "latin_hypercube"
{optimise_table}
"""
    path = tmp_path / "planted.toml"
    path.write_text(text)
    return path


GOOD = f"""[optimise]
outcome = "doctoral_students"
budget = 100
population = 24
generations = 25
samples = 3
replicates = 8
[optimise.levers]
"{FELLOWS}" = {{low = 0, high = 60}}
"{STIPENDS}" = {{low = 0, high = 15000}}
"""


def load(tmp_path: Path, table: str = GOOD, budget: float | None = None) -> Optimisation:
    return load_optimisation(experiment_file(tmp_path, table), budget)


def constrained_optimum(budget: float) -> dict[str, float]:
    """The best package costing at most ``budget``: the peak if it is affordable, else the
    point of the budget line where the effect's gradient is normal to it (Lagrange)."""
    if sum(COST[p] * v for p, v in PEAK.items()) <= budget:
        return PEAK
    # effect gradient = lam * cost gradient: f = F - lam c_f / 2, s = S - lam c_s W^2 / 2
    a = COST[FELLOWS] ** 2 / 2 + COST[STIPENDS] ** 2 * STIPEND_WIDTH**2 / 2
    lam = (sum(COST[p] * v for p, v in PEAK.items()) - budget) / a
    return {
        FELLOWS: PEAK[FELLOWS] - lam * COST[FELLOWS] / 2,
        STIPENDS: PEAK[STIPENDS] - lam * COST[STIPENDS] * STIPEND_WIDTH**2 / 2,
    }


@pytest.mark.parametrize("budget", [100.0, 40.0])
def test_the_search_finds_the_planted_best_package_under_the_budget(tmp_path: Path, budget: float) -> None:
    result = optimise(load(tmp_path, budget=budget), planted, log=lambda msg: None)
    best = result.best()
    want = constrained_optimum(budget)
    assert best is not None
    assert abs(best[FELLOWS] - want[FELLOWS]) <= 3
    assert abs(best[STIPENDS] - want[STIPENDS]) <= 0.1 * want[STIPENDS]
    # the effect is within a few per cent of the best there is under the budget
    assert effect({p: best[p] for p in PEAK}) >= 0.95 * effect(want)


def test_no_front_package_costs_more_than_the_budget(tmp_path: Path) -> None:
    opt = load(tmp_path, budget=40.0)
    result = optimise(opt, planted, log=lambda msg: None)
    assert 3 <= len(result.front) <= 8  # a front, not a point; at most front_points (default 8)
    within = result.evaluated[result.evaluated["yearly_cost_oku"] <= 40.0]
    assert result.front["search_robust"].max() == within["robust"].max()  # the best is always kept
    assert result.front["search_cost_oku"].min() == within["yearly_cost_oku"].min()  # and the cheapest
    assert (result.front["search_cost_oku"] <= 40.0).all()
    assert (result.front["yearly_cost_oku"] <= 40.0).all() and result.front["within_budget"].all()
    # the search did look beyond the budget: the constraint, not the ranges, kept them out
    assert (result.evaluated["yearly_cost_oku"] > 40.0).any()
    # non-dominated: no front package is both cheaper and better than another
    f = result.front
    for _, row in f.iterrows():
        better = (f["yearly_cost_oku"] <= row["yearly_cost_oku"]) & (f["search_robust"] > row["search_robust"])
        cheaper = (f["yearly_cost_oku"] < row["yearly_cost_oku"]) & (f["search_robust"] >= row["search_robust"])
        assert not (better | cheaper).any()


def test_the_search_is_the_same_twice_and_leaves_the_random_module_alone(tmp_path: Path) -> None:
    import random

    opt = load(tmp_path)
    random.seed(5)
    before = random.random()
    random.seed(5)
    first = optimise(opt, planted, log=lambda msg: None)
    assert random.random() == before  # platypus's draws came from its own seeded state
    second = optimise(opt, planted, log=lambda msg: None)
    pd.testing.assert_frame_equal(first.front, second.front)
    pd.testing.assert_frame_equal(first.evaluated, second.evaluated)


def test_each_generation_is_one_simulation_call_at_the_search_draws(tmp_path: Path) -> None:
    calls: list[tuple[int, int, int, str]] = []

    def counting(candidates, n, seed, name):
        calls.append((len(candidates), n, seed, name))
        return planted(candidates, n, seed, name)

    opt = load(tmp_path)
    optimise(opt, counting, log=lambda msg: None)
    search, front = calls[:-1], calls[-1]
    assert [c[3] for c in search] == [f"search/gen-{g:03d}" for g in range(1, len(search) + 1)]
    assert all(n == 3 and seed == 11 for _, n, seed, _ in search)
    assert 0 < search[0][0] <= 24 and len(search) == 25  # a new candidate only once
    assert front[1:] == (8, 12, "front")  # fresh draws, fresh seeds


def test_the_front_says_which_effects_are_told_apart_from_zero(tmp_path: Path) -> None:
    opt = load(tmp_path)
    nothing, peak = {FELLOWS: 0.0, STIPENDS: 0.0}, dict(PEAK)
    searched = pd.DataFrame([{**c, "robust": effect(c), "yearly_cost_oku": 0.0} for c in (nothing, peak)])
    front = resimulate(opt, [nothing, peak], searched, planted).set_index(FELLOWS)
    assert (front["n_pairs"] == 8).all() and (front["status"] == ESTIMABLE).all()
    assert not front.loc[0.0, "distinguishable"] and front.loc[0.0, "lo"] < 0 < front.loc[0.0, "hi"]
    assert front.loc[20.0, "distinguishable"]
    assert front.loc[20.0, "lo"] < effect(peak) < front.loc[20.0, "hi"]
    assert front.loc[20.0, "yearly_cost_oku"] == pytest.approx(70.0)


def test_too_few_pairs_are_not_estimable_and_the_summary_says_so(tmp_path: Path) -> None:
    opt = load(
        tmp_path, GOOD.replace("replicates = 8", "replicates = 3").replace("generations = 25", "generations = 3")
    )
    result = optimise(opt, planted, log=lambda msg: None)
    assert (result.front["status"] == FEW_PAIRS).all() and result.front["lo"].isna().all()
    text = summary(result)
    assert "not estimable" in text and "Best under the budget" in text


def test_the_outputs_name_the_best_package_with_its_interval(tmp_path: Path) -> None:
    result = optimise(load(tmp_path), planted, log=lambda msg: None)
    paths = write_outputs(result, tmp_path / "out")
    assert [p.name for p in paths] == ["front.csv", "search.csv", "pareto.png", "optimise.md"]
    front = pd.read_csv(paths[0])
    assert {FELLOWS, STIPENDS, "yearly_cost_oku", "effect", "lo", "hi", "n_pairs"} <= set(front.columns)
    best = result.best()
    text = paths[3].read_text()
    assert "budget of **100 億円 a year**" in text and "robust statistic: the mean over the draws" in text
    assert f"embassy_fellows fellows {best[FELLOWS]:.0f}" in text
    assert format_interval("people", best["effect"], best["lo"], best["hi"]) in text
    assert paths[2].stat().st_size > 10_000


def test_a_budget_no_package_meets_is_said(tmp_path: Path) -> None:
    def expensive(candidates, n, seed, name):
        table = planted(candidates, n, seed, name)
        return table.assign(cost=np.where(table["package"] == BASELINE, 0.0, table["cost"] + 500.0))

    result = optimise(load(tmp_path, GOOD.replace("generations = 25", "generations = 2")), expensive, log=print)
    assert result.front.empty and result.best() is None
    assert "No package searched stays within 100 億円 a year" in summary(result)


def test_a_front_whose_fresh_runs_cost_too_much_is_said(tmp_path: Path) -> None:
    def dearer_at_fresh_seeds(candidates, n, seed, name):
        table = planted(candidates, n, seed, name)
        dearer = (table["package"] != BASELINE) & (name == "front")
        return table.assign(cost=table["cost"] + np.where(dearer, 100.0, 0.0))

    result = optimise(load(tmp_path), dearer_at_fresh_seeds, log=lambda msg: None)
    assert not result.front.empty and not result.front["within_budget"].any() and result.best() is None
    assert f"None of the {len(result.front)} front packages stays within 100 億円 a year" in summary(result)


def test_the_yearly_cost_is_the_most_expensive_year_of_the_mean_path(tmp_path: Path) -> None:
    """Yearly costs given per year: each year averaged over the runs first, then the largest,
    beyond the baseline's; a noisy year in one run does not set the cost alone."""
    table = pd.DataFrame(
        {"package": [BASELINE, BASELINE, 0, 0], "draw": [0, 1, 0, 1], "outcome": [1.0, 2.0, 3.0, 5.0],
         "cost": [np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.0, 1.0]),
                  np.array([10.0, 30.0, 20.0]), np.array([10.0, 10.0, 40.0])]}
    )  # fmt: skip
    a, b, cost = paired(table, 0)
    assert list(a - b) == [2.0, 3.0]
    assert cost == 29.0  # the mean path is 10, 20, 30 (not the mean of the runs' peaks, 35), less the baseline's 1


def test_the_budget_option_overrides_the_file(tmp_path: Path) -> None:
    assert load(tmp_path, budget=55.0).budget == 55.0
    assert load(tmp_path).budget == 100.0
    assert load(tmp_path, GOOD.replace("budget = 100\n", ""), budget=7.0).budget == 7.0
    with pytest.raises(InputError, match=r"optimise\.budget"):
        load(tmp_path, GOOD.replace("budget = 100\n", ""))


LEVERS = f'[optimise.levers]\n"{FELLOWS}" = {{low = 0, high = 60}}\n'
BAD = [
    ("", "needs an [optimise] table"),
    (f'[optimise]\noutcome = "nope"\nbudget = 1\n{LEVERS}', "optimise.outcome"),
    (f'[optimise]\noutcome = "stayers"\nbudget = 1\n{LEVERS}', "not an indicator with a better direction"),
    ('[optimise]\noutcome = "researchers"\nbudget = 1\n', "optimise.levers"),
    ('[optimise]\noutcome = "researchers"\nbudget = -5\n' + LEVERS, "optimise.budget"),
    ('[optimise]\noutcome = "researchers"\nbudget = 1\nrobust = 0.9\n' + LEVERS, "key 'optimise.robust': needs"),
    ('[optimise]\noutcome = "researchers"\nbudget = 1\nrobust = "median"\n' + LEVERS, "optimise.robust"),
    ('[optimise]\noutcome = "researchers"\nbudget = 1\npopulation = 2\n' + LEVERS, "optimise.population"),
    ('[optimise]\noutcome = "researchers"\nbudget = 1\nyear = 2030\n' + LEVERS, "outside the horizon"),
    ('[optimise]\noutcome = "researchers"\nbudget = 1\ncountry = "XX"\n' + LEVERS, "unknown country"),
    ('[optimise]\noutcome = "researchers"\nbudget = 1\npackage = "nope"\n' + LEVERS, "optimise.package"),
    ('[optimise]\noutcome = "researchers"\nbudget = 1\nbaseline = "nope"\n' + LEVERS, "optimise.baseline"),
    ('[optimise]\noutcome = "researchers"\nbudget = 1\n[optimise.levers]\n"levers.teleport.x" = {low = 0, high = 1}\n',
     "not a lever setting"),
    ('[optimise]\noutcome = "researchers"\nbudget = 1\n[optimise.levers]\n'
     '"levers.embassy_fellows.country" = {low = 0, high = 1}\n', "not a numeric setting"),
    ('[optimise]\noutcome = "researchers"\nbudget = 1\n[optimise.levers]\n'
     '"levers.contact_window.visibility_gain" = {low = 0, high = 1}\n', "does not switch this lever on"),
    (f'[optimise]\noutcome = "researchers"\nbudget = 1\n[optimise.levers]\n"{FELLOWS}" = {{low = 5, high = 5}}\n',
     "needs low < high"),
    (f'[optimise]\noutcome = "researchers"\nbudget = 1\n[optimise.levers]\n"{FELLOWS}" = {{low = 0, high = 2.5}}\n',
     "whole-number bounds"),
    (f'[optimise]\noutcome = "researchers"\nbudget = 1\n[optimise.levers]\n"{STIPENDS}" = {{low = 0, high = 1e9}}\n',
     "not a valid parameter value"),
    (f'[optimise]\noutcome = "researchers"\nbudget = 1\nsurprise = 1\n{LEVERS}', "unknown name"),
]  # fmt: skip


@pytest.mark.parametrize(("table", "expected"), BAD)
def test_a_bad_optimise_table_is_one_error_line(tmp_path: Path, capsys, table: str, expected: str) -> None:
    path = experiment_file(tmp_path, table)
    assert main(["optimise", str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("circsim: error: ") and expected in err, err
    assert str(path) in err


def test_an_optimise_value_that_is_not_a_table_is_refused(tmp_path: Path, capsys) -> None:
    assert main(["optimise", str(experiment_file(tmp_path, "", optimise="3")), "--dry-run"]) == 2
    assert "key 'optimise': is not a table" in capsys.readouterr().err


def test_a_grid_design_is_refused(tmp_path: Path, capsys) -> None:
    path = experiment_file(tmp_path, GOOD)
    path.write_text(path.read_text().replace('method = "latin_hypercube"', 'method = "sobol"'))
    assert main(["optimise", str(path), "--dry-run"]) == 2
    assert "design.method" in capsys.readouterr().err


@pytest.mark.parametrize("budget", ["0", "-3", "nan", "x"])
def test_a_bad_budget_option_is_refused(tmp_path: Path, capsys, budget: str) -> None:
    assert main(["optimise", str(experiment_file(tmp_path, GOOD)), "--budget", budget, "--dry-run"]) == 2
    assert "--budget" in capsys.readouterr().err


def test_the_dry_run_says_what_would_run_and_writes_nothing(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert (
        main(["optimise", str(experiment_file(tmp_path, GOOD)), "--budget", "70", "--out", str(out), "--dry-run"]) == 0
    )
    text = capsys.readouterr().out
    assert "24 candidates x 25 generations x 3 draws = up to 1,800 runs" in text and "budget 70 億円" in text
    assert not out.exists()


def test_without_platypus_it_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "platypus", None)  # import then fails
    out = tmp_path / "out"
    assert main(["optimise", str(experiment_file(tmp_path, GOOD)), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "platypus" in err and "pip install 'circsim[optimise]'" in err
    assert not out.exists()  # said before any run


def test_an_out_that_is_not_a_directory_is_refused_before_any_run(tmp_path: Path, capsys) -> None:
    (tmp_path / "a-file").write_text("x")
    assert main(["optimise", str(experiment_file(tmp_path, GOOD)), "--out", str(tmp_path / "a-file")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--out: is not a directory" in err
