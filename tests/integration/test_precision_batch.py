"""``circsim batch`` with a [precision] table on the real model (1:1,000, 2004-2006, two
scenarios): a progress line per round until the target is met, the outcome on stdout, a
rerun that runs nothing, and the Precision section of ``circsim compare``'s report."""

from __future__ import annotations

import re
from pathlib import Path

from circsim.cli.main import main
from circsim.workbench.experiment import load_experiment
from circsim.workbench.precision import precision_state, store_target
from circsim.workbench.store import open_store

ROOT = Path(__file__).resolve().parents[2]
STEP, TARGET = 2, 0.05
EXPERIMENT = f"""
name = "precise"
baseline = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"
replicates = 3
seed = 1
scale = 1000
start_year = 2004
end_year = 2006

[scenarios.baseline]
[scenarios.fellows]
levers.overseas_fellowships = {{ enabled = true, start_year = 2004, fellows_per_year = 20000 }}

[precision]
indicators = ["papers", "researchers"]
half_width = {TARGET}
max_runs = 40
step = {STEP}
"""
ROUND = re.compile(r"precision round (\d+): (\d+) replicates, worst half-width (\w+) \((\w+)\) (.*) \(target 5%\)")


def test_batch_adds_replicates_until_the_target_and_the_report_says_so(tmp_path, capsys):
    path = tmp_path / "precise.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    out = tmp_path / "store"
    assert main(["batch", str(path), "--out", str(out), "--dry-run"]) == 0
    assert "then replicates added 2 a round until the 95% half-width of every focal effect (papers, researchers" in (
        capsys.readouterr().out
    )
    assert main(["show", str(path)]) == 0
    assert "Precision on demand: replicates added 2 a round" in capsys.readouterr().out
    assert main(["batch", str(path), "--out", str(out), "--executor", "serial"]) == 0
    stdout, stderr = capsys.readouterr()
    rounds = [ROUND.fullmatch(line).groups() for line in stderr.splitlines() if line.startswith("precision round")]
    store = open_store(out)
    state = precision_state(store, store_target(store))
    assert [int(r[0]) for r in rounds] == list(range(1, state.rounds + 1))
    assert [int(r[1]) for r in rounds] == list(range(3, state.replicates + 1, STEP))
    assert state.rounds > 1 and state.met  # replicates were added, and the last round meets the target
    *before, last = rounds
    assert all(r[4].startswith("not estimable") or float(r[4].rstrip("%")) > 100 * TARGET for r in before)
    assert float(last[4].rstrip("%")) <= 100 * TARGET
    assert f"precision: target reached: every focal effect within 5% ({state.replicates} replicates" in stdout
    assert len(store.done()) == state.planned == 2 * state.replicates

    parts = {p.name: p.read_bytes() for p in (out / "indicators.parquet").iterdir()}
    assert main(["batch", str(path), "--out", str(out), "--executor", "serial", "--quiet"]) == 0  # nothing to add
    assert {p.name: p.read_bytes() for p in (out / "indicators.parquet").iterdir()} == parts
    assert open_store(out).replicates == state.replicates
    assert load_experiment(path).spec.replicates == 3  # the file is not changed

    capsys.readouterr()
    assert main(["compare", str(out), "--out", str(tmp_path / "report")]) == 0
    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert f"**Target reached: every focal effect within 5% ({state.replicates} replicates" in report
