"""docs/ODD.md stays true to the data: its pattern table lists exactly the targets of
data/targets.csv, and its calibrated-parameter table the values of data/calibrated.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from circsim.sim.inputs import CALIBRATED_FILE, load_targets

ODD = Path(__file__).parents[2] / "docs" / "ODD.md"


def _table_after(heading: str) -> list[list[str]]:
    """Rows (cells stripped of backticks) of the first Markdown table after ``heading``."""
    text = ODD.read_text(encoding="utf-8")
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            rows.append([c.strip().strip("`") for c in line.strip().strip("|").split("|")])
        elif rows:
            break
    return [r for r in rows[1:] if not set("".join(r)) <= set("-: ")]  # drop the header and separator


def _number(cell: str) -> float:
    return float(re.sub(r"[,\s]", "", cell))


def test_odd_pattern_table_lists_every_target():
    rows = _table_after("### Patterns")
    odd = {(r[0], r[1], int(r[2])): (_number(r[3]), _number(r[4])) for r in rows}
    targets = {
        (t.indicator, t.country, int(t.year)): (float(t.value), float(t.tolerance)) for t in load_targets().itertuples()
    }
    assert odd == targets


def test_odd_calibrated_parameter_table_matches_calibrated_toml():
    with open(CALIBRATED_FILE, "rb") as fh:
        params = tomllib.load(fh)["parameters"]
    flat = {f"{k}": v for k, v in params.get("model", {}).items()}
    for code, table in params.get("countries", {}).items():
        flat.update({f"countries.{code}.{k}": v for k, v in table.items()})
    rows = _table_after("### Calibrated parameters")
    assert {r[0]: _number(r[1]) for r in rows} == pytest.approx(flat)
