"""The indicator registry is consistent, and values are written in one style by unit."""

from __future__ import annotations

import math

import pytest

from circsim.sim import indicators
from circsim.sim.indicators import HEADLINE, INDICATORS, KINDS, PANELS, REGISTRY, names
from circsim.sim.inputs import is_country, load_regions
from circsim.sim.units import SCALES, UNITS, format_change, format_interval, format_level, format_tolerance, number
from circsim.workbench.targets import read_targets

COUNTS = {"people", "visits", "papers", "per million", "yen"}


def test_each_indicator_is_declared_once_in_output_order():
    declared = [i.name for i in indicators._DECLARED]
    assert len(declared) == len(set(declared))
    assert tuple(declared) == INDICATORS
    assert all(REGISTRY[name].name == name for name in INDICATORS)


@pytest.mark.parametrize("name", INDICATORS)
def test_fields_are_valid(name: str):
    ind = REGISTRY[name]
    assert ind.unit in UNITS and ind.unit in SCALES
    assert ind.kind in KINDS
    assert ind.better in ("higher", "lower", None)
    assert ind.panel is None or ind.panel in PANELS
    # kind and unit agree: a share is a share, a rank a rank; counts are stocks or per year
    assert (ind.unit == "share") == (ind.kind == "share")
    assert (ind.unit == "rank") == (ind.kind == "rank")
    if ind.kind in ("stock", "per year", "cumulative"):
        assert ind.unit in COUNTS
    # a one-line definition: a sentence, plain text (docs/indicators.md starts its cell with it)
    d = ind.definition
    assert d[0].isupper() and d.endswith(".") and "\n" not in d and len(d) <= 200
    assert not set(d) & set("|`*")
    assert 0 < len(ind.label) <= 30


def test_labels_are_unique():
    labels = [i.label for i in REGISTRY.values()]
    assert len(labels) == len(set(labels))


def test_derived_lists():
    assert names(headline=True) == HEADLINE
    assert set(names(per_year=True)) == {n for n, i in REGISTRY.items() if i.kind == "per year"}
    assert names(panel="mobility") == ("nationals_abroad", "visits_abroad_long")
    assert set(names(fan=True)) <= set(names(compared=True))  # a fan chart shows a compared indicator
    assert all(names(panel=p) for p in PANELS)  # every panel has something to draw


def test_targets_are_registry_indicators():
    assert set(read_targets()["indicator"]) <= set(INDICATORS)


@pytest.mark.parametrize(
    ("x", "signed", "text"),
    [
        (12345.6, False, "12,346"),
        (100.0, False, "100"),
        (99.96, False, "100"),
        (12.34, False, "12.3"),
        (0.15, False, "0.15"),
        (0.000123456, False, "0.000123"),
        (0.0, True, "+0"),
        (-0.0, False, "0"),
        (-967.0, True, "-967"),
        (16133.4, True, "+16,133"),
        (float("nan"), True, "n/a"),
    ],
)
def test_one_number_style(x: float, signed: bool, text: str):
    assert number(x, signed) == text


def test_formats_by_unit():
    assert format_level("share", 0.35512) == "35.5%"
    assert format_level("share", 0.5) == "50.0%"
    assert format_change("share", 0.0173) == "+1.73 pp"  # effects on shares in percentage points
    assert format_tolerance("share", 0.05) == "±5 pp"
    assert format_level("people", 4086.0) == "4,086" and format_tolerance("visits", 800.0) == "±800"
    assert format_level("yen", 2.0388e12) == "20,388 億円" and format_change("yen", -5e8) == "-5 億円"
    assert format_level("rank", 4.0) == "4"
    assert format_interval("share", 0.0173, 0.0121, 0.0225) == "+1.73 [+1.21, +2.25] pp"
    assert format_interval("people", 16133.0, 15454.0, 16812.0) == "+16,133 [+15,454, +16,812]"
    assert format_level("share", math.nan) == "n/a"


def test_indicators_format_in_their_unit():
    assert REGISTRY["fixed_term_share_under40"].format(0.6) == "60.0%"
    assert REGISTRY["lever_cost_yen"].format(1e10) == "100 億円"
    assert REGISTRY["researchers"].format_change(-967.0) == "-967"
    assert REGISTRY["return_rate"].scale.change_axis == "pp"


@pytest.mark.parametrize("world", ["regions", "block"])
def test_partner_indicators_name_exactly_the_modelled_countries(world: str):

    countries = [r.code for r in load_regions(world) if is_country(r.code)]
    assert sorted(indicators.PARTNER_CODES) == sorted(countries)
    assert all(f"intl_partner_share_{code}" in REGISTRY for code in countries)
