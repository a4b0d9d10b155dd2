"""The targets file: its validation (one clear error per kind of bad row), and how the
pattern table scores it: targets in-sample beside the calibration's out-of-sample score,
input checks on a line of their own, never as patterns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from circsim.errors import InputError
from circsim.workbench.store import sha256
from circsim.workbench.targets import COLUMNS, STATUSES, TARGETS_FILE, patterns, read_targets
from circsim.workbench.validate import pattern_table, score_lines

HEADER = ",".join(COLUMNS)
GOOD = [
    "visits_abroad_long,JP,2010,4000,500,target,mobility,a",
    "intl_coauthorship_share,UK,2022,0.7,0.05,target,coauthorship,b",
    "doctorates_per_million,US,2018,281,50,input check,doctorates,c",
]


def _write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "targets.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_the_packaged_targets_file_is_valid():
    targets = read_targets()
    assert list(targets.columns) == list(COLUMNS)
    assert set(targets["status"]) <= set(STATUSES)
    assert targets["group"].str.len().min() > 0
    assert targets["year"].dtype.kind == "i" and targets["value"].dtype.kind == "f"


def test_a_valid_file_and_its_patterns(tmp_path):
    targets = read_targets(_write(tmp_path, GOOD))
    assert targets["year"].tolist() == [2010, 2022, 2018] and targets["tolerance"].tolist() == [500.0, 0.05, 50.0]
    assert patterns(targets)["indicator"].tolist() == ["visits_abroad_long", "intl_coauthorship_share"]


@pytest.mark.parametrize(
    ("row", "key", "message"),
    [
        ("papers,JP,2010,1,0.1,fitted,papers,s", "status", "line 5: bad status (got 'fitted'); allowed: 'target' or"),
        ("papers,JP,2010,1,0.1,target,,s", "group", "line 5: missing group (got '')"),
        ("papers,JP,2010,1,0.1,target,Papers Group,s", "group", "bad group"),
        ("papers,JP,2010,about 1,0.1,target,papers,s", "value", "line 5: bad value (got 'about 1'); allowed: a finite"),
        ("papers,JP,2010,nan,0.1,target,papers,s", "value", "bad value"),
        ("papers,JP,2010,1,0,target,papers,s", "tolerance", "allowed: a positive number"),
        ("papers,JP,2010.5,1,0.1,target,papers,s", "year", "bad year"),
        ("paper,JP,2010,1,0.1,target,papers,s", "indicator", "bad indicator"),
        ("papers,XX,2010,1,0.1,target,papers,s", "country", "bad country"),
    ],
)
def test_a_bad_row_names_file_line_column_and_value(tmp_path, row, key, message):
    path = _write(tmp_path, [*GOOD, row])
    with pytest.raises(InputError) as err:
        read_targets(path)
    assert err.value.source == str(path) and err.value.key == key
    assert message in str(err.value)


def test_missing_columns_and_duplicate_rows_are_refused(tmp_path):
    with pytest.raises(InputError, match=r"missing columns.*group"):
        read_targets(_write(tmp_path, [r.replace(",mobility", "") for r in GOOD[:1]], HEADER.replace(",group", "")))
    with pytest.raises(InputError, match="line 3: the same indicator, country and year twice"):
        read_targets(_write(tmp_path, [GOOD[0], GOOD[0]]))
    with pytest.raises(InputError, match="file not found"):
        read_targets(tmp_path / "none.csv")


# --- the score of the pattern table ------------------------------------------------


def _table(tmp_path: Path) -> pd.DataFrame:
    """Targets: visits hold, co-authorship misses; the input check holds."""
    targets = read_targets(_write(tmp_path, GOOD))
    ind = pd.DataFrame({
        "run_id": ["r0"] * 3, "year": [2010, 2022, 2018], "country": ["JP", "UK", "US"],
        "indicator": ["visits_abroad_long", "intl_coauthorship_share", "doctorates_per_million"],
        "value": [4100.0, 0.5, 300.0],
    })  # fmt: skip
    return pattern_table(ind, targets)


def test_input_checks_are_scored_apart_from_the_targets(tmp_path):
    table = _table(tmp_path)
    assert table["status"].tolist() == ["target", "target", "input check"]
    first, second = score_lines(table, calibrated=False)
    assert first.startswith("raw defaults: 1 of 2 targets hold;")
    assert second == "input checks: 1 of 1 within tolerance"


def test_the_out_of_sample_score_comes_from_the_calibration_file(tmp_path):
    table = _table(tmp_path)
    calibration = tmp_path / "calibrated.toml"
    assert "out-of-sample: no calibration file" in score_lines(table, True, calibration)[0]
    calibration.write_text('[provenance]\ndate = "2026-12-01T10:00:00+00:00"\n', encoding="utf-8")
    first = score_lines(table, True, calibration)[0]
    assert first == (
        "in-sample: 1 of 2 targets hold; "
        "out-of-sample: not recorded (the calibration of 2026-12-01 ran without --holdout)"
    )
    calibration.write_text(
        '[provenance]\ndate = "2026-12-01T10:00:00+00:00"\nout_of_sample_held = 14\nout_of_sample_targets = 23\n'
        f'targets_sha256 = "{sha256(TARGETS_FILE)}"\n',
        encoding="utf-8",
    )
    assert score_lines(table, True, calibration)[0] == (
        "in-sample: 1 of 2 targets hold; out-of-sample (group k-fold, from the calibration of 2026-12-01): 14 of 23"
    )
    calibration.write_text(calibration.read_text(encoding="utf-8").replace("targets_sha256", "x"), encoding="utf-8")
    assert score_lines(table, True, calibration)[0].endswith("(calibrated against another version of the targets file)")
