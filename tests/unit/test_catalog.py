"""``circsim list`` (levers, scenario files, indicators, read from the code and files that
define them) and ``circsim export`` (a store's tables as CSV files or an Excel workbook),
on hand-built inputs and stores."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from circsim.cli.main import main
from circsim.sim.indicators import REGISTRY
from circsim.sim.levers import LEVER_NAMES
from circsim.workbench import export
from circsim.workbench.catalog import lever_classes
from circsim.workbench.store import open_store
from storekit import build_synthetic_store

ROOT = Path(__file__).resolve().parents[2]


def _csv(capsys: pytest.CaptureFixture[str], *argv: str) -> pd.DataFrame:
    assert main(["list", *argv, "--format", "csv"]) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)


def test_list_levers_gives_every_setting_with_its_default_and_allowed_values(capsys: pytest.CaptureFixture[str]):
    table = _csv(capsys, "levers")
    assert list(dict.fromkeys(table["lever"])) == list(LEVER_NAMES)
    assert len(table) == sum(len(cls.model_fields) for cls in lever_classes().values())
    fellows = table[table["lever"] == "overseas_fellowships"].set_index("setting")
    assert fellows.loc["guarantee", "allowed"] == "none, fixed, permanent"
    assert fellows.loc["guarantee", "default"] == "none"
    assert fellows.loc["fellows_per_year", "allowed"] == "a number >= 0 and <= 1e+06"
    assert fellows.loc["duration_years", "allowed"] == "an integer >= 1 and <= 10"
    assert fellows.loc["enabled", "allowed"] == "true or false"
    assert fellows.loc["fellows_per_year", "description"] == "new fellowships a year (real people)"
    assert main(["list", "levers"]) == 0
    text = capsys.readouterr().out
    assert "overseas_fellowships: Fellowships abroad for young researchers" in text
    assert "cost_per_guaranteed_post_year_yen" in text


def test_list_indicators_is_the_registry(capsys: pytest.CaptureFixture[str]):
    table = _csv(capsys, "indicators").set_index("name")
    assert list(table.index) == list(REGISTRY)
    assert table.loc["fixed_term_share", "unit"] == "share" and table.loc["fixed_term_share", "better"] == "lower"
    assert table.loc["nationals_abroad", "better"] == "depends"
    assert table.loc["researchers", "definition"] == REGISTRY["researchers"].definition


def test_list_scenarios_says_what_each_file_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "a.toml").write_text(
        'description = "two levers, one off"\n[model]\nscale = 50\n[levers.contact_window]\n'
        "[levers.admin_load]\nenabled = false\n",
        encoding="utf-8",
    )
    (tmp_path / "b.toml").write_text('[scenarios.x]\n[scenarios.y]\n[design]\nmethod = "none"\n', encoding="utf-8")
    (tmp_path / "c.toml").write_text("[model\n", encoding="utf-8")
    table = _csv(capsys, "scenarios", "--dir", str(tmp_path)).set_index("file")
    assert list(table["kind"]) == ["scenario", "experiment", "unreadable"]
    assert table.loc["a.toml", "contents"] == "levers: contact_window; 1 parameter values"
    assert table.loc["a.toml", "name"] == "a" and table.loc["a.toml", "description"] == "two levers, one off"
    assert table.loc["b.toml", "contents"].startswith("scenarios: x, y; 0 uncertainties, design none")
    assert "TOML" in table.loc["c.toml", "description"]


def test_list_scenarios_of_the_repository_reads_every_file(capsys: pytest.CaptureFixture[str]):
    table = _csv(capsys, "scenarios", "--dir", str(ROOT / "scenarios")).set_index("file")
    assert set(table.index) == {p.name for p in (ROOT / "scenarios").glob("*.toml")}
    assert "unreadable" not in set(table["kind"])
    assert table.loc["levers.toml", "kind"] == "experiment" and table.loc["calibration.toml", "kind"] == "calibration"
    assert table.loc["portfolio.toml", "kind"] == "optimisation"
    assert table.loc["combined.toml", "contents"].startswith("levers: base_funding, overseas_fellowships")


def test_list_of_a_missing_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["list", "scenarios", "--dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "nowhere" in err and "not a directory" in err
    assert main(["list", "parameters"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def _store(tmp_path: Path) -> Path:
    points = [{"a": float(a)} for a in np.linspace(0, 1, 4)]
    return build_synthetic_store(
        tmp_path / "store", points, lambda s, p, r, y: p["a"] * y + r, scenarios=("baseline", "lever"), replicates=2
    )


def test_export_csv_writes_the_store_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = _store(tmp_path)
    assert main(["export", str(path)]) == 0
    out = path / "export"
    assert sorted(p.name for p in out.iterdir()) == ["indicators.csv", "runs.csv", "store.csv"]  # no flows kept
    store = open_store(path)
    pd.testing.assert_frame_equal(pd.read_csv(out / "indicators.csv"), store.indicators(), check_dtype=False)
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs["run_id"]) == list(store.runs()["run_id"]) and "a" in runs
    about = pd.read_csv(out / "store.csv").set_index("key")["value"]
    assert about["runs done"] == "16" and about["experiment file"] == "exp.toml"
    assert "wrote" in capsys.readouterr().out


def test_export_xlsx_splits_tables_longer_than_a_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    path = _store(tmp_path)
    monkeypatch.setattr(export, "EXCEL_ROWS", 13)  # 12 rows a sheet below the header
    assert main(["export", str(path), "--format", "xlsx", "--out", str(tmp_path / "x")]) == 0
    assert "writing 32 rows to an Excel workbook" in capsys.readouterr().err
    book = pd.read_excel(tmp_path / "x" / "store.xlsx", sheet_name=None)
    assert list(book) == ["store", "runs", "runs (2)", "indicators", "indicators (2)", "indicators (3)"]
    store = open_store(path)
    indicators = pd.concat([book["indicators"], book["indicators (2)"], book["indicators (3)"]], ignore_index=True)
    pd.testing.assert_frame_equal(indicators, store.indicators(), check_dtype=False)
    assert len(book["runs"]) + len(book["runs (2)"]) == 16


def test_export_of_a_directory_that_is_not_a_store_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["export", str(tmp_path), "--format", "xlsx"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "not a result store" in err
