"""Step 5 on tiny hand-built populations: who searches, what they see, who is hired."""

from __future__ import annotations

import numpy as np
import pytest

from circsim.sim.sectors import Sector, is_academic, is_post
from circsim.sim.steps import choice, market
from simkit import (
    FIXED,
    INDUSTRY,
    JP,
    N_COUNTRIES,
    PERM,
    UK,
    US,
    add_rows,
    build_market,
    capacity,
    no_ties,
    restack,
    set_population,
    start_policy_year,
    ties,
    tiny_model,
)

# Everyone applies to every post they see: having no post is very bad.
EAGER = {"utility_unemployed": -50.0}
# Vacancies abroad are invisible: no base visibility, none from ties or the diaspora.
BLIND = {"visibility_abroad_base": 0.0, "visibility_ties": 0.0, "visibility_diaspora": 0.0}
# Every vacancy anywhere is visible.
SEE_ALL = {"visibility_abroad_base": 1.0, "visibility_home_from_abroad": 1.0}


def _seekers(m, n, nationality=JP, country=JP, **extra):
    values = dict(
        nationality=nationality,
        country=country,
        sector=Sector.UNEMPLOYED,
        age=32,
        phd_year=m.year - 2,
        ties=no_ties(n),
    )
    values.update(extra)
    return values


def _market(m, cap):
    """Run the market for every unemployed row; returns (rows, country, post column) of the hired."""
    start_policy_year(m)
    build_market(m)
    idx = np.flatnonzero(m.pop.sector == Sector.UNEMPLOYED)
    before = cap.copy()
    cells = market.run_market(m, idx, cap)
    hired = cells >= 0
    # capacity is decreased by exactly the hires, and never below zero
    np.testing.assert_array_equal(before - cap, np.bincount(cells[hired], minlength=cap.size).reshape(cap.shape))
    assert np.all(cap >= 0)
    return idx[hired], cells[hired] // cap.shape[1], cells[hired] % cap.shape[1]


# --- seekers ----------------------------------------------------------------------------


def test_seekers_are_the_unemployed_and_on_the_job_searchers():
    rates = {f"search_rate_{s}_per_year": 1.0 for s in ("acad_perm", "acad_fixed", "industry", "government", "startup")}
    m = tiny_model(**rates, reentry_rate_per_year=0.0)
    set_population(m, 3, **_seekers(m, 3))
    add_rows(m, 4, nationality=JP, country=JP, sector=Sector.ACAD_PERM, ties=no_ties(4))
    add_rows(m, 2, nationality=JP, country=US, sector=Sector.ACAD_FIXED, fellow_until=m.year + 1, ties=no_ties(2))
    add_rows(m, 2, nationality=JP, country=JP, sector=Sector.DOCTORAL, doctoral_left=2, ties=no_ties(2))
    add_rows(m, 2, nationality=JP, country=JP, sector=Sector.LEFT, left_year=m.year - 1, ties=no_ties(2))
    np.testing.assert_array_equal(market.find_seekers(m), np.arange(7))


def test_no_on_the_job_search_at_rate_zero_and_leavers_re_enter_at_rate_one():
    rates = {f"search_rate_{s}_per_year": 0.0 for s in ("acad_perm", "acad_fixed", "industry", "government", "startup")}
    m = tiny_model(**rates, reentry_rate_per_year=1.0, left_tracking_years=5)
    set_population(m, 4, nationality=JP, country=JP, sector=Sector.INDUSTRY, ties=no_ties(4))
    add_rows(m, 2, nationality=JP, country=JP, sector=Sector.LEFT, left_year=m.year - 1, ties=no_ties(2))
    add_rows(m, 2, nationality=JP, country=JP, sector=Sector.LEFT, left_year=m.year - 6, ties=no_ties(2))
    np.testing.assert_array_equal(market.find_seekers(m), [4, 5])


# --- capacity, doctorates, visibility ----------------------------------------------------


def test_hires_never_exceed_vacancies():
    m = tiny_model(**EAGER, **SEE_ALL)
    set_population(m, 300, **_seekers(m, 300))
    cap = capacity({(JP, PERM): 5, (JP, FIXED): 7, (US, FIXED): 3, (JP, INDUSTRY): 4, (UK, PERM): 2})
    total = cap.sum()
    rows, _, _ = _market(m, cap)
    assert rows.size == total  # 300 eager seekers who see everything fill every post


def test_a_non_phd_never_gets_an_academic_post():
    m = tiny_model(**EAGER, **SEE_ALL, utility_academia_taste=10.0)
    set_population(m, 200, **_seekers(m, 200, phd_year=-1))
    cap = capacity({(JP, PERM): 50, (JP, FIXED): 50, (US, PERM): 50, (JP, INDUSTRY): 20, (JP, 3): 20})
    rows, _, col = _market(m, cap)
    assert rows.size > 0  # they are hired, but not into academia
    assert np.all(col >= 2)
    assert cap[:, :2].sum() == 150
    assert not np.any(is_academic(m.pop.sector))


def test_new_phds_do_get_academic_posts():
    m = tiny_model(**EAGER, **SEE_ALL)
    set_population(m, 50, **_seekers(m, 50))
    rows, _, col = _market(m, capacity({(JP, PERM): 10, (JP, FIXED): 10}))
    assert rows.size == 20 and set(col) == {PERM, FIXED}


def test_invisible_countries_are_never_chosen():
    m = tiny_model(**EAGER, **BLIND, visibility_home_from_abroad=0.0)
    set_population(m, 200, **_seekers(m, 200))  # Japanese in Japan
    add_rows(m, 100, **_seekers(m, 100, nationality=US, country=JP))  # Americans in Japan: home invisible too
    cap = np.full((N_COUNTRIES, 5), 20, dtype=np.int64)
    _, country, _ = _market(m, cap)
    assert country.size > 0
    assert np.all(country == JP)


def test_strong_ties_make_a_country_visible():
    m = tiny_model(**EAGER, **BLIND, visibility_home_from_abroad=0.0)
    m.p.visibility_ties = 1.0
    set_population(m, 100, **_seekers(m, 100))
    ties(m.pop)[:, US] = 5.0
    _, country, _ = _market(m, capacity({(US, PERM): 30}))
    assert country.size == 30 and np.all(country == US)


def _share_hired_in(m, cap, where):
    _, country, _ = _market(m, cap)
    return np.mean(country == where), country.size


def test_home_bias_draws_seekers_home():
    # Japanese abroad (in the UK) choose between Japan and the US, both visible, no competition
    shares = {}
    for w in (0.0, 5.0):
        m = tiny_model(1, **EAGER, **SEE_ALL, utility_home=w)
        set_population(m, 400, **_seekers(m, 400, country=UK))
        shares[w], n = _share_hired_in(m, capacity({(JP, FIXED): 400, (US, FIXED): 400}), JP)
        assert n == 400
    assert shares[5.0] > shares[0.0] + 0.2


def test_home_valuation_of_overseas_experience_sends_seekers_abroad():
    shares = {}
    for val in (0.0, 3.0):
        m = tiny_model(1, **EAGER, **SEE_ALL, **{"countries.JP.overseas_valuation": val})
        set_population(m, 400, **_seekers(m, 400))
        share_jp, _ = _share_hired_in(m, capacity({(JP, FIXED): 400, (US, FIXED): 400}), JP)
        shares[val] = 1 - share_jp
    assert shares[3.0] > max(2 * shares[0.0], shares[0.0] + 0.05)


def _share_hired_of(m, cap, group):
    total = cap.sum()
    rows, _, _ = _market(m, cap)
    assert rows.size == total
    return np.isin(rows, group).mean()


def test_insider_preference_favours_high_standing():
    shares = {}
    for w in (0.0, 4.0):
        m = tiny_model(2, **EAGER, **BLIND, **{"countries.JP.insider_preference": w})
        set_population(m, 200, **_seekers(m, 200, standing=1.0))
        add_rows(m, 200, **_seekers(m, 200, standing=0.0))
        shares[w] = _share_hired_of(m, capacity({(JP, PERM): 60}), np.arange(200))
    assert abs(shares[0.0] - 0.5) < 0.15
    assert shares[4.0] > 0.9


def test_foreign_permanent_penalty_keeps_foreigners_out_of_permanent_posts():
    shares = {}
    for pen in (0.0, 5.0):
        m = tiny_model(
            3, **EAGER, **BLIND, visibility_home_from_abroad=0.0, **{"countries.JP.foreign_permanent_penalty": pen}
        )
        set_population(m, 200, **_seekers(m, 200, nationality=US))  # Americans in Japan
        add_rows(m, 200, **_seekers(m, 200))
        shares[pen] = _share_hired_of(m, capacity({(JP, PERM): 60}), np.arange(200))
    assert shares[0.0] > 0.3
    assert shares[5.0] < 0.05


def test_foreign_permanent_penalty_does_not_touch_fixed_term_posts():
    m = tiny_model(
        3, **EAGER, **BLIND, visibility_home_from_abroad=0.0, **{"countries.JP.foreign_permanent_penalty": 5.0}
    )
    set_population(m, 200, **_seekers(m, 200, nationality=US))
    add_rows(m, 200, **_seekers(m, 200))
    assert _share_hired_of(m, capacity({(JP, FIXED): 60}), np.arange(200)) > 0.3


def test_overseas_valuation_favours_experienced_applicants():
    shares = {}
    for val in (0.0, 3.0):
        m = tiny_model(4, **EAGER, **BLIND, **{"countries.JP.overseas_valuation": val})
        set_population(m, 200, **_seekers(m, 200, years_abroad=5.0))
        add_rows(m, 200, **_seekers(m, 200, years_abroad=0.0))
        shares[val] = _share_hired_of(m, capacity({(JP, PERM): 60}), np.arange(200))
    assert abs(shares[0.0] - 0.5) < 0.15
    assert shares[3.0] > 0.9


def test_merit_decides_when_nothing_else_differs():
    m = tiny_model(5, **EAGER, **BLIND, hiring_noise=0.0)
    set_population(m, 100, **_seekers(m, 100, talent=np.linspace(-2, 2, 100)))
    rows, _, _ = _market(m, capacity({(JP, PERM): 10}))
    np.testing.assert_array_equal(np.sort(rows), np.arange(90, 100))


def test_an_applicant_displaced_late_still_gets_an_open_post():
    # Seeker 0 (talent 0) sees only Japan and prefers A = JP permanent to B = JP fixed-term.
    # Seeker 1 (talent 2) prefers X = US permanent, then A. Seeker 2 (talent 3, in the US)
    # takes X. With two applications each: round 1 -> 0 at A, 1 and 2 at X (2 kept);
    # round 2 -> 1 displaces 0 at A. Seeker 0's second choice B is still open, so the
    # stable outcome (and that of deferred acceptance) is 0 -> B, 1 -> A, 2 -> X.
    m = tiny_model(6, **EAGER, **BLIND, visibility_home_from_abroad=0.0, hiring_noise=0.0, options_per_seeker=2)
    m.p.visibility_ties = 1.0
    set_population(m, 2, **_seekers(m, 2, talent=np.array([0.0, 2.0])))
    add_rows(m, 1, **_seekers(m, 1, nationality=US, country=US, talent=3.0))
    ties(m.pop)[1, US] = 5.0
    start_policy_year(m)
    build_market(m)
    cu = np.full_like(m.this_year.market.cell_utility, -20.0)
    cu[US, PERM], cu[JP, PERM], cu[JP, FIXED] = 100.0, 50.0, 0.0
    m.this_year.market.cell_utility = cu
    cap = capacity({(US, PERM): 1, (JP, PERM): 1, (JP, FIXED): 1})
    cells = market.run_market(m, np.arange(3), cap)
    np.testing.assert_array_equal(cells, [JP * 5 + FIXED, JP * 5 + PERM, US * 5 + PERM])


# --- moving into the new post ------------------------------------------------------------


def test_apply_hires_moves_people_into_their_posts(tiny):
    set_population(tiny, 3, **_seekers(tiny, 3))
    start_policy_year(tiny)
    cells = np.array([US * 5 + FIXED, JP * 5 + PERM, -1])
    rows = market.apply_hires(tiny, np.arange(3), cells)
    pop = tiny.pop
    np.testing.assert_array_equal(rows, [0, 1])
    assert pop.country[0] == US and pop.sector[0] == Sector.ACAD_FIXED and pop.contract_end[0] >= tiny.year
    assert pop.moves[0] == 1 and pop.last_move_year[0] == tiny.year
    assert ties(pop)[0, JP] >= tiny.p.tie_move_gain and ties(pop)[0, US] == 0
    assert pop.country[1] == JP and pop.sector[1] == Sector.ACAD_PERM and pop.moves[1] == 0
    assert pop.contract_end[1] == 0
    assert pop.sector[2] == Sector.UNEMPLOYED and pop.country[2] == tiny.pop.nationality[2]
    assert np.all(is_post(pop.sector[:2]))


# --- communities of co-nationals abroad --------------------------------------------------------


def test_community_attraction_is_half_at_the_half_share_convex_while_small_and_saturating():
    share = np.array([[0.0, 0.0025, 0.005, 0.01, 0.02, 0.2]])
    att = choice.community_attraction(share, np.zeros_like(share), 0.01)
    assert att[0, 0] == 0.0 and att[0, 3] == pytest.approx(0.5)
    assert np.all(np.diff(att[0]) > 0)
    assert att[0, 2] > 3 * att[0, 1]  # doubling a small community more than triples its draw
    assert att[0, 4] < 2 * att[0, 3] and att[0, 5] > 0.99  # a large one saturates
    # support counts a community as (1 + support) times its share
    supported = choice.community_attraction(share[:, 1:4], np.ones((1, 3)), 0.01)
    np.testing.assert_allclose(supported, att[:, 2:5])


def _community_pull(m, japanese_in_us: int, support: float = 0.0) -> float:
    """Share of Japanese seekers at home hired in the US (rather than the UK) when
    ``japanese_in_us`` of 400 post holders in the US are Japanese."""
    set_population(m, 400, **_seekers(m, 400))
    add_rows(
        m,
        400 - japanese_in_us,
        nationality=US,
        country=US,
        sector=Sector.ACAD_PERM,
        age=45,
        ties=no_ties(400 - japanese_in_us),
    )
    add_rows(m, 400, nationality=UK, country=UK, sector=Sector.ACAD_PERM, age=45, ties=no_ties(400))
    if japanese_in_us:
        add_rows(
            m, japanese_in_us, nationality=JP, country=US, sector=Sector.ACAD_PERM, age=45, ties=no_ties(japanese_in_us)
        )
    start_policy_year(m)
    m.country_list[JP].state.community_support[US] = support  # as the lever sets it in step 1
    restack(m)
    build_market(m)
    cap = capacity({(US, FIXED): 400, (UK, FIXED): 400})
    cells = market.run_market(m, np.flatnonzero(m.pop.sector == Sector.UNEMPLOYED), cap)
    return float(np.mean(cells[cells >= 0] // cap.shape[1] == US))


def test_a_community_of_co_nationals_draws_seekers_to_its_host():
    w = {**EAGER, **SEE_ALL, "utility_diaspora": 1.5, "community_half_share": 0.01}
    none = _community_pull(tiny_model(1, **w), 0)
    small = _community_pull(tiny_model(1, **w), 2)  # 0.5% of the US's researchers
    large = _community_pull(tiny_model(1, **w), 40)  # 10%
    assert none < small < large and large > none + 0.1
    # support for the small community makes it count as larger
    supported = _community_pull(tiny_model(1, **w), 2, support=3.0)
    assert supported > small + 0.05
    # no pull without the community term
    off = _community_pull(tiny_model(1, **{**w, "utility_diaspora": 0.0}), 40)
    assert abs(off - none) < 0.08


def test_a_market_draws_seekers_in_proportion_to_its_openings():
    # Japanese in the UK choose between Japan and the US, both visible, no home bias and
    # more posts than seekers (no competition): four times Japan's openings multiply the
    # odds of choosing Japan by four (the size term), whatever else makes it more or less
    # attractive than the US
    n = 4000
    log_odds, var = {}, 0.0
    for jp_posts in (n, 4 * n):
        m = tiny_model(3, **EAGER, **SEE_ALL, utility_home=0.0)
        set_population(m, n, **_seekers(m, n, country=UK))
        share, hired = _share_hired_in(m, capacity({(JP, FIXED): jp_posts, (US, FIXED): n}), JP)
        assert hired == n
        log_odds[jp_posts] = np.log(share / (1 - share))
        var += 1 / (n * share) + 1 / (n * (1 - share))
    assert abs(log_odds[4 * n] - log_odds[n] - np.log(4)) < 3 * np.sqrt(var), (log_odds, var)
    # the size term of two halves of a market sums, in exp, to the whole's
    halves = market.market_size(capacity({(JP, FIXED): 300, (US, FIXED): 300}), 100.0, 30000.0)
    whole = market.market_size(capacity({(JP, FIXED): 600}), 100.0, 30000.0)
    assert np.exp(halves[[JP, US]]).sum() == pytest.approx(np.exp(whole[JP]))
