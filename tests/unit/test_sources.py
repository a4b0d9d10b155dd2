"""Every source a number rests on is readable in the repository: docs/data-sources.md
defines one key per source, and the data files, parameter descriptions, scenario files
and documents cite sources only by keys defined there."""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pytest
from pydantic import BaseModel

from circsim.sim.inputs import DATA_DIR
from circsim.sim.levers import Levers
from circsim.sim.params import CountryParams, ModelParams
from circsim.workbench.targets import TARGETS_FILE

ROOT = Path(__file__).parents[2]
SOURCES = ROOT / "docs" / "data-sources.md"

# A source key: "[NISTEP-Indicators-2024]", "[Franzoni2012]", "[MEXT-FTE]": a capital
# letter, letters, then at least one hyphen- or digit-led part.
KEY = re.compile(r"\[([A-Z][A-Za-z]*(?:[-0-9][A-Za-z0-9]*)+)\]")
DEFINED = re.compile(r"^### \[([^\]]+)\]\s*$", re.MULTILINE)

# Text that would point outside the repository (spelled in two parts so that this file
# does not match itself).
OUTSIDE = ("DATA" + ".md", "shared/" + "brief")


def defined_keys() -> set[str]:
    keys = DEFINED.findall(SOURCES.read_text(encoding="utf-8"))
    assert len(keys) == len(set(keys)), "a key is defined twice in docs/data-sources.md"
    return set(keys)


def data_rows() -> list[tuple[str, int, dict[str, str]]]:
    """(file name, line number, row) for every row of the data CSVs."""
    rows = []
    for path in [*sorted(DATA_DIR.glob("*.csv")), TARGETS_FILE]:
        with open(path, encoding="utf-8", newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh), start=2):
                rows.append((path.name, i, row))
    return rows


def field_descriptions() -> dict[str, str]:
    """``Class.field`` -> description for the parameter models and every lever."""
    models: list[type[BaseModel]] = [ModelParams, CountryParams]
    for field in Levers.model_fields.values():
        models += [a for a in getattr(field.annotation, "__args__", ()) if isinstance(a, type)]
    out = {}
    for model in models:
        if issubclass(model, BaseModel):
            for name, field in model.model_fields.items():
                out[f"{model.__name__}.{name}"] = field.description or ""
    return out


def citing_texts() -> dict[str, str]:
    """Where sources are cited: data files, parameter code, scenarios and documents."""
    texts = {f"{name}:{line}": row.get("source", "") for name, line, row in data_rows()}
    texts.update({f"Field {k}": v for k, v in field_descriptions().items()})
    paths = [
        *sorted((ROOT / "src" / "circsim" / "sim").glob("params.py")),
        *sorted((ROOT / "src" / "circsim" / "sim" / "levers").glob("*.py")),
        *sorted((ROOT / "scenarios").glob("*.toml")),
        *sorted((ROOT / "scenarios").glob("*.md")),
        *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "experiments").glob("*/README.md")),
        ROOT / "README.md",
        DATA_DIR / "calibrated.toml",
    ]
    texts.update({str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in paths if p.exists()})
    return texts


def test_sources_file_defines_keys():
    keys = defined_keys()
    assert len(keys) >= 10
    for key in keys:
        assert KEY.fullmatch(f"[{key}]"), f"{key!r} is not of the key form [Name-Part] or [Name2012]"


def test_every_cited_key_is_defined():
    keys = defined_keys()
    missing = {
        f"{where}: [{key}]" for where, text in citing_texts().items() for key in KEY.findall(text) if key not in keys
    }
    assert not missing, "cited but not defined in docs/data-sources.md:\n" + "\n".join(sorted(missing))


def test_every_defined_key_is_cited():
    cited = {
        key for where, text in citing_texts().items() if where != "docs/data-sources.md" for key in KEY.findall(text)
    }
    assert defined_keys() <= cited, f"defined but never cited: {sorted(defined_keys() - cited)}"


def test_every_sourced_data_row_cites_a_key():
    keys = defined_keys()
    bad = []
    for name, line, row in data_rows():
        allowed = {"target", "input check"} if name == "targets.csv" else {"input", "target", "assumed"}
        assert row["status"] in allowed, f"{name}:{line}: status {row['status']!r}"
        if row["status"] != "assumed" and not set(KEY.findall(row["source"])) & keys:
            bad.append(f"{name}:{line}: {row['source']!r}")
    assert not bad, "input/target rows without a source key:\n" + "\n".join(bad)


def test_parameter_descriptions_cite_only_defined_keys():
    keys = defined_keys()
    descriptions = field_descriptions()
    assert "ModelParams.start_year" in descriptions and "AdminLoadReduction.target_research_time_share" in descriptions
    cited = {key for text in descriptions.values() for key in KEY.findall(text)}
    assert cited <= keys


def test_odd_pattern_sources_are_those_of_targets_csv():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    table = text[text.index("### Patterns") :].split("\n\n")[2]
    odd = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        odd[(cells[0].strip("`"), cells[1], cells[2])] = cells[-1]
    targets = {(r["indicator"], r["country"], r["year"]): r["source"] for n, _, r in data_rows() if n == "targets.csv"}
    assert odd == targets


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / p for p in out.decode().split("\0") if p]


def test_no_file_points_outside_the_repository():
    # Result-store manifests record the experiment file's text as it was run (resuming
    # compares it verbatim), so they keep the text of their day.
    bad = []
    for path in tracked_files():
        rel = path.relative_to(ROOT).as_posix()
        if path.suffix in {".parquet", ".png"} or (rel.startswith("experiments/") and path.name == "manifest.json"):
            continue
        data = path.read_bytes() if path.is_file() else b""
        bad += [f"{rel}: {s}" for s in OUTSIDE if s.encode() in data]
    assert not bad, "\n".join(bad)
