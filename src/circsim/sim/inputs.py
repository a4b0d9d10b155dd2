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
from typing import Literal, get_args

import numpy as np

from ..errors import InputError

DATA_DIR = Path(str(resources.files("circsim.sim") / "data"))
#: Written by ``circsim calibrate``; its ``[parameters]`` lie under every scenario.
CALIBRATED_FILE = DATA_DIR / "calibrated.toml"


#: Per-country figures that add up over a block's parts (people, or people per million
#: inhabitants): each part sets its own and the block's are the parts' total (the other
#: keys are rates and shares: a part without its own row takes its block's value).
EXTENSIVE_KEYS = ("researchers_fte", "doctorates_per_million")


#: How the world outside the modelled countries is drawn (``model.world``): ``regions``
#: replaces each block that has parts in ``regions.csv`` (column ``part_of``) by its
#: parts; ``block`` keeps the block.
World = Literal["regions", "block"]
WORLDS: tuple[str, ...] = get_args(World)


@dataclass(frozen=True)
class Region:
    """A country or region of the model: code, display name, map position, population,
    and the block it is a part of (empty for a country or a block)."""

    code: str
    name: str
    lat: float
    lon: float
    population_m: float
    part_of: str = ""


def _rows(name: str, data_dir: Path | None = None) -> list[dict[str, str]]:
    with open((data_dir or DATA_DIR) / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def all_regions(data_dir: Path | None = None) -> tuple[Region, ...]:
    """Every row of ``regions.csv``: the countries, the blocks and the blocks' parts."""
    rows = tuple(
        Region(r["code"], r["name"], float(r["lat"]), float(r["lon"]), float(r["population_m"]), r["part_of"])
        for r in _rows("regions.csv", data_dir)
    )
    codes = {r.code for r in rows}
    for r in rows:
        if r.part_of and (r.part_of not in codes or next(b for b in rows if b.code == r.part_of).part_of):
            raise InputError(
                "part_of must name a block of the same file that is not itself a part",
                source=str((data_dir or DATA_DIR) / "regions.csv"),
                key=f"{r.code}.part_of",
                value=r.part_of,
            )
    return rows


@cache
def load_regions(world: World = "regions", data_dir: Path | None = None) -> tuple[Region, ...]:
    """The countries and regions of a world (:data:`WORLDS`), in model index order: the
    rows of ``regions.csv``, with each block that has parts replaced in place by its
    parts (``regions``) or kept whole (``block``)."""
    rows = all_regions(data_dir)
    if world == "block":
        return tuple(r for r in rows if not r.part_of)
    split = {r.part_of for r in rows if r.part_of}
    out: list[Region] = []
    for r in rows:
        if r.code in split:
            out += [p for p in rows if p.part_of == r.code]
        elif not r.part_of:
            out.append(r)
    return tuple(out)


def is_country(code: str) -> bool:
    """Whether ``code`` is a country: neither a block of the world nor one of its parts
    (the rest of the world ranks with no one)."""
    return not any(r.part_of and code in (r.code, r.part_of) for r in all_regions())


def parts_of(world: World = "regions") -> dict[str, tuple[str, ...]]:
    """Each block of a world split into parts, with its parts' codes (none in ``block``)."""
    out: dict[str, tuple[str, ...]] = {}
    for r in load_regions(world):
        if r.part_of:
            out[r.part_of] = (*out.get(r.part_of, ()), r.code)
    return out


@cache
def load_country_values(data_dir: Path | None = None) -> dict[str, dict[str, float]]:
    """Per-country figures from ``countries.csv`` as ``{code: {key: value}}``, for every
    row of ``regions.csv``. A block's parts take the block's value of every key they do
    not set themselves, except :data:`EXTENSIVE_KEYS`, which each part must set and
    which make the block's: the parts' total researchers, and their doctorates per
    million inhabitants of the block (so the block world is the sum of its parts).
    InputError naming the file if a part leaves one unset or the parts' populations do
    not add up to the block's."""
    path = str((data_dir or DATA_DIR) / "countries.csv")
    out: dict[str, dict[str, float]] = {}
    for r in _rows("countries.csv", data_dir):
        value = float(r["value"])
        out.setdefault(r["country"], {})[r["key"]] = int(value) if value.is_integer() else value
    regions = all_regions(data_dir)
    for block in {r.part_of for r in regions if r.part_of}:
        parts = [r for r in regions if r.part_of == block]
        for part in parts:
            own = out.get(part.code, {})
            missing = [k for k in EXTENSIVE_KEYS if k not in own]
            if missing:
                raise InputError(
                    "a block's part must set the figures that add up over the block",
                    source=path, key=f"{part.code},{missing[0]}", allowed=", ".join(EXTENSIVE_KEYS),
                )  # fmt: skip
            out[part.code] = {**out[block], **own}
        people = np.array([p.population_m for p in parts])
        (whole,) = (r.population_m for r in regions if r.code == block)
        if abs(people.sum() - whole) > 0.005 * whole:
            raise InputError(
                f"the parts' populations add up to {people.sum():.1f} million, not the block's {whole:.1f}",
                source=str((data_dir or DATA_DIR) / "regions.csv"), key=f"{block}.population_m",
            )  # fmt: skip
        fte = sum(out[p.code]["researchers_fte"] for p in parts)
        per_million = sum(out[p.code]["doctorates_per_million"] * p.population_m for p in parts) / people.sum()
        out[block] |= {"researchers_fte": fte, "doctorates_per_million": per_million}
    return out


@cache
def load_origins(codes: tuple[str, ...], data_dir: Path | None = None) -> np.ndarray:
    """Where each host's foreign entrants come from (``origins.csv``): a (host x origin)
    matrix of shares over the other countries, each row summing to 1.

    The file may be written at either level of a block split into parts: a host's share
    from a part counts for the block where the block is whole; its share from a block is
    spread over the block's parts it does not name, in proportion to their researchers,
    where the block is split; a part without rows of its own takes its block's.
    InputError naming the file if a host has no rows, names an unknown country, or its
    shares are negative or do not sum to 1.
    """
    path = str((data_dir or DATA_DIR) / "origins.csv")
    index = {c: i for i, c in enumerate(codes)}
    regions = all_regions(data_dir)
    block_of = {r.code: r.part_of for r in regions if r.part_of}
    known = [r.code for r in regions]
    fte = {c: v.get("researchers_fte", 0.0) for c, v in load_country_values(data_dir).items()}
    rows = _rows("origins.csv", data_dir)
    for r in rows:
        if r["host"] not in known or r["origin"] not in known:
            raise InputError(
                "host and origin must be countries of regions.csv",
                source=path, key=f"{r['host']},{r['origin']}", allowed=", ".join(known),
            )  # fmt: skip
    mix = np.zeros((len(codes), len(codes)))
    for host in codes:
        mine = [r for r in rows if r["host"] == host] or [r for r in rows if r["host"] == block_of.get(host)]
        named = {r["origin"] for r in mine}
        for r in mine:
            origin, share = r["origin"], float(r["share"])
            spread = [c for c in codes if block_of.get(c) == origin and c not in named and c != host]
            if origin in index and origin != host:
                mix[index[host], index[origin]] += share
            elif block_of.get(origin) in index and block_of[origin] != host:
                mix[index[host], index[block_of[origin]]] += share
            elif spread:
                weights = np.array([fte[c] for c in spread])
                mix[index[host], [index[c] for c in spread]] += share * weights / weights.sum()
            else:
                raise InputError(
                    "host and origin must be two different countries of regions.csv",
                    source=path, key=f"{r['host']},{origin}", allowed=", ".join(codes),
                )  # fmt: skip
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
