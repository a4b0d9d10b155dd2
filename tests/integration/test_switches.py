"""Mechanisms can be switched off by scenario parameters (``enable_*``)."""

from __future__ import annotations

import numpy as np
import pytest

from circsim.sim.sectors import Sector
from circsim.sim.steps import demography, market
from simkit import (
    JP,
    N_COUNTRIES,
    PERM,
    US,
    add_rows,
    build_market,
    capacity,
    no_ties,
    run,
    set_population,
    start_policy_year,
    tiny_model,
)


@pytest.fixture(scope="module")
def on_off():
    """Short runs with every switch on, and with each one off (same seed)."""
    runs = {"on": run(3, 3000, 2012)}
    for name in ("enable_long_visits", "enable_returns", "enable_topic_diffusion"):
        runs[name] = run(3, 3000, 2012, **{name: False})
    return runs


def _values(m, indicator):
    df = m.indicators()
    return df.loc[df["indicator"] == indicator, "value"].to_numpy()


def test_long_visits_switch(on_off):
    assert _values(on_off["on"], "visits_abroad_long").sum() > 0
    assert np.all(_values(on_off["enable_long_visits"], "visits_abroad_long") == 0)
    # what is received without visits is only the arrivals on posts (MEXT counts hosted postdocs)
    received_off = _values(on_off["enable_long_visits"], "visits_received_long").sum()
    assert received_off < _values(on_off["on"], "visits_received_long").sum()


def test_returns_switch(on_off):
    on = _values(on_off["on"], "returnees").sum()
    off = _values(on_off["enable_returns"], "returnees").sum()
    assert off < on


def test_topic_diffusion_switch(on_off):
    assert np.isfinite(_values(on_off["on"], "topic_lag_years")).any()
    assert np.isnan(_values(on_off["enable_topic_diffusion"], "topic_lag_years")).all()


def test_information_frictions_switch():
    blind = {"visibility_abroad_base": 0.0, "visibility_ties": 0.0, "visibility_diaspora": 0.0}
    hired_abroad = {}
    for frictions in (True, False):
        m = tiny_model(1, utility_unemployed=-50.0, enable_information_frictions=frictions, utility_home=-5.0, **blind)
        set_population(
            m, 100, nationality=JP, country=JP, sector=Sector.UNEMPLOYED, phd_year=2000, age=32, ties=no_ties(100)
        )
        start_policy_year(m)
        build_market(m)
        cells = market.run_market(m, np.arange(100), capacity({(US, PERM): 100, (JP, PERM): 100}))
        hired_abroad[frictions] = np.count_nonzero(cells // 5 == US)
    assert hired_abroad[True] == 0
    assert hired_abroad[False] > 0


def test_on_the_job_search_switch():
    rates = {f"search_rate_{s}_per_year": 1.0 for s in ("acad_perm", "acad_fixed", "industry")}
    m = tiny_model(enable_on_the_job_search=False, **rates)
    set_population(m, 5, nationality=JP, country=JP, sector=Sector.ACAD_PERM, ties=no_ties(5))
    add_rows(m, 2, nationality=JP, country=JP, sector=Sector.UNEMPLOYED, phd_year=2000, ties=no_ties(2))
    np.testing.assert_array_equal(market.find_seekers(m), [5, 6])


def test_intake_response_switch():
    m = tiny_model(enable_intake_response=False, doctoral_intake_elasticity=1.0, doctoral_intake_lag_years=1)
    start_policy_year(m)
    m.attract_ref = np.full(N_COUNTRIES, 0.5)
    m.attract_history[m.year - 1] = np.full(N_COUNTRIES, 1.0)
    np.testing.assert_allclose(
        demography.intake_per_country(m), m.base_intake * m.this_year.countries.doctoral_intake_multiplier
    )
    m.p.enable_intake_response = True
    np.testing.assert_allclose(demography.intake_per_country(m), 2.0 * m.base_intake)
