"""Each policy lever moves what it should, in the expected direction, at a cost.

Paired runs: the same seeds with and without the lever (start year 2005) at a coarse
scale. Where the lever sets part of a country's state deterministically the test checks
that state; indicator effects are averaged over three seeds. Lever settings are strong
on purpose, so that the direction is clear at this scale.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from circsim.errors import InputError
from circsim.sim.levers import LEVER_NAMES
from circsim.sim.model import CirculationModel
from circsim.sim.sectors import Sector, is_academic
from circsim.sim.steps.choice import community_attraction
from simkit import CODES, JP, run, seed_mean, series, window_mean

SEEDS = (1, 2, 3)
SCALE = 1000
END = 2015
LATE = (2008, 2015)  # years over which indicator effects are compared

#: lever name -> strong settings used in the direction tests (all start in 2005)
SETTINGS: dict[str, dict] = {
    "base_funding": {"target_vs_2004": 1.3, "target_year": 2008},
    "competitive_funding": {"multiplier": 2.0},
    "overseas_fellowships": {"fellows_per_year": 20000},
    "embassy_fellows": {"fellows": 300, "visibility_gain": 1.0},
    "contact_window": {"visibility_gain": 1.0},
    "hiring_values_overseas": {"target_weight": 0.6, "ramp_years": 3},
    "open_permanent_posts": {},
    "admin_load": {"target_research_time_share": 0.6, "target_year": 2006},
    "doctoral_stipends": {"stipends": 1e6, "intake_effect": 2.0},
    "phd_careers": {"hiring_bonus": 3.0, "access_multiplier": 3.0},
    "startup_support": {"yen_per_year": 1e11},
    "joint_programme": {"teams_per_year": 20000},
    "satreps": {"teams_per_year": 20000},
    "researcher_communities": {"associations": 500, "presence_gain": 5.0},
    "university_fund": {"yen_per_year": 1e12},
}


def lever_overrides(name: str, start: int = 2005, **settings) -> dict:
    out = {f"levers.{name}.start_year": start}
    out.update({f"levers.{name}.{k}": v for k, v in {**SETTINGS[name], **settings}.items()})
    return out


@pytest.fixture(scope="module")
def paired() -> Callable[..., list[CirculationModel]]:
    """Runs for the seeds with a lever (cached), or without (``name=None``)."""
    cache: dict[tuple, list[CirculationModel]] = {}

    def get(name: str | None, scale: float = SCALE, end: int = END, **settings) -> list[CirculationModel]:
        key = (name, scale, end, tuple(sorted(settings.items())))
        if key not in cache:
            over = lever_overrides(name, **settings) if name else {}
            cache[key] = [run(s, scale, end, **over) for s in SEEDS]
        return cache[key]

    return get


def jp_state(m: CirculationModel):
    return m.country_list[JP].state


def effect(paired, name: str, indicator: str, **settings) -> tuple[float, float, list[float]]:
    """(baseline mean, lever mean, per-seed differences) of a JP indicator over LATE."""
    base, lever = paired(None), paired(name, **settings)
    diffs = [
        window_mean(v, indicator, *LATE) - window_mean(b, indicator, *LATE) for b, v in zip(base, lever, strict=True)
    ]
    return seed_mean(base, indicator, *LATE), seed_mean(lever, indicator, *LATE), diffs


# --- every lever is covered, costs money when active and nothing before ------------------


def test_every_lever_has_direction_settings():
    assert set(SETTINGS) == set(LEVER_NAMES)


COST_SETTINGS = {
    "competitive_funding": {"multiplier": 1.5},
    "overseas_fellowships": {"fellows_per_year": 30000, "max_years_since_phd": 40},
}


@pytest.mark.parametrize("name", LEVER_NAMES)
def test_lever_cost_is_positive_when_active_and_zero_before(name):
    over = {f"levers.{name}.start_year": 2007}
    over.update({f"levers.{name}.{k}": v for k, v in COST_SETTINGS.get(name, {}).items()})
    m = run(4, 3000, 2010, **over)
    cost = series(m, "lever_cost_yen")
    assert (cost.loc[2004:2006] == 0).all()
    assert (cost.loc[2007:2010] > 0).all(), cost.to_dict()
    cum = series(m, "lever_cost_cum_yen")
    np.testing.assert_allclose(cum.to_numpy(), np.cumsum(cost.to_numpy()))
    assert jp_state(m).lever_cost_yen[name] > 0
    for code in CODES:
        if code != "JP":
            assert (series(m, "lever_cost_yen", code) == 0).all()


def test_no_lever_means_no_cost(paired):
    for m in paired(None):
        assert (series(m, "lever_cost_cum_yen") == 0).all()
        assert m.levers == {}


def test_a_lever_that_never_starts_changes_nothing():
    base = run(5, 3000, 2009)
    late = run(5, 3000, 2009, **{"levers.base_funding.start_year": 2012, "levers.admin_load.start_year": 2012})
    pd.testing.assert_frame_equal(base.indicators(), late.indicators())


def test_a_disabled_lever_changes_nothing():
    base = run(5, 3000, 2009)
    off = run(5, 3000, 2009, **lever_overrides("startup_support", enabled=False))
    pd.testing.assert_frame_equal(base.indicators(), off.indicators())


def test_levers_act_in_their_own_country_only():
    m = run(6, 3000, 2008, **lever_overrides("startup_support", country="UK"))
    assert (series(m, "lever_cost_yen", "UK").loc[2005:] > 0).all()
    assert (series(m, "lever_cost_yen", "JP") == 0).all()


# --- funding levers --------------------------------------------------------------------------


def test_base_funding_restores_the_base_index_and_permanent_posts(paired):
    for b, v in zip(paired(None), paired("base_funding"), strict=True):
        assert jp_state(b).base_index < 1.0
        assert jp_state(v).base_index == pytest.approx(1.3)
    base, lever, diffs = effect(paired, "base_funding", "researchers_acad_perm")
    assert all(d > 0 for d in diffs)
    assert lever > 1.15 * base


def test_competitive_funding_multiplier_adds_fixed_term_posts(paired):
    for b, v in zip(paired(None), paired("competitive_funding"), strict=True):
        assert jp_state(v).competitive_index == pytest.approx(2.0 * jp_state(b).competitive_index)
    base, lever, diffs = effect(paired, "competitive_funding", "researchers_acad_fixed")
    assert all(d > 0 for d in diffs)
    assert lever > 1.3 * base


def _remaining_contract_years(m: CirculationModel) -> float:
    pop = m.pop
    fixed = (pop.country == JP) & (pop.sector == Sector.ACAD_FIXED) & (pop.fellow_until == 0)
    return float(np.mean(pop.contract_end[fixed] - (m.year - 1)))


def _mean_contract_years(m: CirculationModel) -> float:
    return m.country_list[JP].mean_contract_years()


def test_minimum_contract_length_lengthens_contracts(paired):
    base = paired(None)
    lever = paired("competitive_funding", multiplier=1.0, min_contract_years=5)
    for b, v in zip(base, lever, strict=True):
        assert jp_state(b).min_contract_years == 0 and jp_state(v).min_contract_years == 5
        assert _mean_contract_years(v) >= 5 > _mean_contract_years(b)
    assert np.mean([_remaining_contract_years(v) for v in lever]) > np.mean(
        [_remaining_contract_years(b) for b in base]
    )


def test_startup_support_adds_startup_researchers_and_brings_phds_into_startups(paired):
    for v in paired("startup_support"):
        assert jp_state(v).extra_posts[Sector.STARTUP] == pytest.approx(1e11 / 1.5e7 / SCALE)
        assert jp_state(v).market_posts[Sector.STARTUP] == jp_state(v).extra_posts[Sector.STARTUP]
    base, lever, diffs = effect(paired, "startup_support", "researchers_startup")
    assert all(d > 0 for d in diffs)
    assert lever > 1.5 * base
    # the supported posts hire through the market: new PhDs go to startups, which the
    # non-doctoral entrants filling ordinary startup vacancies never are (a share of a
    # few graduates a year: a finer scale and a longer window)
    base, lever = paired(None, scale=500, end=2020), paired("startup_support", scale=500, end=2020)
    shares = [[window_mean(m, "phd_dest_startup", 2006, 2020) for m in models] for models in (base, lever)]
    assert all(v > b for b, v in zip(*shares, strict=True)) and np.mean(shares[1]) > 2 * np.mean(shares[0]), shares


# --- mobility levers -------------------------------------------------------------------------


def test_overseas_fellowships_send_nationals_abroad(paired):
    base, lever, diffs = effect(paired, "overseas_fellowships", "nationals_abroad")
    assert all(d > 0 for d in diffs)
    assert lever > 1.2 * base
    base, lever, _ = effect(paired, "overseas_fellowships", "overseas_experience_share")
    assert lever > base + 0.02


def test_fellowship_guarantee_brings_more_fellows_back():
    none, guaranteed = [], []
    for s in SEEDS:
        over = lever_overrides("overseas_fellowships", fellows_per_year=30000)
        none.append(series(run(s, SCALE, END, **over), "returnees").loc[2007:END].sum())
        over = lever_overrides("overseas_fellowships", fellows_per_year=30000, guarantee="permanent")
        guaranteed.append(series(run(s, SCALE, END, **over), "returnees").loc[2007:END].sum())
    assert np.mean(guaranteed) > 1.1 * np.mean(none)


def test_embassy_fellows_raise_visibility_of_home_vacancies_and_returns(paired):
    for b, v in zip(paired(None), paired("embassy_fellows"), strict=True):
        vis = jp_state(v).home_visibility_abroad
        assert np.all(jp_state(b).home_visibility_abroad == 0)
        assert vis.max() > 0 and np.all(vis >= 0) and np.all(vis <= 1.0)
        assert np.all(jp_state(v).home_tie_gain_abroad >= 0) and jp_state(v).home_tie_gain_abroad.max() > 0
        watch = jp_state(v).topic_watch
        assert np.all(jp_state(b).topic_watch == 0)
        assert watch.max() > 0 and np.all(watch <= SETTINGS["embassy_fellows"].get("intelligence_gain", 0.05))
        # the watch is on the hosts where the fellows are, in the same proportions as visibility
        np.testing.assert_array_equal(watch > 0, jp_state(v).home_visibility_abroad > 0)
    base, lever, diffs = effect(paired, "embassy_fellows", "return_rate")
    assert lever > base
    assert sum(d > 0 for d in diffs) >= 2


def test_contact_window_raises_visibility_everywhere_and_returns(paired):
    for v in paired("contact_window"):
        vis = np.delete(jp_state(v).home_visibility_abroad, JP)
        np.testing.assert_allclose(vis, 1.0)
    # returns are rare (under 1% of nationals abroad a year) and the effect is small
    # against the noise of single runs: eight seeds at a finer scale and a longer window
    # (about 3 s; 6 of 8 seeds raised the return rate at the 2026-12-06 calibration)
    over = lever_overrides("contact_window")
    diffs = []
    for seed in range(1, 9):
        b, v = run(seed, 500, 2020), run(seed, 500, 2020, **over)
        diffs.append(window_mean(v, "return_rate", 2006, 2020) - window_mean(b, "return_rate", 2006, 2020))
    assert np.mean(diffs) > 0 and sum(d > 0 for d in diffs) >= 5, diffs


# --- rule levers -----------------------------------------------------------------------------


def test_hiring_values_overseas_reaches_its_target():
    m = CirculationModel(rng=1, scale=3000, end_year=2010, **lever_overrides("hiring_values_overseas"))
    seen = {}
    while m.running:
        year = m.year
        m.step()
        seen[year] = jp_state(m).overseas_valuation
    base = m.country_list[JP].params.overseas_valuation
    assert seen[2004] == pytest.approx(base)
    assert base < seen[2005] < seen[2006] < seen[2007]
    for year in range(2007, 2011):
        assert seen[year] == pytest.approx(0.6)
        assert m.this_year.countries.overseas_valuation[JP] == pytest.approx(0.6)


def _foreign_share_of_permanent_hires(m: CirculationModel) -> float:
    f = m.flows()
    hires = f[(f["destination"] == "JP") & (f["to_sector"] == "acad_perm") & (f["from_sector"] != "acad_perm")]
    return hires.loc[hires["nationality"] != "JP", "count"].sum() / hires["count"].sum()


def test_open_permanent_posts_removes_the_penalty_and_hires_more_foreigners(paired):
    base, lever = paired(None, scale=500, end=2020), paired("open_permanent_posts", scale=500, end=2020)
    for b, v in zip(base, lever, strict=True):
        assert jp_state(b).foreign_permanent_penalty > 0
        assert jp_state(v).foreign_permanent_penalty == 0
    share_base = np.mean([_foreign_share_of_permanent_hires(m) for m in base])
    share_lever = np.mean([_foreign_share_of_permanent_hires(m) for m in lever])
    assert share_lever > 1.5 * share_base


def test_admin_load_raises_research_time_and_papers(paired):
    for b, v in zip(paired(None), paired("admin_load"), strict=True):
        assert jp_state(v).research_time_share == pytest.approx(0.6)
        assert jp_state(b).research_time_share < 0.4
    base, lever, diffs = effect(paired, "admin_load", "papers")
    assert all(d > 0 for d in diffs)
    assert lever > 1.2 * base


# --- doctoral levers --------------------------------------------------------------------------


def test_doctoral_stipends_raise_intake(paired):
    for v in paired("doctoral_stipends"):
        assert jp_state(v).doctoral_intake_multiplier > 1.0
        assert jp_state(v).doctoral_dropout_multiplier < 1.0
    base, lever, diffs = effect(paired, "doctoral_stipends", "phd_intake")
    assert all(d > 0 for d in diffs)
    assert lever > 1.5 * base


def test_phd_careers_open_non_academic_posts_to_phds(paired):
    for b, v in zip(paired(None), paired("phd_careers"), strict=True):
        assert jp_state(v).phd_hiring_bonus == pytest.approx(jp_state(b).phd_hiring_bonus + 3.0)
        assert jp_state(v).nonacademic_access == pytest.approx(3.0 * jp_state(b).nonacademic_access)

    def nonacademic(models):
        return np.mean(
            [sum(window_mean(m, f"phd_dest_{s}", *LATE) for s in ("industry", "government", "startup")) for m in models]
        )

    assert nonacademic(paired("phd_careers")) > nonacademic(paired(None)) + 0.1


# --- science-diplomacy levers -------------------------------------------------------------------

MEMBERS = [CODES.index(c) for c in ("UK", "DE", "FR")]


def _ties_with_members(m: CirculationModel) -> float:
    """Mean tie with the programme's members (strongest of them) of academics in Japan."""
    pop = m.pop
    rows = np.flatnonzero(~pop.gone & (pop.country == JP) & is_academic(pop.sector))
    return float(np.asarray(pop.ties[MEMBERS][:, rows]).max(axis=0).mean())


def test_joint_programme_builds_ties_and_coauthorship_with_its_members(paired):
    base, lever = paired(None), paired("joint_programme")
    for b, v in zip(base, lever, strict=True):
        assert _ties_with_members(v) > 1.5 * _ties_with_members(b)
        assert jp_state(v).lever_cost_yen["joint_programme"] == pytest.approx(1.2e9 + 20000 * 3 * 2.0e7)
    # co-authored papers of researchers in Japan with partners in the member countries
    with_members = [
        [m.this_year.log.output["coauthored"][JP, MEMBERS].sum() for m in models] for models in (base, lever)
    ]
    assert all(v > 1.2 * b for b, v in zip(*with_members, strict=True)), with_members
    _, _, diffs = effect(paired, "joint_programme", "intl_coauthorship_share")
    assert all(d > 0 for d in diffs)


PARTNERS = [CODES.index(c) for c in ("SEA", "SAS", "AFR", "LAM")]


def test_satreps_builds_ties_brings_partner_students_and_coauthorship(paired):
    base, lever = paired(None), paired("satreps")
    students = 20000 * 1.0  # a year, once the first projects' 5 years are all running
    for b, v in zip(base, lever, strict=True):
        pop_b, pop_v = b.pop, v.pop
        in_jp = [np.flatnonzero(~p.gone & (p.country == JP) & is_academic(p.sector)) for p in (pop_b, pop_v)]
        ties = [
            float(np.asarray(p.ties[PARTNERS][:, rows]).max(axis=0).mean())
            for p, rows in zip((pop_b, pop_v), in_jp, strict=True)
        ]
        assert ties[1] > 1.5 * ties[0], ties
        doctoral = [
            int((~p.gone & (p.country == JP) & (p.sector == Sector.DOCTORAL) & np.isin(p.nationality, PARTNERS)).sum())
            * SCALE
            for p in (pop_b, pop_v)
        ]
        # the partners' students in Japan's doctoral programmes: most of a few years' intake
        assert doctoral[1] - doctoral[0] > 2 * students, doctoral
        coauthored = [m.this_year.log.output["coauthored"][JP, PARTNERS].sum() for m in (b, v)]
        assert coauthored[1] > 1.2 * coauthored[0], coauthored
        assert jp_state(v).lever_cost_yen["satreps"] == pytest.approx(20000 * 5 * 1.0e8)


def test_researcher_communities_make_supported_communities_count_larger_in_the_market(paired):
    # the first intermediate quantity: the pull of the supported communities (the market
    # test of the community term shows that pull moving choices); at the 2026-12-06
    # calibration even strong support does not raise Japanese nationals holding posts
    # abroad (8 seeds at scale 500: 0.97 times the baseline), so no aggregate is asserted
    for b, v in zip(paired(None, end=2020), paired("researcher_communities", end=2020), strict=True):
        support = jp_state(v).community_support
        assert np.all(jp_state(b).community_support == 0)
        assert support[JP] == 0 and support.max() > 0 and np.all(support <= 5.0)
        market = v.this_year.market
        expected = community_attraction(market.diaspora[JP], support, v.p.community_half_share)
        np.testing.assert_allclose(market.community[JP], expected)
        plain = community_attraction(market.diaspora[JP], np.zeros_like(support), v.p.community_half_share)
        hosts = support > 0
        assert np.all(market.community[JP][hosts] >= plain[hosts]) and np.any(market.community[JP] > plain)


def test_university_fund_adds_permanent_posts_and_research_time(paired):
    base, lever = paired(None), paired("university_fund")
    posts = 1e12 * 0.5 / 1e7 / SCALE  # agent units
    for b, v in zip(base, lever, strict=True):
        assert jp_state(v).extra_posts[Sector.ACAD_PERM] == pytest.approx(
            jp_state(b).extra_posts[Sector.ACAD_PERM] + posts
        )
        assert jp_state(v).research_time_share > jp_state(b).research_time_share + 0.05
        assert jp_state(v).foreign_permanent_penalty < jp_state(b).foreign_permanent_penalty
    _, _, diffs = effect(paired, "university_fund", "researchers_acad_perm")
    assert all(d > 0.5 * posts * SCALE for d in diffs), diffs


def test_university_fund_shares_cannot_exceed_the_grant():
    with pytest.raises(InputError, match="post_share"):
        CirculationModel(
            rng=1, scale=3000, end_year=2006, **lever_overrides("university_fund", post_share=0.8, support_share=0.5)
        )


@pytest.mark.parametrize("member", ["XX", "JP"])
def test_joint_programme_members_must_be_other_known_countries(member):
    with pytest.raises(InputError, match=r"levers\.joint_programme\.members") as err:
        CirculationModel(rng=1, scale=3000, end_year=2006, **lever_overrides("joint_programme", members=["UK", member]))
    assert member in str(err.value)
