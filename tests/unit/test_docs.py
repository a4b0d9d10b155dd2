"""The documentation stays true to the code and data: docs/ODD.md's pattern table lists
exactly the targets of data/targets.csv and its calibrated-parameter table the values of
data/calibrated.toml; docs/indicators.md documents exactly the indicator registry."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from circsim.sim.indicators import HEADLINE, INDICATORS, KINDS, REGISTRY
from circsim.sim.inputs import CALIBRATED_FILE
from circsim.sim.units import UNITS
from circsim.workbench.targets import read_targets

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
        (t.indicator, t.country, int(t.year)): (float(t.value), float(t.tolerance)) for t in read_targets().itertuples()
    }
    assert odd == targets


def test_odd_calibrated_parameter_table_matches_calibrated_toml():
    if not CALIBRATED_FILE.exists():  # then the ODD says that no calibration is committed
        section = ODD.read_text(encoding="utf-8").split("### Calibrated parameters", 1)[1][:600]
        assert "No calibration of the current model is committed" in section
        return
    with open(CALIBRATED_FILE, "rb") as fh:
        params = tomllib.load(fh)["parameters"]
    flat = {f"{k}": v for k, v in params.get("model", {}).items()}
    for code, table in params.get("countries", {}).items():
        flat.update({f"countries.{code}.{k}": v for k, v in table.items()})
    rows = _table_after("### Calibrated parameters")
    assert {r[0]: _number(r[1]) for r in rows} == pytest.approx(flat)


# --- docs/indicators.md against the indicator registry ------------------------------

INDICATORS_MD = Path(__file__).parents[2] / "docs" / "indicators.md"


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def _indicator_rows() -> list[list[str]]:
    """Cells of every table row in the "Indicators" section (headers and separators dropped)."""
    section = _section(INDICATORS_MD.read_text(encoding="utf-8"), "## Indicators\n", "## Result tables\n")
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in section.splitlines() if line[:1] == "|"]
    return [r for r in rows if r[0] != "Name" and not set("".join(r)) <= set("-: ")]


def test_indicators_md_documents_exactly_the_registry():
    rows = _indicator_rows()
    documented = [r[0].strip("`") for r in rows]
    assert sorted(documented) == sorted(INDICATORS)  # each once, nothing else
    for name, definition, unit, kind, better, _target in rows:
        ind = REGISTRY[name.strip("`")]
        assert (unit, kind, better) == (ind.unit, ind.kind, ind.better or "-"), ind.name
        assert definition.startswith(ind.definition), ind.name


def test_indicators_md_names_every_kind_and_unit_and_the_headline():
    text = INDICATORS_MD.read_text(encoding="utf-8")
    conventions = _section(text, "## Conventions", "## Indicators\n")
    for kind, meaning in KINDS.items():
        assert f"- `{kind}`: {meaning}\n" in conventions, kind
    assert all(f"`{unit}`" in conventions for unit in UNITS)
    reporters = _section(text, "### DataCollector headline reporters", "datacollector.get_model_vars")
    assert tuple(n for n in re.findall(r"`(\w+)`", reporters) if n in REGISTRY) == HEADLINE
