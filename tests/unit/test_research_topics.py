"""Step 8 on tiny hand-built populations and small known inputs: papers, impact,
international co-authorship, ties, the top-10% threshold, centrality, topic diffusion."""

from __future__ import annotations

import numpy as np
import pytest

from circsim.sim.params import ModelParams
from circsim.sim.sectors import N_POST, Sector
from circsim.sim.steps import research, research_kernels
from circsim.sim.steps.topics import TopicDiffusion
from simkit import JP, UK, US, add_rows, build_market, no_ties, set_population, start_policy_year, ties, tiny_model


def _academics(m, n, **extra):
    values = dict(nationality=JP, country=JP, sector=Sector.ACAD_PERM, age=45, phd_year=2000, ties=no_ties(n))
    values.update(extra)
    return values


# --- production ---------------------------------------------------------------------------


def test_papers_rise_with_research_time(tiny):
    set_population(tiny, 50, **_academics(tiny, 50, talent=np.linspace(-1, 1, 50)))
    start_policy_year(tiny)
    tiny.this_year.countries.research_time_share[JP] = 0.2
    research.produce(tiny)
    low = tiny.pop.papers.copy()
    tiny.this_year.countries.research_time_share[JP] = 0.5
    research.produce(tiny)
    high = tiny.pop.papers.copy()
    assert np.all(high > low)
    np.testing.assert_allclose(high / low, 2.5**tiny.p.papers_research_time_elasticity, rtol=1e-4)


def test_papers_rise_with_talent_and_only_post_holders_publish(tiny):
    set_population(tiny, 5, **_academics(tiny, 5, talent=np.arange(5.0)))
    add_rows(tiny, 2, **_academics(tiny, 2, sector=Sector.UNEMPLOYED))
    add_rows(tiny, 2, **_academics(tiny, 2, sector=Sector.DOCTORAL, phd_year=-1))
    start_policy_year(tiny)
    rows, _, _ = research.produce(tiny)
    np.testing.assert_array_equal(rows, np.arange(5))
    pop = tiny.pop
    assert np.all(np.diff(pop.papers[:5]) > 0)
    assert np.all(pop.papers[5:] == 0)
    np.testing.assert_allclose(pop.papers_cum[:5], pop.papers[:5])
    research.produce(tiny)
    np.testing.assert_allclose(pop.papers_cum[:5], 2 * pop.papers[:5], rtol=1e-6)


def _with_partners_abroad(m, n_jp: int, n_us: int = 40, n_uk: int = 10) -> None:
    """``n_jp`` Japanese academics without ties, and academics in the US and the UK (the
    partner pools abroad)."""
    set_population(m, n_jp, **_academics(m, n_jp))
    add_rows(m, n_us, **_academics(m, n_us, nationality=US, country=US))
    add_rows(m, n_uk, **_academics(m, n_uk, nationality=UK, country=UK))


def test_international_share_rises_with_foreign_ties(tiny):
    _with_partners_abroad(tiny, 3)
    t = ties(tiny.pop)
    t[1, US] = 0.5
    t[2, US], t[2, UK] = 1.0, 1.0
    start_policy_year(tiny)
    _, _, pools = research.produce(tiny)
    intl = tiny.pop.intl
    assert 0 < intl[0] < intl[1] < intl[2] < 1  # some co-authors abroad even without ties
    # the formula of the module docstring for the researcher with two ties
    raw = {d: (pools.base + pools.per_tie * 1.0) * pools.pool[d] for d in (US, UK)}
    q = sum(pools.balance[JP, d] * raw[d] for d in raw) / (pools.pool[JP] + sum(raw.values()))
    assert intl[2] == pytest.approx(1 - (1 - q) ** pools.coauthors, rel=1e-5)


def _produced(m, n_jp: int = 2, year: int | None = None, **tied: float):
    """``m`` with ``n_jp`` Japanese academics and the partners abroad, the second
    Japanese academic with the given ties (``UK=2.0``), after production in ``year``.
    Returns the partner pools."""
    _with_partners_abroad(m, n_jp)
    for code, tie in tied.items():
        ties(m.pop)[1, {"US": US, "UK": UK}[code]] = tie
    if year is not None:
        m.year = year
    start_policy_year(m, year)
    return research.produce(m)[2]


def test_no_partners_abroad_no_international_papers():
    m = tiny_model(foreign_partner_base=0.0)
    _produced(m, UK=2.0)
    assert m.pop.intl[0] == 0.0 and m.pop.intl[1] > 0  # without ties or a base pull, none; with one, some
    m = tiny_model()
    set_population(m, 2, **_academics(m, 2))  # nobody publishes abroad: no pool to draw from
    ties(m.pop)[1, UK] = 2.0
    start_policy_year(m)
    research.produce(m)
    np.testing.assert_array_equal(m.pop.intl, [0.0, 0.0])


def test_a_larger_system_finds_more_co_authors_at_home():
    """The same researcher (no ties) co-authors abroad less when the home pool is larger."""
    shares = []
    for n_jp in (5, 200):
        m = tiny_model()
        _produced(m, n_jp)
        shares.append(float(m.pop.intl[0]))
    assert shares[1] < shares[0]


def test_larger_teams_bring_more_co_authors_abroad():
    """The world's authors per paper grow (series.csv); each paper then has more chances
    of a co-author abroad."""
    shares, coauthors = [], []
    for year in (1990, 2020):
        m = tiny_model()
        coauthors.append(_produced(m, 5, year).coauthors)
        shares.append(float(m.pop.intl[0]))
    assert coauthors[1] > coauthors[0] and shares[1] > shares[0]


def test_international_coauthorship_raises_impact():
    m = tiny_model(impact_noise=0.0)
    _produced(m, US=3.0)
    assert m.pop.impact[1] > m.pop.impact[0]


def test_country_output_adds_up(tiny):
    set_population(tiny, 30, **_academics(tiny, 30, talent=np.linspace(-1, 1, 30)))
    add_rows(tiny, 20, **_academics(tiny, 20, nationality=US, country=US))
    ties(tiny.pop)[:30, US] = 1.0
    ties(tiny.pop)[30:, JP] = 0.5
    start_policy_year(tiny)
    _, output, pools = research.produce(tiny)
    out = research.country_output(output, pools)
    pop = tiny.pop
    assert out["papers"][JP] == pytest.approx(pop.papers[:30].sum(), rel=1e-5)
    assert out["papers"][US] == pytest.approx(pop.papers[30:].sum(), rel=1e-5)
    assert np.all(out["top10"] <= out["papers"] + 1e-9) and np.all(out["intl"] <= out["papers"] + 1e-9)
    assert out["top10"].sum() == pytest.approx(0.1 * out["papers"].sum(), abs=0.06 * out["papers"].sum())
    np.testing.assert_allclose(out["collab"], out["collab"].T)
    # co-authored papers go to the countries that publish: all of them here to the other one
    assert out["collab"][JP, US] > 0 and out["collab"][JP, UK] == 0
    assert out["coauthored"][JP].sum() == pytest.approx(out["intl"][JP], rel=1e-5)


def _with_one_coauthor(m, rows: np.ndarray, papers: np.ndarray, pools) -> research_kernels.Output:
    """Step 8's one pass over ``rows`` again with one co-author a paper: its whole counts by
    partner are then the expected co-author slots."""
    production = research_kernels.Production(
        m.pop.country[rows].astype(np.int64) * N_POST, papers, np.zeros(rows.size, np.float32)
    )
    weights = research_kernels.ImpactWeights(np.zeros(m.n_countries * N_POST), *np.zeros(3, np.float32))
    return research_kernels.coauthorship(m.pop.people, rows, production, pools._replace(coauthors=1.0), weights)


def test_partner_shares_follow_ties_and_count_whole_papers():
    """A paper counts once for every partner country among its co-authors: the shares by
    partner add up to at least 1 and each is at most 1; ties draw co-authors to a partner."""
    m = tiny_model()
    pools = _produced(m, 30, UK=3.0)
    out = research.country_output(research.produce(m)[1], pools)
    with_partner = out["with_partner"][JP]
    shares = with_partner / out["intl"][JP]
    assert with_partner[JP] == 0 and np.all(shares <= 1 + 1e-12) and shares.sum() >= 1 - 1e-12
    without = tiny_model()
    pools0 = _produced(without, 30)
    out0 = research.country_output(research.produce(without)[1], pools0)
    assert shares[UK] > out0["with_partner"][JP, UK] / out0["intl"][JP]
    # with one co-author a paper has one partner: whole counts are the co-authored papers
    # spread over the partners by pull
    rows = np.flatnonzero(m.pop.papers > 0)
    one = _with_one_coauthor(m, rows, m.pop.papers[rows].astype(np.float64), pools)
    np.testing.assert_allclose(one.with_partner, research.country_output(one, pools)["coauthored"], rtol=1e-5)


def test_coauthorship_is_bilateral():
    """The co-author slots a country's researchers give a partner equal those the partner's
    give it, whatever either side's ties: each pair meets halfway between the demands of the
    year before (here the same year again: nothing changed in between)."""
    m = tiny_model()
    _with_partners_abroad(m, 30)
    ties(m.pop)[:5, UK] = 3.0  # a few Japanese researchers with strong ties to the UK
    ties(m.pop)[30:40, JP] = 1.0  # and some US researchers with ties to Japan
    start_policy_year(m)
    research.produce(m)  # the first year: no balance yet
    demand = m.coauthor_demand.copy()
    assert not np.allclose(demand, demand.T)  # unbalanced by themselves
    rows, out, pools = research.produce(m)
    np.testing.assert_allclose(m.coauthor_demand, demand, rtol=1e-12)  # the same demands again
    np.testing.assert_allclose(pools.balance * demand, (pools.balance * demand).T, rtol=1e-12)
    # the slots the kernel realises: with one co-author a paper, its whole counts by partner
    one = _with_one_coauthor(m, rows, out.papers, pools._replace(named=np.arange(m.n_countries)))
    np.testing.assert_allclose(one.with_partner, one.with_partner.T, rtol=1e-6)
    assert one.with_partner[JP, UK] > 0


def test_balance_meets_halfway_and_leaves_unpulled_pairs():
    demand = np.array([[0.0, 2.0, 0.0], [6.0, 0.0, 1.0], [0.0, 3.0, 0.0]])
    factor = research.balanced(demand)
    np.testing.assert_allclose(factor * demand, [[0, 4, 0], [4, 0, 2], [0, 2, 0]])
    assert factor[0, 2] == 1.0 and factor[2, 0] == 1.0  # nobody pulls: nothing to balance


# --- ties and standing ---------------------------------------------------------------------


def test_ties_decay_without_activity_and_are_international_only():
    m = tiny_model(tie_decay_per_year=0.2)
    set_population(m, 1, **_academics(m, 1, sector=Sector.LEFT, left_year=m.year - 1))
    ties(m.pop)[0, US] = 1.0
    start_policy_year(m)
    build_market(m)
    research.update_ties(m)
    assert ties(m.pop)[0, US] == pytest.approx(0.8)
    assert ties(m.pop)[0, JP] == 0


def test_nationals_abroad_keep_ties_with_home_and_lose_standing():
    m = tiny_model()
    set_population(m, 1, **_academics(m, 1, country=US, standing=0.6))
    add_rows(m, 1, **_academics(m, 1, standing=0.6))
    start_policy_year(m)
    build_market(m)
    research.update_ties(m)
    t = ties(m.pop)
    assert t[0, JP] > 0 and t[0, US] == 0
    assert m.pop.standing[0] < 0.6 < m.pop.standing[1]


def test_embassy_tie_gain_strengthens_ties_with_home():
    gains = []
    for extra in (0.0, 0.5):
        m = tiny_model()
        set_population(m, 1, **_academics(m, 1, country=US))
        start_policy_year(m)
        m.this_year.countries.home_tie_gain_abroad[JP, US] = extra
        build_market(m)
        research.update_ties(m)
        gains.append(float(ties(m.pop)[0, JP]))
    assert gains[1] == pytest.approx(gains[0] + 0.5, rel=1e-5)


# --- top-10% threshold ---------------------------------------------------------------------


def test_top_threshold_of_a_normal_distribution():
    rng = np.random.default_rng(0)
    impact = rng.normal(size=200_000)
    papers = np.ones_like(impact)
    t = research.top_threshold(impact, papers)
    assert t == pytest.approx(1.2816, abs=0.02)
    assert (impact >= t).mean() == pytest.approx(0.10, abs=0.003)


def test_top_threshold_is_papers_weighted():
    rng = np.random.default_rng(1)
    impact = rng.uniform(0, 1, 100_000)
    papers = np.where(impact > 0.5, 3.0, 1.0)  # three quarters of the papers lie above 0.5
    t = research.top_threshold(impact, papers)
    # top 10% of papers: the top 0.1/0.75 of the upper half's papers -> t = 1 - 0.5 * 0.1 / 0.75
    assert t == pytest.approx(1 - 0.5 * 0.1 / 0.75, abs=0.005)


def test_top_threshold_selects_exactly_the_top_tenth_of_a_hundred_papers():
    impact = np.arange(100.0)
    t = research.top_threshold(impact, np.ones(100))
    assert np.count_nonzero(impact >= t) == 10


def test_top_threshold_with_discrete_impacts_keeps_a_tenth_of_papers():
    # 90 papers at impact 1, ten above it: the top 10% are the papers with impact >= 2
    impact = np.array([1.0, 2.0, 3.0, 4.0])
    papers = np.array([90.0, 5.0, 3.0, 2.0])
    t = research.top_threshold(impact, papers)
    assert papers[impact >= t].sum() == pytest.approx(10.0)


def test_top_threshold_edge_cases():
    assert research.top_threshold(np.zeros(0), np.zeros(0)) == np.inf
    assert research.top_threshold(np.array([1.0, 2.0]), np.zeros(2)) == np.inf
    assert research.top_threshold(np.full(5, 0.7), np.ones(5)) == pytest.approx(0.7)


# --- centrality ----------------------------------------------------------------------------


def test_eigenvector_centrality_of_a_star():
    w = np.zeros((5, 5))
    w[0, 1:] = w[1:, 0] = 1.0
    c = research.eigenvector_centrality(w)
    np.testing.assert_allclose(c, [1.0, 0.5, 0.5, 0.5, 0.5], atol=1e-9)


def test_eigenvector_centrality_of_a_weighted_pair_and_an_isolate():
    w = np.array([[0.0, 3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(research.eigenvector_centrality(w), [1.0, 1.0, 0.0], atol=1e-9)


def test_eigenvector_centrality_of_a_ring_is_uniform():
    n = 6
    w = np.zeros((n, n))
    for i in range(n):
        w[i, (i + 1) % n] = w[(i + 1) % n, i] = 2.0
    np.testing.assert_allclose(research.eigenvector_centrality(w), np.ones(n), atol=1e-9)


# --- topic diffusion -----------------------------------------------------------------------


def _diffuse(coauthored, years=12, k_ext=0.35, watch=None):
    p = ModelParams(
        topics_per_year=5,
        topic_diffusion_internal=1.0,
        topic_diffusion_external=k_ext,
        topic_threshold=0.5,
        topic_seed_share=0.05,
        topic_substeps_per_year=12,
        topic_tracking_years=12,
    )
    td = TopicDiffusion(3, reference=0)
    rng = np.random.default_rng(0)
    papers = np.full(3, 100.0)
    frontier = np.array([1.0, 0.0, 0.0])  # topics are born in country 0
    for year in range(2000, 2000 + years):
        td.step(year, coauthored, papers, frontier, rng, p, watch)
    return td.mean_lag(2000 + years - 1)


def test_a_better_connected_country_takes_topics_up_sooner():
    collab = np.array([[0.0, 40.0, 4.0], [40.0, 0.0, 0.0], [4.0, 0.0, 0.0]])
    lag = _diffuse(collab)
    assert lag[0] == 0.0
    assert 0 < lag[1] < lag[2]


def test_topics_do_not_spread_without_ties():
    lag = _diffuse(np.zeros((3, 3)), years=14)
    assert lag[0] == 0.0
    assert np.isnan(lag[1]) and np.isnan(lag[2])


def test_a_watch_on_the_frontier_shortens_the_watching_countrys_lag():
    collab = np.array([[0.0, 20.0, 20.0], [20.0, 0.0, 0.0], [20.0, 0.0, 0.0]])
    watch = np.zeros((3, 3))
    watch[1, 0] = 0.2  # country 1 watches country 0's research (embassy fellows)
    plain, watched = _diffuse(collab), _diffuse(collab, watch=watch)
    assert watched[1] < plain[1] - 0.5
    # country 2 moves only indirectly (country 0, the reference, hears back from country 1
    # sooner), and far less
    assert abs(plain[2] - watched[2]) < 0.1 * (plain[1] - watched[1])
    # a watch on oneself is no channel
    np.testing.assert_array_equal(_diffuse(collab, watch=5.0 * np.eye(3)), plain)
    # the same watch as extra co-authorship: 0.2 of country 1's 100 papers
    extra = collab.copy()
    extra[1, 0] += 20.0
    np.testing.assert_allclose(watched[1], _diffuse(extra)[1])


def test_stronger_external_diffusion_shortens_lags():
    collab = np.array([[0.0, 20.0, 20.0], [20.0, 0.0, 0.0], [20.0, 0.0, 0.0]])
    slow, fast = _diffuse(collab, k_ext=0.2), _diffuse(collab, k_ext=1.0)
    assert np.all(fast[1:] < slow[1:])


def test_academic_papers_follow_academic_money_and_other_sectors_do_not(tiny):
    """A funding lever's money (the funding indices) raises what academics publish, to the
    papers elasticity, and leaves government researchers' output where the country's level
    and HERD trend put it."""
    set_population(tiny, 10, **_academics(tiny, 10, talent=np.zeros(10)))
    add_rows(tiny, 10, **_academics(tiny, 10, sector=Sector.GOVERNMENT, talent=np.zeros(10)))
    start_policy_year(tiny)
    research.produce(tiny)
    before = tiny.pop.papers[:20].copy()
    tiny.this_year.countries.funding_rel[JP] *= 2.0  # what doubled academic money per academic does
    research.produce(tiny)
    after = tiny.pop.papers[:20]
    np.testing.assert_allclose(after[:10] / before[:10], 2.0**tiny.p.papers_funding_elasticity, rtol=1e-5)
    np.testing.assert_allclose(after[10:], before[10:], rtol=1e-6)
    tiny.this_year.countries.research_money[JP] *= 2.0  # the country's money level: every sector
    research.produce(tiny)
    assert np.all(tiny.pop.papers[10:20] > before[10:])
