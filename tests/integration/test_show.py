"""``circsim show``: what a scenario or experiment file resolves to, with the yearly cost
of its levers from a coarse run of the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from circsim.cli.main import main
from circsim.sim.scenario import load_scenario
from circsim.workbench.describe import yearly_costs

ROOT = Path(__file__).resolve().parents[2]
COARSE = ["--scale", "20000"]


def test_the_yearly_cost_is_the_models_own_accounting() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "embassy_fellows.toml", {"end_year": 2030, "start_year": 2024})
    costs = yearly_costs(scenario, scale=20000)
    assert list(costs.columns) == ["embassy_fellows"] and list(costs.index) == list(range(2024, 2031))
    lever = scenario.levers.embassy_fellows
    expected = [lever.fellows * lever.cost_per_fellow_year_yen if y >= lever.start_year else 0.0 for y in costs.index]
    assert list(costs["embassy_fellows"]) == expected  # a fixed budget: 30 fellows x 2e7 yen from 2027


def test_a_costing_run_nobody_wants_any_more_stops_at_its_next_year() -> None:
    """The page's costing run for settings it has left: asked before each year, it stops."""
    scenario = load_scenario(ROOT / "scenarios" / "embassy_fellows.toml", {"end_year": 2030, "start_year": 2024})
    asked: list[int] = []

    def still_wanted() -> bool:
        asked.append(1)
        return len(asked) <= 3

    costs = yearly_costs(scenario, scale=20000, still_wanted=still_wanted)
    assert list(costs.index) == [2024, 2025, 2026] and len(asked) == 4


def test_show_a_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "mine"\ndescription = "two levers"\n[model]\nend_year = 2029\n[countries.JP]\nrenewal_prob = 0.5\n'
        "[levers.contact_window]\nstart_year = 2027\n[levers.hiring_values_overseas]\nstart_year = 2028\n",
        encoding="utf-8",
    )
    assert main(["show", str(path), *COARSE]) == 0
    out = capsys.readouterr().out
    assert "scenario 'mine'" in out and "two levers" in out and "Runs 2004-2029" in out
    values = out.split("Values set")[1].split("Lever ")[0]
    assert "countries.JP.renewal_prob" in values and "model.end_year" in values and "file" in values
    assert "Lever contact_window: A single contact window" in out and "Lever hiring_values_overseas" in out
    cost = out.split("Yearly cost")[1].splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in cost if line.strip()[:4].isdigit()}
    assert list(rows) == ["2027", "2028", "2029"]  # from the first year a lever costs something
    assert rows["2027"] == ["3", "0", "3"] and rows["2029"] == ["3", "1", "4"]  # 3e8 and 1e8 yen in 億円
    assert "scale 20000, seed 0" in out


def test_show_an_experiment_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "e.toml"
    path.write_text(
        f'name = "small"\nbaseline = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\nend_year = 2028\n'
        "[scenarios.baseline]\n[scenarios.window]\n"
        f'file = "{(ROOT / "scenarios" / "contact_window.toml").as_posix()}"\n'
        "[scenarios.open]\nlevers.open_permanent_posts = { start_year = 2028 }\nmodel.utility_move_cost = 3.5\n"
        '[uncertainties.return_logit_base]\nlow = -5.0\nhigh = -3.0\n[design]\nmethod = "latin_hypercube"\n'
        "samples = 2\n",
        encoding="utf-8",
    )
    assert main(["show", str(path), *COARSE]) == 0
    out = capsys.readouterr().out
    assert "6 runs: 3 scenarios x 2 design points (latin_hypercube) x 1 replicates" in out
    assert "return_logit_base  -5 to -3" in out
    scenarios = out.split("Scenarios:")[1].split("Yearly cost")[0]
    assert "contact_window: start_year=2027" in scenarios and "open_permanent_posts: start_year=2028" in scenarios
    assert "model.utility_move_cost=3.5" in scenarios
    header = next(line for line in out.split("Yearly cost")[1].splitlines() if line.strip().startswith("year"))
    assert header.split() == ["year", "baseline", "window", "open"]
    assert main(["show", str(path), "--no-cost"]) == 0
    assert "Yearly cost" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[levers.teleport]\n", ["levers.teleport", "unknown name"]),
        ("[scenarios.a]\n", ["key 'baseline'", "baseline.toml: file not found"]),
    ],
)
def test_show_a_bad_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: list[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    assert main(["show", str(path), "--no-cost"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and all(text in err for text in expected), err
