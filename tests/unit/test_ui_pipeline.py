"""The career pipeline's numbers and layout, on a small hand-made flows table."""

from __future__ import annotations

import pandas as pd
import pytest

from circsim.ui.career_pipeline import GAP, HEIGHT, TOP, layout, pipeline_flows

COLUMNS = ["year", "origin", "destination", "nationality", "from_sector", "to_sector", "count"]
FLOWS = pd.DataFrame(
    [
        (2004, "JP", "JP", "JP", "doctoral", "acad_fixed", 300.0),
        (2004, "JP", "US", "JP", "acad_fixed", "acad_fixed", 100.0),  # abroad
        (2005, "JP", "JP", "JP", "doctoral", "acad_fixed", 500.0),
        (2005, "JP", "JP", "JP", "acad_fixed", "acad_perm", 200.0),
        (2005, "US", "JP", "JP", "acad_fixed", "acad_perm", 100.0),  # back home
        (2005, "JP", "JP", "JP", "industry", "left", 400.0),
        (2005, "JP", "JP", "JP", "acad_perm", "exit", 50.0),  # retired: out of research too
        (2005, "US", "UK", "JP", "acad_fixed", "acad_fixed", 100.0),  # between foreign countries: not shown
        (2005, "JP", "JP", "JP", "entry", "doctoral", 900.0),  # an entrant: not shown
        (2005, "JP", "JP", "JP", "left", "exit", 700.0),  # already out of research: not shown
        (2005, "JP", "JP", "CN", "doctoral", "industry", 800.0),  # another nationality: not shown
    ],
    columns=COLUMNS,
)


def test_pipeline_flows_of_the_focal_nationality_by_place():
    pairs = pipeline_flows(FLOWS, "JP", 2004).set_index(["source", "target"])
    assert pairs["latest"].to_dict() == {
        ("doctoral", "acad_fixed"): 500.0,
        ("industry", "left"): 400.0,
        ("acad_fixed", "acad_perm"): 200.0,
        ("abroad", "acad_perm"): 100.0,
        ("acad_perm", "left"): 50.0,
        ("acad_fixed", "abroad"): 0.0,  # only in 2004
    }
    assert pairs.loc[("doctoral", "acad_fixed"), "mean"] == 400.0  # (300 + 500) over two years
    assert pairs.loc[("acad_fixed", "abroad"), "mean"] == 50.0


def test_no_flows_no_pairs():
    assert pipeline_flows(FLOWS.iloc[:0], "JP", 2004).empty


@pytest.mark.parametrize("measure", ["latest", "mean"])
def test_layout_bands_fill_their_places_exactly(measure):
    pairs = pipeline_flows(FLOWS, "JP", 2004)
    drawn = layout(pairs, measure, 2005, 2004)
    nodes, bands = drawn.nodes, drawn.bands
    shown = pairs[pairs[measure] > 0]
    assert set(bands["band"]) == {f"{s}>{t}" for s, t in zip(shown["source"], shown["target"], strict=True)}
    total = shown[measure].sum()
    for side in ("from", "to"):
        column = nodes[nodes["side"] == side].reset_index()
        assert column["people"].sum() == pytest.approx(total)  # both columns hold every flow
        assert column["top"].iloc[0] == TOP and column["bottom"].max() <= HEIGHT + 1e-9
        assert (column["top"].iloc[1:].to_numpy() - column["bottom"].iloc[:-1].to_numpy()) == pytest.approx(GAP)
        heights = column["bottom"] - column["top"]
        assert (heights / column["people"]).to_numpy() == pytest.approx((heights / column["people"]).iloc[0])
    # each band is as wide all along as its people, and starts and ends inside its places
    for _, band in bands.groupby("band"):
        width = band["y2"] - band["y"]
        assert width.max() - width.min() < 0.11  # rounded to a tenth of a pixel
        first, last = band.iloc[0], band.iloc[-1]
        source = nodes[(nodes["side"] == "from") & (nodes["label"] == first["source"])].iloc[0]
        target = nodes[(nodes["side"] == "to") & (nodes["label"] == first["target"])].iloc[0]
        assert source["top"] - 0.06 <= first["y"] and first["y2"] <= source["bottom"] + 0.06
        assert target["top"] - 0.06 <= last["y"] and last["y2"] <= target["bottom"] + 0.06
    # the bands leaving a place cover it without overlapping
    starts = bands.groupby("band").first()
    for label, group in starts.groupby("source"):
        node = nodes[(nodes["side"] == "from") & (nodes["label"] == label)].iloc[0]
        spans = group.sort_values("y")
        assert (spans["y2"] - spans["y"]).sum() == pytest.approx(node["bottom"] - node["top"], abs=0.2)
        assert (spans["y"].iloc[1:].to_numpy() >= spans["y2"].iloc[:-1].to_numpy() - 0.11).all()
