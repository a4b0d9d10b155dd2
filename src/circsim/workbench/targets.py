"""The targets file: observed values with tolerances, a status and a group, validated.

Columns: ``indicator, country, year, value, tolerance, status, group, source``.

- ``status`` is ``target`` (a pattern: fitted by ``circsim calibrate``, counted by
  ``circsim validate``) or ``input check`` (a figure the model also takes as an input, or
  derives from one: never fitted, never counted as a pattern; validation reports how
  many lie within tolerance on a line of their own).
- ``group`` names the family of a target (e.g. ``careers``, ``mobility``); the group
  k-fold of ``circsim calibrate --holdout`` holds out one group at a time, so it also
  names an output folder.

The file is checked as a whole before anything runs; a bad row gives one
:class:`InputError` naming the file, the line, the column, the value and what is allowed.
"""

from __future__ import annotations

import io
import math
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..sim.indicators import INDICATORS, REGISTRY
from ..sim.input_files import read_bytes
from ..sim.inputs import load_regions, parts_of

#: The packaged targets file: observations, kept outside the simulation's input data so
#: that adding or correcting one never changes the model's fingerprint (a store's key).
TARGETS_FILE = Path(str(resources.files("circsim.workbench") / "data")) / "targets.csv"
COLUMNS = ("indicator", "country", "year", "value", "tolerance", "status", "group", "source")
TARGET, INPUT_CHECK = "target", "input check"
STATUSES = (TARGET, INPUT_CHECK)
#: Indicator kinds that add up over countries: a block split into parts has targets of these only.
ADDITIVE = ("stock", "per year", "cumulative")
ADDITIVE_INDICATORS = frozenset(name for name, ind in REGISTRY.items() if ind.kind in ADDITIVE)
#: A group name: it names the folder of its fold (holdout/GROUP/).
GROUP = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def read_targets(path: str | Path | None = None) -> pd.DataFrame:
    """The targets file (default: the packaged ``data/targets.csv``), validated, with
    ``year`` as int and ``value``/``tolerance`` as float; rows in file order."""
    path = Path(path) if path is not None else TARGETS_FILE
    source = str(path)
    allowed = f"a CSV file with columns {', '.join(COLUMNS)}"
    data = read_bytes(path, allowed)
    try:
        table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as exc:  # never the parser's message: it quotes the file
        raise InputError(f"is not a CSV table ({type(exc).__name__})", source=source, allowed=allowed) from None
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InputError("missing columns", source=source, value=", ".join(missing), allowed=allowed)
    if table.empty:
        raise InputError("has no rows", source=source, allowed="one row per observed value")
    blocks = parts_of()
    codes = [*(r.code for r in load_regions()), *blocks]
    rules = {
        "indicator": (lambda v: v in INDICATORS, "an indicator of docs/indicators.md"),
        "country": (lambda v: v in codes, ", ".join(codes)),
        "year": (lambda v: v.strip().isdigit(), "a year (an integer)"),
        "value": (_finite, "a finite number"),
        "tolerance": (lambda v: _finite(v) and float(v) > 0, "a positive number"),
        "status": (lambda v: v in STATUSES, " or ".join(repr(s) for s in STATUSES)),
        "group": (lambda v: GROUP.fullmatch(v) is not None, "a group name: lower-case letters, digits, - and _"),
    }
    for line, row in enumerate(table.itertuples(index=False), start=2):
        for column, (ok, what) in rules.items():
            value = getattr(row, column)
            if not ok(value):
                what_is_wrong = "missing" if not value.strip() else "bad"
                raise InputError(
                    f"line {line}: {what_is_wrong} {column}", source=source, key=column, value=value, allowed=what
                )
    for line, row in enumerate(table.itertuples(index=False), start=2):
        if row.country in blocks and row.indicator not in ADDITIVE_INDICATORS:
            raise InputError(
                f"line {line}: {row.country} is simulated as its parts, which add up only in counts",
                source=source, key="indicator", value=row.indicator,
                allowed=f"an indicator of kind {', '.join(ADDITIVE)} for {row.country}",
            )  # fmt: skip
    table = table.assign(year=table["year"].map(int), value=table["value"].map(float),
                         tolerance=table["tolerance"].map(float))  # fmt: skip
    keys = table[["indicator", "country", "year"]]
    dup = keys.duplicated()
    if dup.any():
        first = int(dup.to_numpy().argmax())
        raise InputError(
            f"line {first + 2}: the same indicator, country and year twice",
            source=source,
            value=" ".join(map(str, keys.iloc[first])),
            allowed="one row per indicator, country and year",
        )
    return table


def with_blocks(indicators: pd.DataFrame) -> pd.DataFrame:
    """A tidy indicators table (``indicator, country, year, value`` and any other key
    columns) with a row for each block split into parts, the sum of its parts, for the
    indicators that add up (:data:`ADDITIVE`); the table itself when it has no parts or
    already has the blocks."""
    present = set(indicators["country"])
    block_of = {part: block for block, parts in parts_of().items() if block not in present for part in parts}
    parts = indicators[indicators["country"].isin(block_of)]
    parts = parts[parts["indicator"].isin(ADDITIVE_INDICATORS)]
    if parts.empty:
        return indicators
    keys = [c for c in indicators.columns if c not in ("country", "value")]
    blocks = parts.assign(country=parts["country"].map(block_of)).groupby([*keys, "country"], sort=False)["value"]
    return pd.concat([indicators, blocks.sum(min_count=1).reset_index()[list(indicators.columns)]], ignore_index=True)


def _finite(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def patterns(targets: pd.DataFrame) -> pd.DataFrame:
    """The rows that are patterns (status ``target``), re-indexed from 0."""
    return targets[targets["status"] == TARGET].reset_index(drop=True)
