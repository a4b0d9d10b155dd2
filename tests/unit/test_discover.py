"""Scenario discovery (``circsim discover``) and the EMA Workbench loader on hand-built
result stores (no model runs): boxes planted in the outcomes are what PRIM and CART
recover; paired effects; the scenario as a category; one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from circsim.cli.main import main
from circsim.workbench.ema import load_ema
from storekit import build_synthetic_store

RNG = np.random.default_rng(20261127)
N = 120
#: Design points: three uncertainties drawn uniformly, c never matters.
POINTS = [
    {"a": float(a), "b": float(b), "c": float(c)}
    for a, b, c in zip(RNG.uniform(0, 1, N), RNG.uniform(-5, -3, N), RNG.uniform(2, 4, N), strict=True)
]


def planted(scenario: str, p: dict, replicate: int, year: int) -> float:
    """Researchers 100 higher inside the box a > 0.6 and b < -4.2, a trend over the years
    and a replicate offset that never crosses the threshold of 1,050 in 2040."""
    return 1000.0 + 100.0 * (p["a"] > 0.6 and p["b"] < -4.2) + (year - 2040) + 3.0 * replicate


def lever_fails_where_b_is_low(scenario: str, p: dict, replicate: int, year: int) -> float:
    """The baseline differs a lot between replicates (seeds); the lever's paired effect is
    +10 except where b < -4, where it is -5."""
    base = 1000.0 + 500.0 * replicate + 40.0 * p["c"]
    return base if scenario == "baseline" else base + (-5.0 if p["b"] < -4.0 else 10.0)


def _discover(store: Path, *args: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    out = store / "found"
    assert main(["discover", str(store), "--out", str(out), *args]) == 0
    md = (out / "discover.md").read_text(encoding="utf-8")
    return pd.read_csv(out / "boxes.csv"), pd.read_csv(out / "limits.csv"), md


def test_prim_and_cart_recover_a_planted_box(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = build_synthetic_store(tmp_path / "store", POINTS, planted, replicates=2)
    boxes, limits, md = _discover(store, "--outcome", "researchers", "--threshold", "1050")
    first = limits[(limits["method"] == "prim") & (limits["box"] == 1)].set_index("uncertainty")
    assert set(first.index) == {"a", "b"}  # c is never restricted
    assert abs(first.loc["a", "low"] - 0.6) < 0.05 and np.isnan(first.loc["a", "high"])
    assert abs(first.loc["b", "high"] - (-4.2)) < 0.1 and np.isnan(first.loc["b", "low"])
    assert (first[["qp_low", "qp_high"]].min(axis=1) < 1e-3).all()
    prim = boxes[boxes["method"] == "prim"].iloc[0]
    assert prim["coverage"] > 0.9 and prim["density"] > 0.95  # PRIM trades a little coverage for density
    truth = sum(2 for p in POINTS if p["a"] > 0.6 and p["b"] < -4.2)
    assert prim["cases"] == round(prim["coverage"] * truth)
    cart = limits[(limits["method"] == "cart") & (limits["box"] == 1)]
    assert set(cart["uncertainty"]) == {"a", "b"}
    cart_section = md.split("### CART leaves")[1]
    assert "nominal and optimistic" in cart_section  # the leaves were chosen from these runs
    assert "Under which assumptions is Researchers (JP, 2040) at least 1,050?" in md
    assert prim["rule"] in md and "PRIM box 1" in capsys.readouterr().out
    for name in ("discover.png", "prim-box.png", "trajectory.csv"):
        assert (store / "found" / name).stat().st_size > 0


def test_the_effect_is_paired_with_the_baseline_run_of_the_same_seed(tmp_path: Path) -> None:
    store = build_synthetic_store(
        tmp_path / "store", POINTS[:50], lever_fails_where_b_is_low, scenarios=("baseline", "lever"), replicates=2
    )
    args = ["--outcome", "researchers", "--effect", "--scenario", "lever", "--threshold", "0", "--below"]
    boxes, limits, md = _discover(store, *args)
    first = limits[(limits["method"] == "prim") & (limits["box"] == 1)].set_index("uncertainty")
    assert list(first.index) == ["b"]  # a restriction that could be chance is dropped
    assert -4.1 < first.loc["b", "high"] <= -4.0
    assert boxes.iloc[0]["density"] == 1.0 and boxes.iloc[0]["coverage"] > 0.9
    assert "Under which assumptions does lever fail to raise Researchers (JP, 2040)?" in md
    assert "100 runs of lever" in md


def test_two_planted_boxes_are_found_one_after_the_other(tmp_path: Path) -> None:
    def either(scenario: str, p: dict, replicate: int, year: int) -> float:
        return 1.0 if p["a"] > 0.85 or p["b"] < -4.7 else 0.0

    store = build_synthetic_store(tmp_path / "store", POINTS, either)
    boxes, limits, _ = _discover(store, "--outcome", "researchers", "--threshold", "1")
    prim = limits[limits["method"] == "prim"]
    assert [set(prim[prim["box"] == k]["uncertainty"]) for k in (1, 2)] in ([{"a"}, {"b"}], [{"b"}, {"a"}])
    assert boxes[boxes["method"] == "prim"]["coverage"].head(2).sum() > 0.95


def test_several_scenarios_make_the_scenario_a_category(tmp_path: Path) -> None:
    def lever_high_where_a_is_high(scenario: str, p: dict, replicate: int, year: int) -> float:
        return 1.0 if scenario == "lever" and p["a"] > 0.5 else 0.0

    store = build_synthetic_store(
        tmp_path / "store", POINTS[:80], lever_high_where_a_is_high, scenarios=("baseline", "lever")
    )
    _, limits, _ = _discover(store, "--outcome", "researchers", "--threshold", "1")
    first = limits[(limits["method"] == "prim") & (limits["box"] == 1)].set_index("uncertainty")
    assert first.loc["policy", "values"] == "lever"
    assert abs(first.loc["a", "low"] - 0.5) < 0.05


def test_load_ema_gives_the_pair_ema_workbench_returns(tmp_path: Path) -> None:
    store = build_synthetic_store(
        tmp_path / "store", POINTS[:5], lever_fails_where_b_is_low, scenarios=("baseline", "lever"), replicates=2
    )
    experiments, outcomes = load_ema(store, country="JP")
    assert list(experiments.columns) == ["a", "b", "c", "scenario", "policy", "model"]
    assert len(experiments) == 5 * 2 * 2
    assert all(isinstance(experiments[c].dtype, pd.CategoricalDtype) for c in ("scenario", "policy", "model"))
    assert experiments["a"].dtype == float and set(experiments["model"]) == {"circsim"}
    assert set(outcomes) == {"researchers", "TIME"}
    assert outcomes["researchers"].shape == outcomes["TIME"].shape == (20, 2)
    assert (outcomes["TIME"] == [2030.0, 2040.0]).all()
    row = 7  # every row holds its own run's values
    point = POINTS[int(experiments["scenario"].iloc[row])]
    replicate = row // 2 % 2
    expected = lever_fails_where_b_is_low(str(experiments["policy"].iloc[row]), point, replicate, 2040)
    assert outcomes["researchers"][row, 1] == expected
    assert experiments["b"].iloc[row] == point["b"]
    only, _ = load_ema(store, scenarios=["lever"])
    assert set(only["policy"]) == {"lever"} and len(only) == 10


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--outcome", "bogus", "--threshold", "1"], ["key 'outcome'", "bogus", "researchers"]),
        (["--outcome", "researchers", "--threshold", "5000"], ["key 'threshold'", "no run meets", "between"]),
        (["--outcome", "researchers", "--threshold", "0"], ["key 'threshold'", "every run meets"]),
        (["--outcome", "researchers", "--threshold", "1", "--scenario", "x"], ["key 'scenario'", "baseline, lever"]),
        (["--outcome", "researchers", "--threshold", "1", "--year", "2031"], ["key 'year'", "2030-2040"]),
        (["--outcome", "researchers", "--threshold", "1", "--country", "XX"], ["key 'country'", "JP"]),
        (["--outcome", "researchers", "--threshold", "0", "--effect", "--scenario", "baseline"], ["against itself"]),
        (["--outcome", "researchers", "--threshold", "nan"], ["--threshold", "finite number"]),
        (["--outcome", "researchers", "--threshold", "1", "--min-coverage", "2"], ["--min-coverage", "0 to 1"]),
        (["--threshold", "1"], ["--outcome"]),
    ],
)
def test_bad_questions_get_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: list[str]
) -> None:
    store = build_synthetic_store(
        tmp_path / "store", POINTS[:10], lever_fails_where_b_is_low, scenarios=("baseline", "lever")
    )
    assert main(["discover", str(store), *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("circsim: error: ")
    assert all(text in err for text in expected), err


@pytest.mark.parametrize(
    ("points", "expected"),
    [([{}] * 12, ["samples no uncertainty", "scenarios/discover.toml"]), (POINTS[:6], ["only 6 runs", "at least 10"])],
)
def test_stores_that_cannot_be_analysed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], points: list[dict], expected: list[str]
) -> None:
    store = build_synthetic_store(tmp_path / "store", points, lambda s, p, r, y: float(r + y))
    assert main(["discover", str(store), "--outcome", "researchers", "--threshold", "1"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and all(text in err for text in expected), err


def test_without_ema_workbench_it_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("ema_workbench", "ema_workbench.analysis", "ema_workbench.analysis.prim"):
        monkeypatch.setitem(sys.modules, name, None)  # import then fails
    assert main(["discover", str(tmp_path), "--outcome", "researchers", "--threshold", "1"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "EMA Workbench" in err and "pip install 'circsim[discover]'" in err
