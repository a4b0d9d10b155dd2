"""The opt-in career panel: a deterministic sample of people followed year by year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from circsim.sim.careers import CareerPanel
from circsim.sim.model import CirculationModel
from circsim.sim.sectors import SECTOR_NAMES
from simkit import CODES


def _model(**kw) -> CirculationModel:
    return CirculationModel(rng=3, scale=5000, burn_in_years=1, end_year=2008, **kw)


def test_the_panel_changes_no_result():
    plain, panel = _model().run(), _model(career_sample=7).run()
    assert plain.careers is None
    pd.testing.assert_frame_equal(plain.indicators(), panel.indicators())
    pd.testing.assert_frame_equal(plain.flows(), panel.flows())


def test_rows_match_the_population_at_the_end_of_each_year(monkeypatch):
    m = _model(career_sample=3)
    seen: list[tuple[int, pd.DataFrame]] = []
    record = CareerPanel.record

    def spy(self: CareerPanel, model: CirculationModel) -> None:
        record(self, model)
        pop, alive = model.pop, ~model.pop.gone
        sample = alive & (pop.pid % 3 == 0)
        order = np.argsort(pop.pid[sample])
        expect = pd.DataFrame(
            {
                "pid": pop.pid[sample][order],
                "country": np.array(CODES)[pop.country[sample][order]],
                "sector": [SECTOR_NAMES[int(s)] for s in pop.sector[sample][order]],
                "age": pop.age[sample][order].astype(np.int64),
                "contract_end": pop.contract_end[sample][order].astype(np.int64),
                "visit_dest": [CODES[d] if d >= 0 else "" for d in pop.visit_dest[sample][order]],
            }
        )
        seen.append((model.year, expect))

    monkeypatch.setattr(CareerPanel, "record", spy)
    m.run()
    table = m.careers.table(CODES)
    assert sorted(table["year"].unique()) == list(range(2004, 2009))
    assert (table["pid"] % 3 == 0).all()
    assert len(seen) == 5
    for year, expect in seen:
        got = table[table["year"] == year].drop(columns=["year", "nationality"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expect, check_dtype=False)


def test_a_person_can_be_followed_across_years():
    m = _model(career_sample=1).run()
    t = m.careers.table(CODES)
    path = t[t["pid"] == t["pid"].iloc[0]].sort_values("year")
    assert (np.diff(path["year"]) == 1).all()
    assert (np.diff(path["age"]) == 1).all()  # one year older each year


def test_empty_panel_and_bad_sample():
    assert list(CareerPanel(5).table(CODES).columns[:2]) == ["year", "pid"]
    with pytest.raises(ValueError, match="every"):
        CareerPanel(0)


def test_table_of_some_people_and_years():
    m = _model(career_sample=2).run()
    full = m.careers.table(CODES)
    pids = [int(p) for p in full["pid"].unique()[:3]]
    part = m.careers.table(CODES, pids=pids, years=[2005, 2006])
    expect = full[full["pid"].isin(pids) & full["year"].isin([2005, 2006])].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expect)
    assert m.careers.years == list(range(2004, 2009))
