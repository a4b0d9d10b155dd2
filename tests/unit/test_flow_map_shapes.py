"""The world flow map without a browser: the shipped country shapes and their regions,
and the Vega-Lite spec of the map (arcs, widths, legend, hover, the focal country)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from circsim.errors import InputError
from circsim.sim.inputs import WORLDS, all_regions, load_regions
from circsim.ui import flow_chart
from circsim.ui.flow_chart import (
    FOCAL_FILL,
    MAX_STROKE,
    Flows,
    arc_points,
    head_angle,
    legend_values,
    map_spec,
    map_template,
)
from circsim.ui.world_shapes import SHAPES_FILE, countries_by_code, load_countries, model_code

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_shapes_load_and_are_small():
    countries = load_countries()
    assert len(countries) > 170
    assert SHAPES_FILE.stat().st_size < 300_000
    names = {f["properties"]["name"] for f in countries}
    assert {"Japan", "South Korea", "France", "Taiwan", "Brazil"} <= names


def test_the_shapes_file_is_package_data():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"circsim.ui" = ["data/*.geojson"]' in text
    assert SHAPES_FILE.parent.name == "data" and SHAPES_FILE.suffix == ".geojson"


def test_every_country_belongs_to_a_region_of_the_model_data():
    codes = {r.code for r in all_regions()}
    regions = {f["properties"]["region"] for f in load_countries()}
    assert regions <= codes
    by_a3 = {f["properties"]["a3"]: f["properties"]["region"] for f in load_countries()}
    assert (by_a3["JPN"], by_a3["GBR"], by_a3["KOR"], by_a3["FRA"]) == ("JP", "UK", "KR", "FR")
    assert (by_a3["TWN"], by_a3["ISR"], by_a3["NOR"], by_a3["CAN"]) == ("OHI",) * 4
    assert (by_a3["IDN"], by_a3["TLS"], by_a3["IND"], by_a3["EGY"], by_a3["MEX"]) == ("SEA", "SEA", "SAS", "AFR", "LAM")
    assert (by_a3["RUS"], by_a3["TUR"], by_a3["MNG"], by_a3["PRK"]) == ("OTH",) * 4


@pytest.mark.parametrize("world", WORLDS)
def test_each_model_region_has_a_shape_in_either_world(world):
    codes = [r.code for r in load_regions(world)]
    coloured = {f["properties"]["code"] for f in countries_by_code(codes)}
    assert coloured == set(codes)  # every code has a shape, every shape a code of this world
    if world == "block":
        assert model_code("SEA", codes) == "ROW" and model_code("JP", codes) == "JP"


def test_a_damaged_shapes_file_is_an_input_error(tmp_path):
    bad = tmp_path / "countries.geojson"
    bad.write_text('{"features": [{"properties": {"region": "ATLANTIS"}, "geometry": {"type": "Polygon"}}]}')
    with pytest.raises(InputError, match="unknown region"):
        load_countries(bad)
    bad.write_text("{not json")
    with pytest.raises(InputError, match="cannot read the country shapes"):
        load_countries(bad)
    with pytest.raises(InputError, match="cannot read"):
        load_countries(tmp_path / "missing.geojson")


# --- the chart ----------------------------------------------------------------------

REGIONS = load_regions("regions")
BY_CODE = {r.code: r for r in REGIONS}


def _flows() -> Flows:
    pairs = pd.MultiIndex.from_tuples([("JP", "US"), ("US", "JP"), ("CN", "US"), ("DE", "UK")], names=["o", "d"])
    latest = pd.Series([300.0, 150.0, 1200.0, 600.0], index=pairs)
    mean = pd.Series([250.0, 100.0, 1000.0, 0.0], index=pairs)
    return Flows(latest, mean, 2010, 2004)


def _layer(spec: dict, name: str) -> dict:
    return next(layer for layer in spec["layer"] if layer.get("name") == name)


@pytest.fixture(scope="module")
def spec() -> dict:
    template = map_template(REGIONS, "JP", "latest", 2004)
    return map_spec(template, _flows(), "latest", REGIONS, "JP", top=20)


def test_arcs_are_as_wide_as_the_people_a_year(spec):
    rows = pd.DataFrame(spec["datasets"]["arcs"])
    people = rows.groupby("pair")["people"].first()
    assert people.to_dict() == {"JP>US": 300.0, "US>JP": 150.0, "CN>US": 1200.0, "DE>UK": 600.0}
    width = _layer(spec, "arcs")["encoding"]["strokeWidth"]
    assert width["field"] == "people"
    # a linear scale from 0 to the largest flow onto 0 to MAX_STROKE pixels: width proportional to people
    assert width["scale"]["domain"] == [0, 1200.0] and width["scale"]["range"] == [0, MAX_STROKE]
    assert width["scale"].get("type", "linear") == "linear"
    assert (rows.groupby("pair")["t"].count() == flow_chart.ARC_POINTS).all()


def test_the_width_legend_is_in_people_a_year(spec):
    legend = _layer(spec, "arcs")["encoding"]["strokeWidth"]["legend"]
    assert legend["title"] == ["people a year", "(latest year)"]
    assert legend["values"] == [250.0, 500.0, 1000.0]
    assert legend_values(0) == [] and legend_values(37) == [10.0, 20.0, 40.0]


def test_hovering_an_arc_gives_both_numbers(spec):
    for name in ("arcs", "arc_hover", "heads"):
        fields = {t["field"]: t["title"] for t in _layer(spec, name)["encoding"]["tooltip"]}
        assert {"origin", "destination", "latest", "mean"} <= fields.keys()
        assert fields["mean"] == "people a year, mean since 2004"
    row = next(r for r in spec["datasets"]["arcs"] if r["pair"] == "JP>US")
    assert (row["origin"], row["destination"], row["latest"], row["mean"], row["year"]) == (
        "Japan", "United States", 300.0, 250.0, 2010,
    )  # fmt: skip


def test_the_mean_measure_draws_the_mean(spec):
    template = map_template(REGIONS, "JP", "mean", 2004)
    mean = map_spec(template, _flows(), "mean", REGIONS, "JP", top=2)
    pairs = {r["pair"]: r["people"] for r in mean["datasets"]["arcs"]}
    assert pairs == {"CN>US": 1000.0, "JP>US": 250.0}  # the two largest means; DE>UK (0) never drawn
    assert _layer(mean, "arcs")["encoding"]["strokeWidth"]["legend"]["title"][1] == "(mean a year since the start)"


def test_the_focal_country_is_highlighted(spec):
    fill = _layer(spec, "countries")["encoding"]["color"]["scale"]
    assert dict(zip(fill["domain"], fill["range"], strict=True))["JP"] == FOCAL_FILL
    assert sum(colour == FOCAL_FILL for colour in fill["range"]) == 1
    arcs = {r["pair"]: r["focal"] for r in spec["datasets"]["arcs"]}
    assert arcs == {"JP>US": True, "US>JP": True, "CN>US": False, "DE>UK": False}


def test_shapes_are_inline_and_the_map_is_cropped(spec):
    text = json.dumps(spec)
    assert "http" not in text.replace("https://vega.github.io/schema", "")  # no data fetched from anywhere
    data = _layer(spec, "countries")["data"]
    shapes = data.get("values") or spec["datasets"][data["name"]]  # Altair may move inline data to datasets
    assert json.loads(shapes)["type"] == "FeatureCollection" and data["format"]["property"] == "features"
    projection = _layer(spec, "countries")["projection"]
    assert projection["type"] == "equirectangular" and projection["clipExtent"] == [
        [0, 0],
        [flow_chart.WIDTH, flow_chart.HEIGHT],
    ]
    assert pytest.approx((75 + 56) / 360, abs=0.01) == flow_chart.HEIGHT / flow_chart.WIDTH


def test_arcs_bend_right_and_arrowheads_point_along():
    jp, us = BY_CODE["JP"], BY_CODE["US"]
    there, back = arc_points(jp, us), arc_points(us, jp)
    assert there[0] == (jp.lon, jp.lat) and there[-1] == pytest.approx((us.lon, us.lat))
    # going west (JP -> US, lon decreasing) the right-hand side is north: the two directions part
    assert there[8][1] > jp.lat > back[8][1]
    east = head_angle(BY_CODE["US"], BY_CODE["CN"])  # eastward: the head points right, tilted
    assert -90 < east < 90 and abs(head_angle(jp, us)) > 90


def test_close_labels_do_not_touch():
    labels = flow_chart.label_table(REGIONS, "JP").set_index("code")
    px = flow_chart.PX_PER_DEGREE
    for a, b in [("JP", "KR"), ("UK", "FR"), ("DE", "OHI"), ("FR", "DE"), ("UK", "DE")]:
        dx = abs(labels.loc[a, "label_lon"] - labels.loc[b, "label_lon"]) * px
        dy = abs(labels.loc[a, "label_lat"] - labels.loc[b, "label_lat"]) * px
        assert dx > 26 or dy > 13, (a, b, dx, dy)  # a code is about 26 px wide, 13 px tall
