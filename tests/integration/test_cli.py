"""The command line: complete help, a small run with its summary and Parquet output, and
one-line errors (exit status 2, no traceback) for every kind of bad input."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from circsim import CirculationModel
from circsim.cli.main import build_parser, main
from circsim.cli.parser import parse_assignment
from circsim.errors import ResourceError
from circsim.sim.indicators import HEADLINE
from circsim.workbench import store

SMALL = ["--scale", "5000", "--end-year", "2006", "--quiet"]
INDICATOR_COLUMNS = ["year", "country", "indicator", "value"]
FLOW_COLUMNS = ["year", "origin", "destination", "nationality", "from_sector", "to_sector", "count"]


@pytest.fixture(autouse=True)
def _no_default_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test in an empty directory, so no scenarios/baseline.toml is picked up."""
    monkeypatch.chdir(tmp_path)


def _run_parser() -> argparse.ArgumentParser:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices["run"]


def test_help_exits_0_and_names_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "run" in out
    assert "--version" in out
    assert "examples:" in out


def test_run_help_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    actions = _run_parser()._actions
    assert len(actions) >= 9
    for action in actions:
        assert action.help, f"{action.dest} has no help text"
        names = action.option_strings or [action.metavar]
        assert all(name in out for name in names), names
    assert "examples:" in out
    assert "circsim run " in out


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("levers.contact_window.enabled=true", "levers.contact_window.enabled", True),
        ("scale=50", "scale", 50),
        ("countries.JP.renewal_prob = 0.5", "countries.JP.renewal_prob", 0.5),
        ("focal_country=DE", "focal_country", "DE"),
        ('name="two words"', "name", "two words"),
    ],
)
def test_set_values_are_toml_literals(text: str, key: str, value: object) -> None:
    parsed = parse_assignment(text)
    assert (parsed.key, parsed.value) == (key, value)
    assert type(parsed.value) is type(value)


def test_small_run_prints_summary_and_writes_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "results"
    assert main(["run", *SMALL, "--out", str(out_dir)]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # --quiet
    assert "Headline indicators, JP" in out
    for name in HEADLINE:
        assert name in out
    visits = next(line for line in out.splitlines() if line.startswith("visits_abroad_long"))
    assert "obs 4,086 ±800 (2009)" in visits  # observed values beside the simulated ones
    assert "4,178 ±800 (2019)" in visits
    assert "Calibration targets" in out
    assert "top10_rank" in out  # the target of 2005 is within the run
    indicators = pd.read_parquet(out_dir / "indicators.parquet")
    flows = pd.read_parquet(out_dir / "flows.parquet")
    assert list(indicators.columns) == INDICATOR_COLUMNS
    assert list(flows.columns) == FLOW_COLUMNS
    assert sorted(indicators.year.unique()) == [2004, 2005, 2006]
    assert len(flows) > 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["flows.parquet", "indicators.parquet"]  # no temp files
    assert f"wrote {out_dir / 'flows.parquet'}" in out


def test_progress_goes_to_stderr_and_set_changes_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "--scale", "5000", "--end-year", "2005", "--set", "focal_country=DE"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "Headline indicators, DE" in out
    assert "circsim: 2004  1/2" in err
    assert "circsim: 2005  2/2" in err


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupt(self: CirculationModel) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(CirculationModel, "step", interrupt)
    assert main(["run", *SMALL]) == 130
    assert capsys.readouterr().err.strip() == "circsim: interrupted"


# --- bad input: one line, exit 2, naming the file and the key ------------------------

BAD_FILES = {
    "invalid_toml": ("[model\nscale = 5\n", ["not valid TOML", "line 1"]),
    "unknown_key": ("[model]\nbogus = 1\n", ["model.bogus", "unknown name", "allowed:"]),
    "unknown_lever": ("[levers.teleport]\nenabled = true\n", ["levers.teleport", "overseas_fellowships"]),
    "negative_count": (
        "[levers.overseas_fellowships]\nfellows_per_year = -5\n",
        ["levers.overseas_fellowships.fellows_per_year", "-5", ">= 0"],
    ),
}


def _assert_one_line_error(err: str, *expected: str) -> None:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("circsim: error: ")
    for text in expected:
        assert text in lines[0]


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_scenario_file(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content, expected = BAD_FILES[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(content)
    assert main(["run", str(path), *SMALL]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    _assert_one_line_error(err, f"{case}.toml", *expected)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "missing.toml"], ["missing.toml", "file not found"]),
        (["run", "--scale", "-1"], ["--scale -1", "model.scale", "> 0"]),
        (["run", "--set", "scale"], ["--set", "'scale'", "KEY=VALUE"]),
        (["run", "--set", "scale=[1,"], ["--set", "scale", "not a valid TOML value"]),
        (["run", "--set", "levers.contact_window.enabled=maybe"], ["levers.contact_window.enabled", "true or false"]),
        (["run", "--seed", "-1"], ["--seed", "integer >= 0"]),
        (["run", "--bogus"], ["unrecognized arguments: --bogus"]),
        ([], ["COMMAND"]),
    ],
)
def test_bad_command_line(argv: list[str], expected: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    _assert_one_line_error(capsys.readouterr().err, *expected)


def test_full_disk_is_one_line_and_status_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(tables: dict, out: Path) -> list[Path]:
        raise ResourceError("no space left on the device while writing flows.parquet", source=str(out))

    monkeypatch.setattr(store, "write_tables", full)
    assert main(["run", *SMALL, "--out", str(tmp_path / "out")]) == 1
    _assert_one_line_error(capsys.readouterr().err, "no space left on the device")


def test_bad_out_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    assert main(["run", *SMALL, "--out", str(not_a_dir)]) == 2
    _assert_one_line_error(capsys.readouterr().err, "--out", "not a directory")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["bad.toml"], ["bad.toml", "model.bogus"]),
        (["--scale", "-1"], ["model.scale"]),
        (["--set", "=3"], ["--set", "'=3'"]),
    ],
)
def test_no_traceback_reaches_the_user(args: list[str], expected: list[str], tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[model]\nbogus = 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "circsim.cli", "run", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    _assert_one_line_error(proc.stderr, *expected)


# --- circsim ui: handed over to the interface's own entry point ----------------------


def test_ui_hands_over_to_the_interface_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(os, "execv", lambda exe, argv: calls.append((exe, argv)))
    assert main(["ui", "--port", "0", "--store", "results/x"]) == 0
    assert calls == [(sys.executable, [sys.executable, "-m", "circsim.ui", "--port", "0", "--store", "results/x"])]
    assert main(["ui", "--help"]) == 0  # the interface prints its own help
    assert calls[-1][1][3:] == ["--help"]


def test_ui_help_and_bad_options_in_the_interface_process() -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "circsim", "ui", "--help"], capture_output=True, text=True, timeout=120
    )
    assert help_text.returncode == 0
    assert all(option in help_text.stdout for option in ("usage: circsim ui", "--host", "--port", "--store"))
    proc = subprocess.run(
        [sys.executable, "-m", "circsim", "ui", "--port", "70000"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    _assert_one_line_error(proc.stderr, "--port", "from 0 to 65535", "see 'circsim ui --help'")
