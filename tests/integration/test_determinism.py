"""Reproducibility (same seed -> same tables), Mesa's DataCollector and batch_run."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from circsim.sim.indicators import HEADLINE, INDICATORS
from circsim.sim.model import CirculationModel
from simkit import CODES, run, series


@pytest.fixture(scope="module")
def runs() -> dict[str, CirculationModel]:
    return {
        "a": run(7, 2000, 2015),
        "a_again": run(7, 2000, 2015),
        "b": run(8, 2000, 2015),
    }


def test_same_seed_gives_identical_indicators(runs):
    pd.testing.assert_frame_equal(runs["a"].indicators(), runs["a_again"].indicators())


def test_same_seed_gives_identical_flows(runs):
    pd.testing.assert_frame_equal(runs["a"].flows(), runs["a_again"].flows())


def test_different_seeds_give_different_results(runs):
    a, b = runs["a"].indicators(), runs["b"].indicators()
    assert not a["value"].equals(b["value"])
    assert not runs["a"].flows().equals(runs["b"].flows())


def test_seeding_with_a_generator_is_reproducible():
    a = CirculationModel(rng=np.random.default_rng(3), scale=5000, end_year=2008).run()
    b = CirculationModel(rng=np.random.default_rng(3), scale=5000, end_year=2008).run()
    pd.testing.assert_frame_equal(a.indicators(), b.indicators())


def test_indicator_table_shape(runs):
    df = runs["a"].indicators()
    assert list(df.columns) == ["year", "country", "indicator", "value"]
    assert len(df) == 12 * len(INDICATORS) * len(CODES)
    assert set(df["year"]) == set(range(2004, 2016))
    assert set(df["country"]) == set(CODES)


def test_flows_table_shape(runs):
    f = runs["a"].flows()
    assert list(f.columns) == ["year", "origin", "destination", "nationality", "from_sector", "to_sector", "count"]
    assert (f["count"] > 0).all()
    assert set(f["origin"]) <= set(CODES) and set(f["destination"]) <= set(CODES)
    assert {"entry"} <= set(f["from_sector"]) and {"exit"} <= set(f["to_sector"])


def test_datacollector_reports_the_focal_headline(runs):
    m = runs["a"]
    dc = m.datacollector.get_model_vars_dataframe()
    assert set(HEADLINE) <= set(dc.columns)
    assert list(dc["year"]) == list(range(2004, 2016))
    for name in ("researchers", "papers", "nationals_abroad"):
        np.testing.assert_allclose(dc[name].to_numpy(), series(m, name, "JP").to_numpy())


def test_batch_run_returns_headline_reporters():
    rows = mesa.batch_run(
        CirculationModel,
        parameters={"scale": 5000, "end_year": 2008},
        rng=[1, 2],
        max_steps=5,
        display_progress=False,
    )
    assert len(rows) == 2
    df = pd.DataFrame(rows)
    assert set(HEADLINE) <= set(df.columns)
    assert (df["scale"] == 5000).all()
    assert df["researchers"].notna().all() and (df["researchers"] > 0).all()
    assert df["year"].tolist() == [2008, 2008]
    assert df.loc[0, "researchers"] != df.loc[1, "researchers"] or df.loc[0, "papers"] != df.loc[1, "papers"]
