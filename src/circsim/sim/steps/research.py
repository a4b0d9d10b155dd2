"""Step 8: research production, ties, standing and the country collaboration network.

Per researcher holding a post (fractional papers per year: a paper's credit is shared
among its authors, so a researcher's share of the papers does not grow with team size)::

    papers = base * sector_weight * exp(w_talent*talent + w_stab*[permanent])
             * (research_time/0.4)**e_rt * fund**e_fund
    q      = sum over d != c of balance[c, d] * pull_d / (pool[c] + F),  capped at 1
             pull_d = (base + w_tie*ties[d]) * pool[d],  F = sum over d != c of pull_d
    intl   = 1 - (1 - q)**(authors(year) - 1)        (a paper with a co-author abroad)
    impact = w_t*talent + w_intl*intl + w_rt*research_time + w_f*log fund + noise

where ``fund`` is the academic money per academic on academic posts (``funding_rel``)
and the country's money level and HERD trend on the others (``research_money``),
``pool[d]`` is country d's output this year to the power ``partner_pool_elasticity`` and
``authors(year)`` the world's mean authors per paper (a data series): co-authors come
from the partner pools at home and abroad, so a large system finds more of them at home,
ties with a country draw more of them from it, and growing teams bring more of them.
Co-authorship between two countries is one relation seen from both sides, so ``balance``
meets each pair halfway between the co-author slots either side's researchers would
give the other (:func:`balanced`).

Ties decay every year and grow with visits, moves, foreign colleagues at the place of
work (co-location), the country's openness, being a national abroad, and information
channels (embassy fellows). Country output, the top-10% share, the international
co-authorship share and eigenvector centrality in the country collaboration network
follow from these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..inputs import authors_per_paper
from ..kernel_common import post_holders
from ..sectors import N_POST
from . import research_kernels
from .choice import research_time

if TYPE_CHECKING:
    from ..model import CirculationModel

ACADEMIC = np.array([1.0, 1.0, 0.0, 0.0, 0.0])  # post columns that are academic


def partners(m: CirculationModel, papers_by_country: np.ndarray) -> research_kernels.Partners:
    """This year's partner pools: each country's fractional papers to the pool
    elasticity, the weights of ties (:func:`research_kernels.coauthorship`), and the
    balance of each pair of countries from last year's demands (:func:`balanced`)."""
    p = m.p
    return research_kernels.Partners(
        pool=np.maximum(papers_by_country, 0.0) ** p.partner_pool_elasticity,
        base=p.foreign_partner_base,
        per_tie=p.intl_coauthor_per_tie,
        coauthors=authors_per_paper(m.year, p.authors_per_paper_growth_per_year) - 1.0,
        balance=balanced(m.coauthor_demand),
        named=m.partner_index,
    )


def balanced(demand: np.ndarray) -> np.ndarray:
    """The factor of each country pair's pull that makes co-authorship bilateral.

    ``demand[c, d]`` are the co-author slots c's researchers asked of d last year
    (``Output.demand`` of :func:`research_kernels.coauthorship`). A paper's co-authorship
    between c and d is one relation seen from both sides (whole counts of US-UK papers are
    the same in the US's and the UK's tables), so each side gets the mean of the two
    demands: the factor is ``(demand[c, d] + demand[d, c]) / (2 * demand[c, d])``, 1 where
    c asked nothing (a pair that one side does not pull at all stays as it is, as does
    every pair in the first year).
    """
    mean = (demand + demand.T) / 2.0
    return np.where(demand > 0, mean / np.where(demand > 0, demand, 1.0), 1.0)


def produce(m: CirculationModel) -> tuple[np.ndarray, research_kernels.Output, research_kernels.Partners]:
    """Papers, impact and international co-authorship of every post holder this year.
    Returns the producing rows, their output with its sums by country, and the year's
    partner pools."""
    pop, p, ca, rng = m.pop, m.p, m.this_year.countries, m.rng
    rows = post_holders(pop.people, False)
    # country x sector terms once, then one lookup per researcher
    rt = research_time(ca, p)
    # academic posts: this year's academic money per academic (funding levers move it);
    # other sectors: the country's level and HERD trend, so their output stays relative
    # to the country's academics (their weights) without following the academic streams
    fund = np.where(ACADEMIC[None, :] > 0, ca.funding_rel[:, None], ca.research_money[:, None])
    weight = np.array([1.0, 1.0, p.papers_weight_industry, p.papers_weight_government, p.papers_weight_startup])
    log_rate = np.log(
        p.papers_per_year
        * weight[None, :]
        * (rt / 0.4) ** p.papers_research_time_elasticity
        * fund**p.papers_funding_elasticity
    ).ravel()
    impact_base = (p.impact_research_time * rt + p.impact_log_funding * np.log(fund)).ravel()
    cell, log_papers = research_kernels.paper_rates(
        pop.people, rows, log_rate, research_kernels.PaperWeights(np.float32(p.papers_talent), p.papers_stability)
    )
    papers = np.exp(log_papers)
    # co-authors are drawn from this year's output at home and abroad, each pair of
    # countries meeting halfway between what either side's researchers asked of the other
    pools = partners(m, np.bincount(cell // N_POST, papers, minlength=m.n_countries))
    production = research_kernels.Production(cell, papers, rng.standard_normal(rows.size, dtype=np.float32))
    impact_weights = research_kernels.ImpactWeights(
        impact_base, np.float32(p.impact_talent), np.float32(p.impact_international), np.float32(p.impact_noise)
    )
    output = research_kernels.coauthorship(pop.people, rows, production, pools, impact_weights)
    m.coauthor_demand = output.demand
    return rows, output, pools


def update_ties(m: CirculationModel) -> None:
    """Yearly decay and growth of international ties, and of domestic standing."""
    pop, p, ca = m.pop, m.p, m.this_year.countries
    # co-location with foreign colleagues and the country's general openness (gain[c, d]:
    # working in c, with partner country d); nationals abroad keep (and with embassy
    # fellows, strengthen) ties with home
    gain = (
        p.tie_colocation_gain * m.this_year.market.diaspora.T
        + p.tie_openness_gain * ca.collab_openness[:, None] * m.frontier_weight[None, :]
    ).astype(np.float32)
    home_gain = (p.tie_openness_gain + ca.home_tie_gain_abroad).astype(np.float32)
    growth = research_kernels.TieGrowth(
        gain,
        home_gain,
        np.float32(1.0 - p.tie_decay_per_year),
        np.float32(p.standing_gain_per_year),
        np.float32(1.0 - p.standing_decay_abroad_per_year),
    )
    research_kernels.update_ties(pop.people, growth)


def top_threshold(impact: np.ndarray, papers: np.ndarray, share: float = 0.10, bins: int = 4096) -> float:
    """Impact above which the top ``share`` of all papers lie (papers-weighted quantile).

    Computed from a fine histogram (``bins`` bins over the observed range): linear in
    the number of researchers, accurate to a bin width.
    """
    if impact.size == 0 or papers.sum() <= 0:
        return np.inf
    lo, hi = float(impact.min()), float(impact.max())
    if hi <= lo:
        return lo
    hist, edges = np.histogram(impact, bins=bins, range=(lo, hi), weights=papers)
    cum = np.cumsum(hist)
    k = int(np.searchsorted(cum, (1.0 - share) * cum[-1], side="right"))
    return float(edges[min(k, bins - 1)])


def country_output(out: research_kernels.Output, pools: research_kernels.Partners) -> dict[str, np.ndarray]:
    """Per-country papers, top-10% papers, internationally co-authored papers, and the
    collaboration matrix (expected co-authored papers between country pairs), from the
    year's output (:func:`produce`)."""
    n = pools.pool.size
    # each researcher's co-authored papers spread over the partner countries in proportion
    # to their balanced pull, balance * (base + per_tie * tie) * pool, summed by country of work
    coauthored = pools.balance * pools.pool[None, :] * (pools.base * out.sums[2][:, None] + pools.per_tie * out.ties)
    np.fill_diagonal(coauthored, 0.0)
    top = out.impact >= top_threshold(out.impact, out.papers)
    return {
        "coauthored": coauthored,  # [c, d]: c's internationally co-authored papers with partners in d
        "papers": out.sums[0],
        "top10": np.bincount(out.country, out.papers * top, n),
        "intl": out.sums[1],
        "with_partner": out.with_partner,  # [c, d]: c's papers with a co-author in d (whole count)
        "collab": coauthored + coauthored.T,  # symmetric collaboration network
    }


def eigenvector_centrality(w: np.ndarray) -> np.ndarray:
    """Eigenvector centrality of a symmetric weighted network, scaled so the maximum is 1."""
    vals, vecs = np.linalg.eigh(w)
    v = np.abs(vecs[:, np.argmax(vals)])
    return v / v.max() if v.max() > 0 else v
