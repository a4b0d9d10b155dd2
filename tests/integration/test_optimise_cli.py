"""``circsim optimise`` on the model itself, tiny (1 agent = 1,000 researchers, 2004-2006,
4 candidates x 2 generations): the outputs, a front within the budget, and a second run
on the same directory that resumes every store and runs nothing again."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from circsim.cli.main import main

SCENARIOS = Path(__file__).parents[2] / "scenarios"
TINY = f"""name = "tiny"
baseline = "{(SCENARIOS / "baseline.toml").as_posix()}"
seed = 3
scale = 1000
start_year = 2004
end_year = 2006
[scenarios.baseline]
[scenarios.package.levers.embassy_fellows]
start_year = 2004
[scenarios.package.levers.doctoral_stipends]
start_year = 2004
[optimise]
outcome = "doctoral_students"
budget = 200
population = 4
generations = 2
samples = 2
replicates = 3
[optimise.levers]
"levers.embassy_fellows.fellows" = {{low = 0, high = 60}}
"levers.doctoral_stipends.stipends" = {{low = 0, high = 15000}}
[uncertainties.return_logit_base]
low = -5.0
high = -3.0
[design]
method = "latin_hypercube"
"""


def _run_lines(out: Path) -> int:
    """Runs recorded in every store under ``out``."""
    return sum(
        json.loads(line)["event"] == "run" for j in out.rglob("journal.jsonl") for line in j.read_text().splitlines()
    )


def test_a_tiny_search_writes_its_outputs_and_resumes_without_running_again(tmp_path: Path, capsys) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    out = tmp_path / "out"
    argv = ["optimise", str(path), "--out", str(out), "--executor", "serial", "--quiet"]
    assert main(argv) == 0
    assert "best under 200 億円 a year" in capsys.readouterr().out
    front = pd.read_csv(out / "front.csv")
    assert not front.empty and (front["yearly_cost_oku"] <= 200).all()
    assert (front["n_pairs"] == 3).all() and (front["status"] == "fewer than 6 pairs").all()
    assert {"front.csv", "search.csv", "pareto.png", "optimise.md"} <= {p.name for p in out.iterdir()}
    assert "not estimable" in (out / "optimise.md").read_text()
    # the stores: the baseline at the search's and the front's draws, two generations, the front
    assert len(list((out / "search").iterdir())) == 2 and len(list(out.glob("baseline-*"))) == 2
    runs = _run_lines(out)
    assert runs == 2 + len(pd.read_csv(out / "search.csv")) * 2 + 3 * (1 + len(front))

    assert main(argv) == 0  # again: every store is complete, nothing runs
    assert _run_lines(out) == runs
    pd.testing.assert_frame_equal(pd.read_csv(out / "front.csv"), front)
