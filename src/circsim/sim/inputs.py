"""Input data shipped with the package: countries, origins of foreign entrants, funding
series, contracts, targets.

Every figure lives in a CSV under ``circsim/data`` with a ``status`` (input, assumed,
target) and a ``source`` column; this module only reads them.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

DATA_DIR = Path(str(resources.files("circsim.sim") / "data"))
#: Written by ``circsim calibrate``; its ``[parameters]`` lie under every scenario.
CALIBRATED_FILE = DATA_DIR / "calibrated.toml"


@dataclass(frozen=True)
class Region:
    """A country or region of the model: code, display name, map position, population."""

    code: str
    name: str
    lat: float
    lon: float
    population_m: float


def _rows(name: str, data_dir: Path | None = None) -> list[dict[str, str]]:
    with open((data_dir or DATA_DIR) / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def load_regions(data_dir: Path | None = None) -> tuple[Region, ...]:
    """The set of countries / regions, in model index order (from ``regions.csv``)."""
    return tuple(
        Region(r["code"], r["name"], float(r["lat"]), float(r["lon"]), float(r["population_m"]))
        for r in _rows("regions.csv", data_dir)
    )


@cache
def load_country_values(data_dir: Path | None = None) -> dict[str, dict[str, float]]:
    """Per-country figures from ``countries.csv`` as ``{code: {key: value}}``."""
    out: dict[str, dict[str, float]] = {}
    for r in _rows("countries.csv", data_dir):
        value = float(r["value"])
        out.setdefault(r["country"], {})[r["key"]] = int(value) if value.is_integer() else value
    return out


@cache
def load_origins(codes: tuple[str, ...], data_dir: Path | None = None) -> np.ndarray:
    """Where each host's foreign entrants come from (``origins.csv``): a (host x origin)
    matrix of shares over the other countries, each row summing to 1.

    InputError naming the file if a host has no rows, names an unknown country, or its
    shares are negative or do not sum to 1.
    """
    path = str((data_dir or DATA_DIR) / "origins.csv")
    index = {c: i for i, c in enumerate(codes)}
    mix = np.zeros((len(codes), len(codes)))
    for r in _rows("origins.csv", data_dir):
        host, origin = r["host"], r["origin"]
        if host not in index or origin not in index or host == origin:
            raise InputError(
                "host and origin must be two different countries of regions.csv",
                source=path,
                key=f"{host},{origin}",
                allowed=", ".join(codes),
            )
        mix[index[host], index[origin]] = float(r["share"])
    for code, row in zip(codes, mix, strict=True):
        total = row.sum()
        if (row < 0).any() or abs(total - 1.0) > 1e-6:
            raise InputError(
                f"the shares of a host's foreign entrants must be >= 0 and sum to 1 (they sum to {total:.6g})",
                source=path,
                key=code,
            )
    return mix


@cache
def load_contract_lengths(code: str, data_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-term contract lengths (years) and their probabilities for a country.

    Countries without their own rows use the ``*`` default rows.
    """
    rows = _rows("contract_lengths.csv", data_dir)
    mine = [r for r in rows if r["country"] == code] or [r for r in rows if r["country"] == "*"]
    years = np.array([int(r["years"]) for r in mine], dtype=np.int16)
    share = np.array([float(r["share"]) for r in mine])
    return years, share / share.sum()


@cache
def _series_table(data_dir: Path | None = None) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    table: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for r in _rows("series.csv", data_dir):
        table.setdefault((r["series"], r["country"]), []).append((int(r["year"]), float(r["value"])))
    return {k: (np.array([y for y, _ in v]), np.array([x for _, x in v])) for k, v in table.items()}


def has_series(series: str, code: str, data_dir: Path | None = None) -> bool:
    """Whether a yearly data series exists for this country."""
    return (series, code) in _series_table(data_dir)


def series_value(series: str, code: str, year: float, *, log: bool = False, data_dir: Path | None = None) -> float:
    """Value of a data series in a year: linear (or log-linear) interpolation between
    observed years, held constant before the first and after the last observation."""
    years, values = _series_table(data_dir)[(series, code)]
    if log:
        return float(np.exp(np.interp(year, years, np.log(values))))
    return float(np.interp(year, years, values))


def load_targets(data_dir: Path | None = None) -> pd.DataFrame:
    """Calibration targets: indicator, country, year, value, tolerance, source."""
    return pd.read_csv((data_dir or DATA_DIR) / "targets.csv")


def calibrated_values(path: Path | None = None) -> dict:
    """The ``[parameters]`` table of the calibration file (scenario layout: ``model``,
    ``countries.CODE``), or an empty table when there is no calibration file."""
    path = path or CALIBRATED_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    return _read_calibrated(path, stamp)


@cache
def _read_calibrated(path: Path, stamp: int) -> dict:
    """Cached per file version (``stamp``), so a rewritten file is read again."""
    try:
        with open(path, "rb") as fh:
            table = tomllib.load(fh).get("parameters", {})
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"calibration file cannot be read: {exc}", source=str(path)) from None
    if not isinstance(table, dict) or set(table) - {"model", "countries"}:
        raise InputError(
            "unexpected [parameters] table", source=str(path), key="parameters", allowed="model and countries tables"
        )
    return table


def authors_per_paper(year: float, growth_per_year: float, data_dir: Path | None = None) -> float:
    """Mean authors of a paper in ``year``: the world series (``authors_per_paper``, ``*``
    in ``series.csv``), continued after its last observation by ``growth_per_year``."""
    years, _ = _series_table(data_dir)[("authors_per_paper", "*")]
    last = int(years[-1])
    return series_value("authors_per_paper", "*", min(year, last), data_dir=data_dir) + growth_per_year * max(
        year - last, 0
    )
