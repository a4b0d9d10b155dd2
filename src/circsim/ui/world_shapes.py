"""Country shapes of the world flow map: Natural Earth's 1:110m countries (public
domain), reduced and shipped in ``data/countries.geojson`` (see ``data/README.md``),
each assigned to a region of ``regions.csv``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import InputError
from ..sim.inputs import all_regions

SHAPES_FILE = Path(str(resources.files("circsim.ui") / "data" / "countries.geojson"))


@cache
def load_countries(path: Path = SHAPES_FILE) -> tuple[dict, ...]:
    """The country features of the shapes file (GeoJSON), each with the properties
    ``a3``, ``name`` and ``region`` (a code of ``regions.csv``). A missing or damaged
    file is an :class:`InputError` naming it."""
    known = {r.code for r in all_regions()}
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        shapes = ("Polygon", "MultiPolygon")
        bad = [f["properties"] for f in features
               if f["properties"]["region"] not in known or f["geometry"]["type"] not in shapes]  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InputError(f"cannot read the country shapes ({type(err).__name__}: {err})", source=str(path)) from err
    if bad:
        raise InputError("a country of an unknown region or shape", source=str(path), value=bad[0])
    return tuple(features)


def model_code(region: str, codes: Sequence[str]) -> str:
    """The model's code for a country of ``region``: the region itself when the model
    has it, else the block it is a part of (``ROW`` in the ``block`` world)."""
    if region in codes:
        return region
    return next((r.part_of for r in all_regions() if r.code == region and r.part_of in codes), region)


def countries_by_code(codes: Sequence[str]) -> list[dict]:
    """The country features with the model's code of their region added as ``code``."""
    return [
        {**f, "properties": {**f["properties"], "code": model_code(f["properties"]["region"], codes)}}
        for f in load_countries()
    ]


@cache
def countries_json(codes: tuple[str, ...]) -> str:
    """:func:`countries_by_code` as a GeoJSON FeatureCollection text, made once per set of
    codes: handed to the chart as one string, which Altair neither walks nor validates
    item by item (a few milliseconds instead of a few hundred every year)."""
    collection = {"type": "FeatureCollection", "features": countries_by_code(codes)}
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False)
