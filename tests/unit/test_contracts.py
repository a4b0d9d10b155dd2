"""Step 4 on tiny hand-built populations: contract ends, the fixed-term cap, fellowships."""

from __future__ import annotations

import numpy as np

from circsim.sim.sectors import Sector
from circsim.sim.steps import contracts
from circsim.sim.steps.contracts import draw_contract_end
from simkit import JP, US, add_rows, posts_table, set_population, start_policy_year, ties, tiny_model


def _ending(m, n, fixed_years=2, **extra):
    """``n`` Japanese fixed-term researchers in Japan whose contract's last year was last year."""
    values = dict(nationality=JP, country=JP, sector=Sector.ACAD_FIXED, age=35, phd_year=2000)
    values.update(contract_end=m.year - 1, fixed_years=fixed_years, **extra)
    return values


def _model(**over):
    # the cap binds from 2000 so that it applies in the tiny model's first year (2004)
    m = tiny_model(**{"countries.JP.fixed_term_cap_from_year": 2000, **over})
    return m


def test_contracts_are_renewed_when_funded():
    m = _model(**{"countries.JP.renewal_prob": 1.0})
    set_population(m, 10, **_ending(m, 10))
    start_policy_year(m)
    out = contracts.contract_ends(m, posts_table(m, {}), m.occupied_posts())
    assert out["renewed"].size == 10 and out["released"].size == 0 and out["converted"].size == 0
    assert np.all(m.pop.sector == Sector.ACAD_FIXED)
    assert np.all(m.pop.contract_end >= m.year)


def test_no_renewal_beyond_funded_posts():
    m = _model(**{"countries.JP.renewal_prob": 1.0})
    set_population(m, 10, **_ending(m, 10))
    add_rows(m, 3, **{**_ending(m, 3), "contract_end": m.year + 3})  # contracts running on
    start_policy_year(m)
    posts = posts_table(m, {(JP, Sector.ACAD_FIXED): -6})  # 7 funded fixed-term posts for 13 people
    out = contracts.contract_ends(m, posts, m.occupied_posts())
    assert out["renewed"].size == 4
    assert out["released"].size == 6
    pop = m.pop
    assert np.count_nonzero(pop.sector == Sector.ACAD_FIXED) == 7
    released = out["released"]
    assert np.all(pop.sector[released] == Sector.UNEMPLOYED)
    assert np.all(pop.contract_end[released] == 0) and np.all(pop.unemployed_years[released] == 0)
    assert np.all(pop.contract_end[10:] == m.year + 3)


def test_renewal_probability_zero_renews_nobody():
    m = _model(**{"countries.JP.renewal_prob": 0.0})
    set_population(m, 10, **_ending(m, 10))
    start_policy_year(m)
    out = contracts.contract_ends(m, posts_table(m, {(JP, Sector.ACAD_FIXED): 10}), m.occupied_posts())
    assert out["renewed"].size == 0 and out["released"].size == 10


def test_contracts_not_yet_ending_are_left_alone():
    m = _model(**{"countries.JP.renewal_prob": 0.0})
    set_population(m, 5, **{**_ending(m, 5), "contract_end": m.year + 1})
    start_policy_year(m)
    out = contracts.contract_ends(m, posts_table(m, {}), m.occupied_posts())
    assert sum(v.size for v in out.values()) == 0
    assert np.all(m.pop.sector == Sector.ACAD_FIXED)


def test_cap_blocks_renewal_and_converts_only_into_open_permanent_posts():
    m = _model(**{"countries.JP.renewal_prob": 1.0, "countries.JP.cap_conversion_prob": 1.0})
    set_population(m, 10, **_ending(m, 10, fixed_years=10))  # JP cap: 10 years
    add_rows(m, 4, nationality=JP, country=JP, sector=Sector.ACAD_PERM, age=50, phd_year=1990)
    start_policy_year(m)
    assert m.this_year.countries.fixed_term_cap_years[JP] == 10
    posts = posts_table(m, {(JP, Sector.ACAD_PERM): 3, (JP, Sector.ACAD_FIXED): 20})
    out = contracts.contract_ends(m, posts, m.occupied_posts())
    assert out["renewed"].size == 0
    assert out["converted"].size == 3
    assert out["released"].size == 7
    pop = m.pop
    conv = out["converted"]
    assert np.all(pop.sector[conv] == Sector.ACAD_PERM)
    assert np.all(pop.contract_end[conv] == 0) and np.all(pop.fixed_years[conv] == 0)
    assert np.all(pop.sector[out["released"]] == Sector.UNEMPLOYED)


def test_cap_without_open_permanent_posts_converts_nobody():
    m = _model(**{"countries.JP.renewal_prob": 1.0, "countries.JP.cap_conversion_prob": 1.0})
    set_population(m, 6, **_ending(m, 6, fixed_years=12))
    start_policy_year(m)
    out = contracts.contract_ends(m, posts_table(m, {(JP, Sector.ACAD_FIXED): 20}), m.occupied_posts())
    assert out["converted"].size == 0 and out["renewed"].size == 0 and out["released"].size == 6


def test_cap_conversion_probability_zero_converts_nobody():
    m = _model(**{"countries.JP.renewal_prob": 1.0, "countries.JP.cap_conversion_prob": 0.0})
    set_population(m, 6, **_ending(m, 6, fixed_years=10))
    start_policy_year(m)
    posts = posts_table(m, {(JP, Sector.ACAD_PERM): 10, (JP, Sector.ACAD_FIXED): 20})
    out = contracts.contract_ends(m, posts, m.occupied_posts())
    assert out["converted"].size == 0 and out["released"].size == 6


def test_cap_conversion_probability_is_a_chance():
    m = _model(**{"countries.JP.renewal_prob": 1.0, "countries.JP.cap_conversion_prob": 0.3})
    set_population(m, 2000, **_ending(m, 2000, fixed_years=10))
    start_policy_year(m)
    posts = posts_table(m, {(JP, Sector.ACAD_PERM): 5000})
    out = contracts.contract_ends(m, posts, m.occupied_posts())
    assert abs(out["converted"].size / 2000 - 0.3) < 0.04


def test_cap_does_not_bind_before_its_first_year():
    m = tiny_model(**{"countries.JP.renewal_prob": 1.0, "countries.JP.fixed_term_cap_from_year": 2013})
    set_population(m, 5, **_ending(m, 5, fixed_years=15))
    start_policy_year(m)  # 2004
    out = contracts.contract_ends(m, posts_table(m, {}), m.occupied_posts())
    assert out["renewed"].size == 5


def test_minimum_contract_length_floors_new_contracts(tiny):
    start_policy_year(tiny)
    rows = np.arange(500)
    country = np.full(500, JP, dtype=np.int8)
    free = draw_contract_end(tiny, rows, country) - (tiny.year - 1)
    tiny.country_list[JP].state.min_contract_years = 5
    floored = draw_contract_end(tiny, rows, country) - (tiny.year - 1)
    assert free.min() < 5
    assert floored.min() >= 5
    assert floored.mean() > free.mean()
    assert tiny.country_list[JP].mean_contract_years() >= 5


# --- fellowships ------------------------------------------------------------------------


def _fellows(m, n, guarantee, until=None):
    ties = np.zeros((n, len(m.codes)), dtype=np.float32)
    return dict(
        nationality=JP,
        country=US,
        sector=Sector.ACAD_FIXED,
        age=32,
        phd_year=m.year - 3,
        fellow_until=m.year - 1 if until is None else until,
        fellow_guarantee=guarantee,
        # as the lever sets it: the guaranteed post runs 5 years after the fellowship
        guaranteed_until=(m.year - 1 if until is None else until) + 5 if guarantee >= 0 else 0,
        contract_end=m.year - 1,
        ties=ties,
    )


def test_fellowship_end_with_a_guarantee_returns_home_to_the_guaranteed_post(tiny):
    set_population(tiny, 4, **_fellows(tiny, 4, int(Sector.ACAD_PERM)))
    add_rows(tiny, 3, **_fellows(tiny, 3, int(Sector.ACAD_FIXED)))
    start_policy_year(tiny)
    out = contracts.fellowship_ends(tiny)
    pop = tiny.pop
    assert out["guaranteed"].size == 7 and out["free"].size == 0
    assert np.all(pop.country == JP)
    np.testing.assert_array_equal(pop.sector[:4], Sector.ACAD_PERM)
    np.testing.assert_array_equal(pop.sector[4:], Sector.ACAD_FIXED)
    # the guaranteed fixed-term post lasts the guaranteed years
    np.testing.assert_array_equal(pop.contract_end[4:], pop.guaranteed_until[4:])
    assert np.all(pop.contract_end[4:] >= tiny.year + 4) and np.all(pop.contract_end[:4] == 0)
    assert np.all(pop.fellow_until == 0) and np.all(pop.fellow_guarantee == -1)
    assert np.all(pop.moves == 1) and np.all(pop.last_move_year == tiny.year)
    t = ties(pop)
    assert np.all(t[:, US] >= tiny.p.tie_move_gain) and np.all(t[:, JP] == 0)


def test_fellowship_end_without_a_guarantee_looks_for_a_post_where_they_are(tiny):
    set_population(tiny, 5, **_fellows(tiny, 5, -1))
    start_policy_year(tiny)
    out = contracts.fellowship_ends(tiny)
    pop = tiny.pop
    assert out["free"].size == 5 and out["guaranteed"].size == 0
    assert np.all(pop.country == US) and np.all(pop.sector == Sector.UNEMPLOYED)
    assert np.all(pop.fellow_until == 0) and np.all(pop.moves == 0)


def test_running_fellowships_continue(tiny):
    set_population(tiny, 3, **_fellows(tiny, 3, int(Sector.ACAD_PERM), until=tiny.year + 1))
    start_policy_year(tiny)
    out = contracts.fellowship_ends(tiny)
    assert out["guaranteed"].size == 0 and out["free"].size == 0
    assert np.all(tiny.pop.country == US) and np.all(tiny.pop.fellow_until == tiny.year + 1)


def test_fellows_are_not_renewed_or_released_as_ordinary_contracts():
    m = _model(**{"countries.JP.renewal_prob": 0.0})
    set_population(m, 3, **_fellows(m, 3, -1, until=m.year + 1))
    start_policy_year(m)
    out = contracts.contract_ends(m, posts_table(m, {}), m.occupied_posts())
    assert sum(v.size for v in out.values()) == 0
    assert np.all(m.pop.sector == Sector.ACAD_FIXED)
