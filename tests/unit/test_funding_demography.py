"""Steps 1-3 on tiny hand-built populations: funding -> posts, vacancies, demography."""

from __future__ import annotations

import numpy as np
import pytest

from circsim.errors import InputError
from circsim.sim.country import HERD, growth_path, money_levels
from circsim.sim.inputs import DATA_DIR, has_series, load_origins, series_value
from circsim.sim.params import ModelParams
from circsim.sim.sectors import N_SECTORS, Sector
from circsim.sim.steps import demography
from circsim.sim.steps.funding import occupancy, posts_from_funding, vacancies
from simkit import JP, N_COUNTRIES, US, add_rows, capacity, set_population, start_policy_year, tiny_model

# --- funding -> posts ------------------------------------------------------------------


def _arrays(m, **values):
    start_policy_year(m)
    for name, val in values.items():
        getattr(m.this_year.countries, name)[:] = val
    return m.this_year.countries


def _posts(m, ref, ca, eps_perm=1.0, external=0.5, adjustment=1.0, academic=None):
    """Funded posts from ``ref`` with the given post parameters (no lag by default)."""
    p = m.p.model_copy(
        update={
            "permanent_posts_elasticity": eps_perm,
            "fixed_term_external_share": external,
            "academic_posts_adjustment_per_year": adjustment,
        }
    )
    academic = ref[:, [Sector.ACAD_PERM, Sector.ACAD_FIXED]] if academic is None else academic
    return posts_from_funding(ref, ca, p, academic)[0]


def test_permanent_posts_follow_base_index_to_the_elasticity(tiny):
    ref = np.full((N_COUNTRIES, N_SECTORS), 100.0)
    ca = _arrays(tiny, base_index=0.8)
    np.testing.assert_allclose(_posts(tiny, ref, ca, 1.0)[:, Sector.ACAD_PERM], 80.0)
    np.testing.assert_allclose(_posts(tiny, ref, ca, 0.5)[:, Sector.ACAD_PERM], 100.0 * 0.8**0.5)
    np.testing.assert_allclose(_posts(tiny, ref, ca, 0.0)[:, Sector.ACAD_PERM], 100.0)


def test_external_money_pays_only_its_share_of_fixed_term_posts(tiny):
    # external money tripled: only the externally paid quarter of the fixed-term posts triples
    ref = np.full((N_COUNTRIES, N_SECTORS), 100.0)
    ca = _arrays(tiny, base_index=1.0, competitive_index=3.0)
    np.testing.assert_allclose(_posts(tiny, ref, ca, external=0.25)[:, Sector.ACAD_FIXED], 75.0 + 75.0)
    np.testing.assert_allclose(_posts(tiny, ref, ca, external=1.0)[:, Sector.ACAD_FIXED], 300.0)
    # the base-paid part follows base money
    ca = _arrays(tiny, base_index=0.8, competitive_index=1.0)
    np.testing.assert_allclose(_posts(tiny, ref, ca, external=0.25)[:, Sector.ACAD_FIXED], 60.0 + 25.0)


def test_academic_posts_close_part_of_the_gap_each_year(tiny):
    ref = np.full((N_COUNTRIES, N_SECTORS), 100.0)
    ca = _arrays(tiny, base_index=0.8, competitive_index=1.0)
    posts = _posts(tiny, ref, ca, adjustment=0.3)
    np.testing.assert_allclose(posts[:, Sector.ACAD_PERM], 100.0 - 0.3 * 20.0)
    # and the next year from there
    p = tiny.p.model_copy(  # the post parameters of _posts above, whatever the calibration says
        update={"academic_posts_adjustment_per_year": 0.3, "permanent_posts_elasticity": 1.0,
                "fixed_term_external_share": 0.5}
    )  # fmt: skip
    academic = ref[:, [Sector.ACAD_PERM, Sector.ACAD_FIXED]]
    for _ in range(2):
        posts, academic = posts_from_funding(ref, ca, p, academic)
    np.testing.assert_allclose(posts[:, Sector.ACAD_PERM], 80.0 + 20.0 * 0.7**2)
    np.testing.assert_allclose(posts[:, Sector.INDUSTRY], 100.0)  # other posts follow their money at once


def test_other_posts_follow_their_own_streams(tiny):
    ref = np.full((N_COUNTRIES, N_SECTORS), 100.0)
    ca = _arrays(tiny, base_index=1.0, competitive_index=1.2, business_index=1.1, government_index=0.9)
    posts = _posts(tiny, ref, ca)
    np.testing.assert_allclose(posts[:, Sector.ACAD_FIXED], 110.0)
    np.testing.assert_allclose(posts[:, Sector.INDUSTRY], 110.0)
    np.testing.assert_allclose(posts[:, Sector.STARTUP], 110.0)
    np.testing.assert_allclose(posts[:, Sector.GOVERNMENT], 90.0)
    np.testing.assert_allclose(posts[:, Sector.ACAD_PERM], 100.0)


def test_extra_posts_are_added(tiny):
    ref = np.full((N_COUNTRIES, N_SECTORS), 10.0)
    ca = _arrays(tiny, base_index=1.0, competitive_index=1.0, business_index=1.0, government_index=1.0)
    ca.extra_posts[JP, Sector.STARTUP] = 5.0
    posts = _posts(tiny, ref, ca)
    assert posts[JP, Sector.STARTUP] == pytest.approx(15.0)
    assert posts[US, Sector.STARTUP] == pytest.approx(10.0)


def test_posts_scale_up_and_down_with_funding(tiny):
    ref = np.full((N_COUNTRIES, N_SECTORS), 50.0)
    start_policy_year(tiny)
    low = _posts(tiny, ref, _arrays(tiny, base_index=0.7, competitive_index=0.7))
    high = _posts(tiny, ref, _arrays(tiny, base_index=1.3, competitive_index=1.3))
    assert np.all(high[:, Sector.ACAD_PERM] > low[:, Sector.ACAD_PERM])
    assert np.all(high[:, Sector.ACAD_FIXED] > low[:, Sector.ACAD_FIXED])


def test_japan_base_funding_index_falls_from_2004():
    m = tiny_model()
    jp = m.country_list[JP]
    assert jp.base_index(2004) == pytest.approx(1.0)
    assert jp.base_index(2015) < jp.base_index(2008) < 1.0


def test_occupancy_counts_only_post_holders():
    country = np.array([0, 0, 1, 1, 1], dtype=np.int8)
    sector = np.array([Sector.ACAD_PERM, Sector.ACAD_PERM, Sector.INDUSTRY, Sector.INDUSTRY, Sector.INDUSTRY])
    holds = np.array([True, True, True, False, True])
    occ = occupancy(country, sector.astype(np.int8), holds, 3)
    assert occ.shape == (3, N_SECTORS)
    assert occ[0, Sector.ACAD_PERM] == 2 and occ[1, Sector.INDUSTRY] == 2 and occ.sum() == 4


def test_vacancies_are_posts_minus_occupied_and_never_negative():
    posts = np.array([[5.0, 2.0], [1.0, 0.0]])
    occupied = np.array([[3, 4], [1, 0]])
    np.testing.assert_array_equal(vacancies(posts, occupied), [[2.0, 0.0], [0.0, 0.0]])


# --- retirement and exits ---------------------------------------------------------------


def test_retirement_at_retirement_age(tiny):
    set_population(tiny, 4, nationality=JP, country=JP, sector=Sector.ACAD_PERM, age=np.array([64, 63, 40, 70]))
    out = demography.age_and_retire(tiny)
    np.testing.assert_array_equal(np.sort(out), [0, 3])
    np.testing.assert_array_equal(tiny.pop.gone, [True, False, False, True])
    np.testing.assert_array_equal(tiny.pop.age, [65, 64, 41, 71])


def test_retirement_age_is_a_parameter():
    m = tiny_model(retirement_age_years=60)
    set_population(m, 2, nationality=JP, country=JP, sector=Sector.INDUSTRY, age=np.array([59, 58]))
    demography.age_and_retire(m)
    np.testing.assert_array_equal(m.pop.gone, [True, False])


def test_leavers_leave_the_population_after_the_tracking_period():
    m = tiny_model(left_tracking_years=3)
    set_population(
        m, 2, nationality=JP, country=JP, sector=Sector.LEFT, age=40, left_year=np.array([m.year - 3, m.year - 2])
    )
    demography.age_and_retire(m)
    np.testing.assert_array_equal(m.pop.gone, [True, False])


@pytest.mark.parametrize("sector", [Sector.ACAD_PERM, Sector.ACAD_FIXED, Sector.INDUSTRY, Sector.DOCTORAL])
def test_exit_hazard_one_and_zero_by_sector(sector):
    name = {
        Sector.ACAD_PERM: "exit_rate_acad_perm_per_year",
        Sector.ACAD_FIXED: "exit_rate_acad_fixed_per_year",
        Sector.INDUSTRY: "exit_rate_industry_per_year",
        Sector.DOCTORAL: "exit_rate_doctoral_per_year",
    }[sector]
    others = {k: 0.0 for k in ("exit_rate_acad_perm_per_year", "exit_rate_acad_fixed_per_year")}
    # the doctoral rate stays below 1 (someone must graduate): a hazard of 1 through the lever's multiplier
    one = 0.5 if sector == Sector.DOCTORAL else 1.0
    m = tiny_model(**{**others, "exit_rate_industry_per_year": 0.0, "exit_rate_doctoral_per_year": 0.0, name: one})
    set_population(m, 50, nationality=JP, country=JP, sector=sector, age=40)
    other = Sector.ACAD_FIXED if sector != Sector.ACAD_FIXED else Sector.ACAD_PERM
    add_rows(m, 50, nationality=JP, country=JP, sector=other, age=40)
    start_policy_year(m)
    m.this_year.countries.doctoral_dropout_multiplier[:] = 1.0 / one
    rows = demography.exits_from_research(m)
    np.testing.assert_array_equal(np.sort(rows), np.arange(50))
    assert np.all(m.pop.sector[:50] == Sector.LEFT)
    assert np.all(m.pop.left_year[:50] == m.year)
    assert np.all(m.pop.sector[50:] == other)


def test_overseas_fellows_and_leavers_do_not_exit():
    m = tiny_model(exit_rate_acad_fixed_per_year=1.0)
    set_population(m, 10, nationality=JP, country=US, sector=Sector.ACAD_FIXED, fellow_until=m.year + 1)
    add_rows(m, 5, nationality=JP, country=JP, sector=Sector.LEFT, left_year=m.year - 1)
    start_policy_year(m)
    assert demography.exits_from_research(m).size == 0
    assert np.all(m.pop.left_year[10:] == m.year - 1)


def test_unemployed_exit_hazard_rises_with_years_unemployed():
    m = tiny_model(exit_rate_unemployed_per_year=0.1, exit_rate_unemployed_increase_per_year=0.2)
    n = 4000
    set_population(m, n, nationality=JP, country=JP, sector=Sector.UNEMPLOYED, unemployed_years=1, phd_year=2000)
    add_rows(m, n, nationality=JP, country=JP, sector=Sector.UNEMPLOYED, unemployed_years=4, phd_year=2000)
    start_policy_year(m)
    rows = demography.exits_from_research(m)
    first = np.mean(rows < n)
    rate_short, rate_long = np.isin(np.arange(n), rows).mean(), np.isin(np.arange(n, 2 * n), rows).mean()
    assert rate_short == pytest.approx(0.1, abs=0.02)
    assert rate_long == pytest.approx(0.1 + 3 * 0.2, abs=0.03)
    assert 0 < first < 0.5


def test_doctoral_dropout_follows_the_dropout_multiplier():
    m = tiny_model(exit_rate_doctoral_per_year=0.5)
    set_population(m, 2000, nationality=JP, country=JP, sector=Sector.DOCTORAL, doctoral_left=2)
    add_rows(m, 2000, nationality=US, country=US, sector=Sector.DOCTORAL, doctoral_left=2)
    start_policy_year(m)
    m.this_year.countries.doctoral_dropout_multiplier[JP] = 0.2
    rows = demography.exits_from_research(m)
    assert np.mean(rows < 2000) < 0.3
    assert np.isin(np.arange(2000), rows).mean() == pytest.approx(0.1, abs=0.025)


# --- graduation, intake, direct entry --------------------------------------------------


def test_the_default_dropout_completes_the_cgs_share_of_a_us_cohort():
    """A cohort of US entrants through its 5 programme years (exits, then graduations, as
    in a year): 59.4% graduate, the CGS ten-year completion the drop-out is set from."""
    m = tiny_model(exit_rate_doctoral_per_year=ModelParams.model_fields["exit_rate_doctoral_per_year"].default)
    n = 20000
    set_population(m, n, nationality=US, country=US, sector=Sector.DOCTORAL, doctoral_left=int(m.doctoral_years[US]))
    graduated = 0
    for _ in range(int(m.doctoral_years[US])):
        start_policy_year(m)
        demography.exits_from_research(m)
        graduated += demography.graduations(m).size
    assert graduated / n == pytest.approx(0.594, abs=0.01)
    assert not np.any(m.pop.sector == Sector.DOCTORAL)


@pytest.mark.parametrize("dropout", [0.0, 0.099, 0.3])
def test_doctoral_intake_is_sized_so_its_graduates_match_the_doctorates_whatever_the_dropout(dropout):
    """Intake = doctorates / completion: the expected graduates of the start-year intake do
    not depend on the drop-out rate, and the start-year students are its steady state."""
    m, ref = tiny_model(exit_rate_doctoral_per_year=dropout), tiny_model(exit_rate_doctoral_per_year=0.0)
    completion, students = demography.doctoral_survival(dropout, m.doctoral_years)
    np.testing.assert_allclose(m.base_intake * completion, ref.base_intake)
    np.testing.assert_allclose(students, [sum((1 - dropout) ** k for k in range(y)) for y in m.doctoral_years])


def test_graduation_turns_doctoral_students_into_unemployed_new_phds(tiny):
    set_population(tiny, 3, nationality=JP, country=JP, sector=Sector.DOCTORAL, doctoral_left=np.array([1, 2, 3]))
    rows = demography.graduations(tiny)
    np.testing.assert_array_equal(rows, [0])
    pop = tiny.pop
    assert pop.sector[0] == Sector.UNEMPLOYED and pop.phd_year[0] == tiny.year and pop.unemployed_years[0] == 0
    np.testing.assert_array_equal(pop.sector[1:], [Sector.DOCTORAL, Sector.DOCTORAL])
    np.testing.assert_array_equal(pop.doctoral_left[1:], [1, 2])
    np.testing.assert_array_equal(pop.phd_year[1:], [-1, -1])


def test_doctoral_intake_responds_to_the_attractiveness_ratio():
    m = tiny_model(doctoral_intake_elasticity=1.0, doctoral_intake_lag_years=2)
    start_policy_year(m)
    base = demography.intake_per_country(m)
    np.testing.assert_allclose(base, m.base_intake)  # no history yet
    m.attract_ref = np.full(N_COUNTRIES, 0.4)
    ratio = np.linspace(0.5, 2.0, N_COUNTRIES)
    m.attract_history[m.year - 2] = 0.4 * ratio
    np.testing.assert_allclose(demography.intake_per_country(m), m.base_intake * ratio)


def test_doctoral_intake_elasticity_damps_the_response():
    m = tiny_model(doctoral_intake_elasticity=0.3, doctoral_intake_lag_years=3)
    start_policy_year(m)
    m.attract_ref = np.full(N_COUNTRIES, 0.5)
    m.attract_history[m.year - 3] = np.full(N_COUNTRIES, 1.0)
    np.testing.assert_allclose(demography.intake_per_country(m), m.base_intake * 2.0**0.3)


def test_doctoral_intake_multiplier_scales_intake(tiny):
    start_policy_year(tiny)
    base = demography.intake_per_country(tiny)
    tiny.this_year.countries.doctoral_intake_multiplier[JP] = 2.5
    after = demography.intake_per_country(tiny)
    assert after[JP] == pytest.approx(2.5 * base[JP])
    np.testing.assert_allclose(np.delete(after, JP), np.delete(base, JP))


def test_doctoral_intake_adds_doctoral_students(tiny):
    set_population(tiny, 0)
    start_policy_year(tiny)
    tiny.base_intake = np.full(N_COUNTRIES, 30.0)
    tiny.base_intake[JP] = 60.0
    rows = demography.doctoral_intake(tiny)
    pop = tiny.pop
    assert len(pop) == 60 + 30 * (N_COUNTRIES - 1) == tiny.pop.gone.size
    assert rows.stop == len(pop)
    assert np.all(pop.sector == Sector.DOCTORAL)
    np.testing.assert_array_equal(np.bincount(pop.country, minlength=N_COUNTRIES)[JP], 60)
    np.testing.assert_array_equal(pop.doctoral_left, tiny.doctoral_years[pop.country])
    assert np.all(pop.phd_year == -1) and np.unique(pop.pid).size == len(pop)


def test_direct_entry_fills_only_non_academic_vacancies():
    m = tiny_model(direct_entry_fill_share=1.0)
    set_population(m, 0)
    start_policy_year(m)
    cap = capacity({(JP, 0): 7, (JP, 1): 4, (JP, 2): 3, (JP, 3): 2, (US, 4): 5})
    rows = demography.direct_entry(m, cap)
    pop = m.pop
    assert rows.stop - rows.start == 10 == len(pop)
    assert set(np.unique(pop.sector)) <= {Sector.INDUSTRY, Sector.GOVERNMENT, Sector.STARTUP}
    assert np.count_nonzero((pop.country == JP) & (pop.sector == Sector.INDUSTRY)) == 3
    assert np.count_nonzero((pop.country == JP) & (pop.sector == Sector.GOVERNMENT)) == 2
    assert np.count_nonzero((pop.country == US) & (pop.sector == Sector.STARTUP)) == 5
    assert cap[JP, 0] == 7 and cap[JP, 1] == 4  # academic vacancies untouched
    assert cap[:, 2:].sum() == 0
    assert np.all(pop.phd_year == -1)


def test_direct_entry_fill_share_zero_adds_nobody():
    m = tiny_model(direct_entry_fill_share=0.0)
    set_population(m, 0)
    start_policy_year(m)
    cap = capacity({(JP, 2): 10})
    demography.direct_entry(m, cap)
    assert len(m.pop) == 0 and cap[JP, 2] == 10


def test_end_of_year_counters(tiny):
    set_population(tiny, 1, nationality=JP, country=JP, sector=Sector.UNEMPLOYED, unemployed_years=2)
    add_rows(tiny, 1, nationality=JP, country=US, sector=Sector.ACAD_FIXED, years_abroad=1.5)
    add_rows(tiny, 1, nationality=JP, country=US, sector=Sector.LEFT, years_abroad=1.0)
    demography.end_of_year_counters(tiny)
    assert tiny.pop.unemployed_years[0] == 3
    np.testing.assert_allclose(tiny.pop.years_abroad, [0.0, 2.5, 1.0])


def test_attractiveness_is_the_mean_of_placement_and_permanent_share():
    np.testing.assert_allclose(demography.attractiveness(np.array([0.2, 1.0]), np.array([0.6, 0.0])), [0.4, 0.5])


# --- who foreign entrants are -----------------------------------------------------------


def test_foreign_entrants_come_from_where_the_hosts_foreigners_come_from():
    """A nationality is a country of origin: a foreign entrant into the US is Japanese as
    often as Japanese citizens are among the US's temporary-visa doctorates (origins.csv)."""
    m = tiny_model()
    n = 200_000
    nat = demography.draw_nationality(m, np.full(n, US), np.ones(n))
    share = np.bincount(nat, minlength=N_COUNTRIES) / n
    np.testing.assert_allclose(share, m.origin_mix[US], atol=0.004)
    assert share[US] == 0 and m.origin_mix[US, JP] == pytest.approx(163 / 16083, abs=1e-4)
    # nationals stay nationals
    np.testing.assert_array_equal(demography.draw_nationality(m, np.full(10, JP), np.zeros(10)), JP)


def test_a_bad_origins_file_is_named(tmp_path):
    codes = ("JP", "US", "CN")
    rows = (DATA_DIR / "origins.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "origins.csv").write_text("\n".join(rows[:3]) + "\n", encoding="utf-8")  # US rows only, partly
    for name in ("regions.csv", "countries.csv"):  # the rest of the data directory
        (tmp_path / name).write_bytes((DATA_DIR / name).read_bytes())
    with pytest.raises(InputError, match=r"origins\.csv.*(must be two different|sum to 1)"):
        load_origins(codes, tmp_path)


# --- academic research money (OECD HERD) --------------------------------------------------


def _herd_per_academic(ctry, year: int) -> float:
    p = ctry.params
    path = growth_path(year, p.researchers_ref_year, p.growth_data_per_year, p.growth_projection_per_year)
    return series_value(HERD, ctry.code, year, log=True) / (p.researchers_fte * p.share_university * path)


def test_money_levels_are_herd_per_academic_relative_to_the_us():
    m = tiny_model()
    levels = {c.code: c.money_level for c in m.country_list}
    us = _herd_per_academic(m.country_list[US], 2004)
    for ctry in m.country_list:
        if has_series(HERD, ctry.code):
            assert ctry.money_level == pytest.approx(_herd_per_academic(ctry, 2004) / us)
    no_herd = [c for c in m.country_list if not has_series(HERD, c.code)]  # the regions of the rest of the world
    assert (
        levels["US"] == 1.0 and no_herd and all(c.money_level == c.params.funding_per_researcher_rel for c in no_herd)
    )
    # the data's ordering in 2004: the US spends the most per academic, China the least
    assert max(levels, key=levels.get) == "US" and min(levels, key=levels.get) == "CN"


def test_where_no_funding_series_exists_money_per_post_follows_herd_over_the_researchers():
    m = tiny_model()
    cn = next(c for c in m.country_list if c.code == "CN")
    assert cn.money_trend(2004) == pytest.approx(1.0)
    # China's real HERD grew about 7-fold 2004-2020 while its researchers grew about 2.2-fold
    assert cn.money_trend(2020) == pytest.approx(
        series_value(HERD, "CN", 2020, log=True) / series_value(HERD, "CN", 2004, log=True) / cn.growth_index(2020)
    )
    assert cn.money_trend(2020) > 2.5
    # Japan's own funding series (which the levers move) carry its money: no HERD trend on top
    assert m.country_list[JP].money_trend(2020) == 1.0
    start_policy_year(m, 2020)
    ca = m.this_year.countries
    assert ca.research_money[JP] == pytest.approx(m.country_list[JP].money_level)


def test_a_country_without_herd_series_or_money_level_is_refused():
    m = tiny_model()
    row = m.country_list[-1]
    row.params = row.params.model_copy(update={"funding_per_researcher_rel": None})
    with pytest.raises(InputError, match=rf"countries\.{row.code}\.funding_per_researcher_rel"):
        money_levels(m.country_list)
