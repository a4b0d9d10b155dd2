"""The pattern table (`circsim validate`): simulated means and intervals against targets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from circsim.cli.main import main
from circsim.workbench.validate import pattern_table

ROOT = Path(__file__).resolve().parents[2]

TARGETS = pd.DataFrame(
    {
        "indicator": ["visits_abroad_long", "intl_coauthorship_share", "papers"],
        "country": ["JP", "UK", "JP"],
        "year": [2010, 2022, 2050],
        "value": [4000.0, 0.7, 1.0],
        "tolerance": [500.0, 0.05, 0.1],
        "status": ["target"] * 3,
        "group": ["mobility", "coauthorship", "papers"],
        "source": ["a", "b", "c"],
    }
)


def _indicators() -> pd.DataFrame:
    rows = []
    for k, (visits, share) in enumerate([(3800.0, 0.60), (4200.0, 0.62), (4700.0, 0.64)]):
        rows += [
            {"run_id": f"r{k}", "year": 2010, "country": "JP", "indicator": "visits_abroad_long", "value": visits},
            {"run_id": f"r{k}", "year": 2022, "country": "UK", "indicator": "intl_coauthorship_share", "value": share},
        ]
    return pd.DataFrame(rows)


@pytest.mark.unit
def test_pattern_table_matches_a_hand_computation():
    t = pattern_table(_indicators(), TARGETS).set_index("indicator")
    visits = np.array([3800.0, 4200.0, 4700.0])
    row = t.loc["visits_abroad_long"]
    assert row["simulated_mean"] == pytest.approx(visits.mean())
    assert row["simulated_p05"] == pytest.approx(np.percentile(visits, 5))
    assert row["simulated_p95"] == pytest.approx(np.percentile(visits, 95))
    assert row["runs"] == 3 and bool(row["holds"]) is True  # |4233 - 4000| <= 500
    share = t.loc["intl_coauthorship_share"]
    assert share["simulated_mean"] == pytest.approx(0.62) and bool(share["holds"]) is False  # 0.08 > 0.05
    missing = t.loc["papers"]  # year 2050 was never simulated
    assert missing["runs"] == 0 and missing["holds"] is None and np.isnan(missing["simulated_mean"])


def test_validate_runs_replicates_and_writes_the_table(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "val"
    args = ["validate", "--replicates", "2", "--scale", "5000", "--workers", "1", "--out", str(out)]
    assert main(args) == 0
    table = pd.read_csv(out / "patterns.csv")
    assert len(table) == len(pd.read_csv(ROOT / "src/circsim/workbench/data/targets.csv"))
    assert (table["runs"] == 2).all()
    assert (out / "patterns.png").stat().st_size > 0
    assert (out / "series.png").stat().st_size > 0
    printed = capsys.readouterr().out
    assert "in-sample: " in printed and "targets hold; out-of-sample" in printed and "input checks: " in printed
    assert "in-sample: " in (out / "patterns.md").read_text(encoding="utf-8")


def test_validate_store_with_an_unknown_scenario_is_bad_input(tiny_store, tmp_path, capsys):
    """Rejected from the store's run table, before any indicator is read or file written."""
    out = tmp_path / "w"
    code = main(["validate", "--store", str(tiny_store), "--scenario", "nope", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"circsim: error: {tiny_store}: ") and err.count("\n") == 1
    assert "'scenario'" in err and "'nope'" in err and "allowed: baseline, fellows" in err
    assert not out.exists()
