"""Sensitivity analysis: wiring of SALib's analysers and `circsim sensitivity`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from circsim.cli.main import main
from circsim.workbench.sensitivity import indices

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}


@pytest.mark.unit
def test_morris_ranks_the_influential_parameter_first():
    x = morris_sample.sample(PROBLEM, 20, num_levels=4, seed=1)
    y = 3.0 * x[:, 0] + 0.0 * x[:, 1]  # only a matters; its elementary effect is 3
    t = indices(PROBLEM, "morris", x, y).set_index("parameter")
    assert abs(t.loc["a", "mu_star"] - 3.0) < 1e-9
    assert t.loc["b", "mu_star"] == 0.0


@pytest.mark.unit
def test_sobol_total_index_of_an_inert_parameter_is_near_zero():
    x = sobol_sample.sample(PROBLEM, 256, calc_second_order=False, seed=1)
    y = np.sin(2 * x[:, 0])
    t = indices(PROBLEM, "sobol", x, y).set_index("parameter")
    assert t.loc["a", "ST"] > 0.9 and abs(t.loc["b", "ST"]) < 0.05


def test_sensitivity_command_runs_a_morris_experiment(tmp_path, capsys):
    exp = tmp_path / "sens.toml"
    baseline = (ROOT / "scenarios" / "baseline.toml").as_posix()
    exp.write_text(
        f'baseline = "{baseline}"\nscale = 5000\nend_year = 2008\n[scenarios.baseline]\n'
        "[uncertainties.visit_logit_base]\nlow = -4.0\nhigh = -3.0\n"
        "[uncertainties.return_logit_base]\nlow = -2.5\nhigh = -1.5\n"
        '[design]\nmethod = "morris"\nsamples = 2\nlevels = 4\n',
        encoding="utf-8",
    )
    assert main(["sensitivity", str(exp), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 0
    table = pd.read_csv(tmp_path / "out" / "sensitivity.csv")
    assert set(table["parameter"]) == {"visit_logit_base", "return_logit_base"}
    assert (table["mu_star"] >= 0).all() and table["outcome"].str.contains("visits_abroad_long").any()
    assert set(table["signal"]) <= {"beyond noise", "uncertain", "within noise"}
    assert table.loc[table["signal"] == "beyond noise", "beyond_noise"].all()
    assert not table.loc[table["signal"] == "within noise", "beyond_noise"].any()
    assert "parameter-outcome pairs:" in capsys.readouterr().out
    assert (tmp_path / "out" / "sensitivity.png").stat().st_size > 0


def test_sensitivity_needs_a_morris_or_sobol_design(capsys):
    code = main(["sensitivity", str(ROOT / "scenarios" / "levers.toml")])
    err = capsys.readouterr().err
    assert code == 2 and "design.method" in err and "morris" in err
