"""Steps 5-7 on tiny hand-built populations: return decisions and returns through the job
market, long visits abroad."""

from __future__ import annotations

import numpy as np

from circsim.sim.sectors import Sector, is_post
from circsim.sim.steps import market, returns, visits
from simkit import (
    FIXED,
    JP,
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


def test_higher_home_valuation_of_overseas_experience_means_more_wishes_to_return(tiny):
    set_population(tiny, 20, **_abroad(tiny, 20))
    start_policy_year(tiny)
    rows = np.arange(20)
    low = returns.return_probability(tiny, rows)
    tiny.this_year.countries.overseas_valuation[JP] = 2.0
    assert np.all(returns.return_probability(tiny, rows) > low)


def test_more_domestic_standing_means_more_wishes_to_return(tiny):
    set_population(tiny, 2, **_abroad(tiny, 2, standing=np.array([0.0, 1.0])))
    start_policy_year(tiny)
    low, high = returns.return_probability(tiny, np.arange(2))
    assert high > low


def test_only_nationals_abroad_weigh_a_return():
    m = tiny_model(return_logit_base=20.0)
    set_population(m, 5, **_abroad(m, 5))
    add_rows(m, 5, nationality=US, country=US, sector=Sector.ACAD_FIXED, contract_end=m.year + 2, ties=no_ties(5))
    add_rows(m, 5, **_abroad(m, 5, fellow_until=m.year + 1))  # fellows stay for their fellowship
    add_rows(m, 5, **_abroad(m, 5, sector=Sector.LEFT, left_year=m.year - 1))  # left research
    add_rows(m, 5, **_abroad(m, 5, sector=Sector.UNEMPLOYED, contract_end=0))
    start_policy_year(m)
    np.testing.assert_array_equal(returns.homeward(m), np.r_[np.arange(5), np.arange(20, 25)])
    assert returns.homeward(tiny_model(return_logit_base=20.0, enable_returns=False)).size == 0


def _market_with_returners(m, cap, n_abroad=30, n_home=0, **abroad):
    """Japanese researchers abroad who all look homeward, and ``n_home`` Japanese seekers
    at home, in one market on ``cap``; returns the rows hired and the cells."""
    set_population(m, n_abroad, **_abroad(m, n_abroad, **abroad))
    if n_home:
        add_rows(m, n_home, **_abroad(m, n_home, country=JP, sector=Sector.UNEMPLOYED, contract_end=0))
    start_policy_year(m)
    build_market(m)
    rows = np.arange(n_abroad + n_home)
    homeward = np.isin(rows, returns.homeward(m))
    cells = market.run_market(m, rows, cap, homeward)
    return market.apply_hires(m, rows, cells), cells


def _returning_model(seed=10, **over):
    return tiny_model(seed, return_logit_base=20.0, visibility_home_from_abroad=1.0, utility_unemployed=-50.0, **over)


def test_returners_fill_home_vacancies_only():
    m = _returning_model()
    cap = capacity({(JP, PERM): 3, (JP, FIXED): 2, (UK, PERM): 10, (US, PERM): 10})
    back, _ = _market_with_returners(m, cap, sector=Sector.UNEMPLOYED, contract_end=0)
    assert back.size == 5
    pop = m.pop
    assert np.all(pop.country[back] == JP) and np.all(is_post(pop.sector[back]))
    assert np.all(pop.moves[back] == 1) and np.all(pop.last_move_year[back] == m.year)
    stay = np.setdiff1d(np.arange(30), back)
    assert np.all(pop.country[stay] == US) and np.all(pop.sector[stay] == Sector.UNEMPLOYED)
    assert cap[JP].sum() == 0 and cap[UK, PERM] == 10 and cap[US, PERM] == 10


def test_returners_compete_with_seekers_at_home_for_the_same_openings():
    m = _returning_model()
    cap = capacity({(JP, PERM): 10})
    hired, _ = _market_with_returners(m, cap, n_abroad=30, n_home=30, sector=Sector.UNEMPLOYED, contract_end=0)
    assert hired.size == 10 and cap[JP, PERM] == 0
    from_abroad = np.count_nonzero(hired < 30)
    assert 0 < from_abroad < 10  # some returners, some at home: one market for both


def test_no_home_openings_no_returns():
    m = _returning_model()
    back, _ = _market_with_returners(m, capacity({(US, PERM): 50}))
    assert back.size == 0 and np.all(m.pop.country[:30] == US)


def test_more_home_vacancies_mean_more_returns():
    sizes = [_market_with_returners(tiny_model(3, return_logit_base=20.0), capacity({(JP, PERM): k}))[0].size
             for k in (2, 20)]  # fmt: skip
    assert sizes[1] > sizes[0] > 0


def test_better_visibility_of_home_vacancies_means_more_returns():
    backs = []
    for extra in (0.0, 0.6):
        m = tiny_model(5, return_logit_base=20.0, utility_unemployed=-50.0, visibility_home_from_abroad=0.2)
        set_population(m, 400, **_abroad(m, 400))
        start_policy_year(m)
        m.this_year.countries.home_visibility_abroad[JP, US] = extra  # embassy fellows, a contact window
        build_market(m)
        rows = np.arange(400)
        cells = market.run_market(m, rows, capacity({(JP, PERM): 400}), np.isin(rows, returns.homeward(m)))
        backs.append(np.count_nonzero(cells >= 0))
    assert backs[1] > 1.5 * backs[0] > 0


def test_returns_rise_with_home_valuation_in_a_market():
    backs = {}
    for val in (-2.0, 2.0):
        # Japan's 2000 openings (100 million researchers at this scale) weigh as one post
        # against the post held abroad: a size term of zero
        m = tiny_model(
            11,
            utility_unemployed=-50.0,
            visibility_home_from_abroad=1.0,
            return_logit_base=-1.0,
            market_size_reference=2000 * 50000.0,
        )
        set_population(m, 2000, **_abroad(m, 2000))
        start_policy_year(m)
        m.this_year.countries.overseas_valuation[JP] = val
        build_market(m)
        rows = np.arange(2000)
        cells = market.run_market(m, rows, capacity({(JP, PERM): 2000}), np.isin(rows, returns.homeward(m)))
        backs[val] = np.count_nonzero(cells >= 0)
    assert backs[2.0] > 1.5 * backs[-2.0] > 0


def test_researchers_received_count_arrivals_on_fixed_term_and_government_posts():
    """MEXT's received researchers include, from FY2010, the postdocs and fellows who came
    from abroad: without any long visit, what a country receives is exactly the arrivals
    from abroad on its fixed-term academic and government posts (from the flows table)."""
    from circsim.sim.model import CirculationModel

    m = CirculationModel(rng=0, scale=5000, end_year=2010, visit_logit_base=-20.0).run()
    ind = m.indicators()
    received = ind[ind["indicator"] == "visits_received_long"].set_index(["year", "country"])["value"]
    f = m.flows()
    hosted = f[(f["origin"] != f["destination"]) & f["to_sector"].isin(["acad_fixed", "government"])
               & ~f["from_sector"].isin(["entry", "exit"])]  # fmt: skip
    arrivals = hosted.groupby(["year", "destination"])["count"].sum().reindex(received.index, fill_value=0)
    assert arrivals.sum() > 0
    np.testing.assert_array_equal(received.to_numpy(), arrivals.to_numpy(dtype=float))
