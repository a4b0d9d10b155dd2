"""Steps 6 and 7 on tiny hand-built populations: long visits abroad, returns home."""

from __future__ import annotations

import numpy as np

from circsim.sim.sectors import N_SECTORS, Sector, is_post
from circsim.sim.steps import returns, visits
from simkit import (
    FIXED,
    JP,
    N_COUNTRIES,
    PERM,
    UK,
    US,
    add_rows,
    build_market,
    capacity,
    no_ties,
    set_population,
    start_policy_year,
    ties,
    tiny_model,
)

# --- long visits ------------------------------------------------------------------------


def _holders(m, n, sector=Sector.ACAD_PERM, **extra):
    values = dict(nationality=JP, country=JP, sector=sector, age=45, phd_year=2000, ties=no_ties(n), standing=0.5)
    values.update(extra)
    return values


def test_more_research_time_means_more_visits(tiny):
    set_population(tiny, 10, **_holders(tiny, 10))
    start_policy_year(tiny)
    rows = np.arange(10)
    tiny.this_year.countries.research_time_share[JP] = 0.2
    low = visits.visit_probability(tiny, rows)
    tiny.this_year.countries.research_time_share[JP] = 0.6
    high = visits.visit_probability(tiny, rows)
    assert np.all(high > low)


def test_more_security_means_more_visits():
    probs = {}
    for sec in (0.2, 1.0):
        m = tiny_model(security_acad_perm=sec)
        set_population(m, 10, **_holders(m, 10))
        start_policy_year(m)
        probs[sec] = visits.visit_probability(m, np.arange(10))
    assert np.all(probs[1.0] > probs[0.2])


def test_a_contract_about_to_end_means_fewer_visits(tiny):
    set_population(tiny, 1, **_holders(tiny, 1, sector=Sector.ACAD_FIXED, contract_end=tiny.year + 4))
    add_rows(tiny, 1, **_holders(tiny, 1, sector=Sector.ACAD_FIXED, contract_end=tiny.year))
    start_policy_year(tiny)
    safe, ending = visits.visit_probability(tiny, np.arange(2))
    assert safe > ending


def test_ties_abroad_mean_more_visits(tiny):
    set_population(tiny, 2, **_holders(tiny, 2))
    ties(tiny.pop)[1, US] = 2.0
    start_policy_year(tiny)
    none, tied = visits.visit_probability(tiny, np.arange(2))
    assert tied > none


def test_visit_frequency_follows_research_time():
    counts = {}
    for rt in (0.2, 0.8):
        m = tiny_model(7)
        set_population(m, 3000, **_holders(m, 3000))
        start_policy_year(m)
        m.this_year.countries.research_time_share[JP] = rt
        counts[rt] = visits.long_visits(m).size
    assert counts[0.8] > 1.5 * counts[0.2] > 0


def test_only_post_holders_visit_and_fellows_do_not():
    m = tiny_model(8, visit_logit_base=20.0)
    set_population(m, 20, **_holders(m, 20))
    add_rows(m, 10, **_holders(m, 10, sector=Sector.UNEMPLOYED))
    add_rows(m, 10, **_holders(m, 10, sector=Sector.DOCTORAL, phd_year=-1))
    add_rows(m, 10, **_holders(m, 10, sector=Sector.LEFT))
    add_rows(m, 10, **_holders(m, 10, sector=Sector.ACAD_FIXED, country=US, fellow_until=m.year + 1))
    start_policy_year(m)
    go = visits.long_visits(m)
    np.testing.assert_array_equal(np.sort(go), np.arange(20))
    assert np.all(m.pop.visit_dest[20:] == -1)


def test_visitors_gain_ties_with_the_host_and_overseas_experience():
    m = tiny_model(9, visit_logit_base=20.0)
    set_population(m, 200, **_holders(m, 200, years_abroad=1.0))
    add_rows(m, 50, **_holders(m, 50, nationality=US, country=JP))  # foreigners, may visit home
    start_policy_year(m)
    go = visits.long_visits(m)
    assert go.size == 250
    pop, p = m.pop, m.p
    dest = pop.visit_dest[go].astype(np.int64)
    assert np.all(dest >= 0) and np.all(dest != pop.country[go])
    np.testing.assert_allclose(ties(pop)[go, dest], p.visit_tie_gain, rtol=1e-6)
    assert np.all(pop.visits[go] == 1)
    japanese = go[:200]
    np.testing.assert_allclose(pop.years_abroad[japanese], 1.0 + p.visit_years)
    assert np.all(pop.standing[japanese] < 0.5)  # time away from home costs standing
    to_home = go[200:][dest[200:] == US]
    np.testing.assert_allclose(pop.years_abroad[to_home], 0.0)
    assert np.all(pop.country[go] == JP) and np.all(is_post(pop.sector[go]))  # they come back to their post


# --- returns ------------------------------------------------------------------------------


def _abroad(m, n, **extra):
    """Japanese researchers working in the US."""
    values = dict(
        nationality=JP, country=US, sector=Sector.ACAD_FIXED, age=38, phd_year=2000, ties=no_ties(n), standing=0.3
    )
    values.update({"contract_end": m.year + 3, **extra})
    return values


def _posts(cap, filled=100):
    """Funded posts (country x sector): the vacancies plus ``filled`` occupied posts per cell."""
    posts = np.zeros((N_COUNTRIES, N_SECTORS))
    posts[:, 1:6] = cap + filled
    return posts


def test_higher_home_valuation_of_overseas_experience_means_more_returns(tiny):
    set_population(tiny, 20, **_abroad(tiny, 20))
    start_policy_year(tiny)
    build_market(tiny)
    cap = capacity({(JP, PERM): 5})
    rows = np.arange(20)
    low = returns.return_probability(tiny, rows, cap, _posts(cap)[:, 1:6])
    tiny.this_year.countries.overseas_valuation[JP] = 2.0
    high = returns.return_probability(tiny, rows, cap, _posts(cap)[:, 1:6])
    assert np.all(high > low)


def test_more_home_vacancies_mean_more_returns(tiny):
    set_population(tiny, 20, **_abroad(tiny, 20))
    start_policy_year(tiny)
    build_market(tiny)
    rows = np.arange(20)
    none = capacity({})
    many = capacity({(JP, PERM): 30, (JP, FIXED): 30})
    p_none = returns.return_probability(tiny, rows, none, _posts(none)[:, 1:6])
    p_many = returns.return_probability(tiny, rows, many, _posts(none)[:, 1:6])
    assert np.all(p_many > p_none)


def test_vacancies_abroad_do_not_pull_people_home(tiny):
    set_population(tiny, 5, **_abroad(tiny, 5))
    start_policy_year(tiny)
    build_market(tiny)
    rows = np.arange(5)
    none = capacity({})
    us_only = capacity({(US, PERM): 50})
    np.testing.assert_allclose(
        returns.return_probability(tiny, rows, us_only, _posts(none)[:, 1:6]),
        returns.return_probability(tiny, rows, none, _posts(none)[:, 1:6]),
    )


def test_more_domestic_standing_means_more_returns(tiny):
    set_population(tiny, 2, **_abroad(tiny, 2, standing=np.array([0.0, 1.0])))
    start_policy_year(tiny)
    build_market(tiny)
    cap = capacity({(JP, PERM): 5})
    low, high = returns.return_probability(tiny, np.arange(2), cap, _posts(cap)[:, 1:6])
    assert high > low


def test_better_visibility_of_home_vacancies_means_more_returns(tiny):
    set_population(tiny, 3, **_abroad(tiny, 3))
    start_policy_year(tiny)
    cap = capacity({(JP, PERM): 5})
    build_market(tiny)
    before = returns.return_probability(tiny, np.arange(3), cap, _posts(cap)[:, 1:6])
    tiny.this_year.countries.home_visibility_abroad[JP, US] = 0.5
    build_market(tiny)
    after = returns.return_probability(tiny, np.arange(3), cap, _posts(cap)[:, 1:6])
    assert np.all(after > before)


def _returning_model(seed=10, **over):
    return tiny_model(seed, return_logit_base=20.0, visibility_home_from_abroad=1.0, utility_unemployed=-50.0, **over)


def test_returners_fill_home_vacancies_only():
    m = _returning_model()
    set_population(m, 30, **_abroad(m, 30, sector=Sector.UNEMPLOYED, contract_end=0))
    start_policy_year(m)
    build_market(m)
    cap = capacity({(JP, PERM): 3, (JP, FIXED): 2, (UK, PERM): 10, (US, PERM): 10})
    back = returns.returns(m, cap, _posts(cap))
    assert back.size == 5
    pop = m.pop
    assert np.all(pop.country[back] == JP) and np.all(is_post(pop.sector[back]))
    assert np.all(pop.moves[back] == 1) and np.all(pop.last_move_year[back] == m.year)
    stay = np.setdiff1d(np.arange(30), back)
    assert np.all(pop.country[stay] == US) and np.all(pop.sector[stay] == Sector.UNEMPLOYED)
    assert cap[JP].sum() == 0 and cap[UK, PERM] == 10 and cap[US, PERM] == 10


def test_only_nationals_abroad_who_did_not_just_move_return():
    m = _returning_model()
    set_population(m, 5, **_abroad(m, 5, last_move_year=m.year))  # moved this year
    add_rows(m, 5, nationality=US, country=US, sector=Sector.ACAD_FIXED, contract_end=m.year + 2, ties=no_ties(5))
    add_rows(m, 5, **_abroad(m, 5, fellow_until=m.year + 1))  # fellows stay for their fellowship
    add_rows(m, 5, **_abroad(m, 5, sector=Sector.LEFT, left_year=m.year - 1))  # left research
    start_policy_year(m)
    build_market(m)
    cap = capacity({(JP, PERM): 50, (US, PERM): 50})
    assert returns.returns(m, cap, _posts(cap)).size == 0
    assert np.all(m.pop.country[:5] == US) and np.all(m.pop.country[10:] == US)


def test_returns_rise_with_home_valuation_in_a_market():
    backs = {}
    for val in (-2.0, 2.0):
        m = tiny_model(11, utility_unemployed=-50.0, visibility_home_from_abroad=1.0)
        set_population(m, 2000, **_abroad(m, 2000))
        start_policy_year(m)
        m.this_year.countries.overseas_valuation[JP] = val
        build_market(m)
        cap = capacity({(JP, PERM): 2000})
        backs[val] = returns.returns(m, cap, _posts(cap, filled=20000)).size
    assert backs[2.0] > 1.5 * backs[-2.0] > 0
