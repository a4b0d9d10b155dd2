"""Step 8: research production, ties, standing and the country collaboration network.

Per researcher holding a post (fractional papers per year)::

    papers = base * sector_weight * exp(w_talent*talent + w_stab*[permanent])
             * (research_time/0.4)**e_rt * funding**e_fund
    intl   = 1 - exp(-k * sum of foreign ties)          (share co-authored abroad)
    impact = w_t*talent + w_intl*intl + w_rt*research_time + w_f*log funding + noise

Ties decay every year and grow with visits, moves, foreign colleagues at the place of
work (co-location), the country's openness, being a national abroad, and information
channels (embassy fellows). Country output, the top-10% share, the international
co-authorship share and eigenvector centrality in the country collaboration network
follow from these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .choice import research_time, sector_column
from .sectors import Sector, is_academic, is_post

if TYPE_CHECKING:
    from .model import CirculationModel


def produce(m: CirculationModel) -> np.ndarray:
    """Papers, impact and international co-authorship of every post holder this year.
    Returns the producing rows."""
    pop, p, ca, rng = m.pop, m.p, m.ca, m.rng
    rows = np.flatnonzero(~m.gone & is_post(pop.sector))
    c = pop.country[rows].astype(np.int64)
    col = sector_column(pop.sector[rows])
    rt = research_time(ca, p)[c, col]
    weight = np.array([1.0, 1.0, p.papers_weight_industry, p.papers_weight_government, p.papers_weight_startup])[col]
    fund = ca.funding_rel[c]
    perm = pop.sector[rows] == Sector.ACAD_PERM
    talent = pop.talent[rows]
    papers = (
        p.papers_per_year
        * weight
        * np.exp(p.papers_talent * talent + p.papers_stability * perm)
        * (rt / 0.4) ** p.papers_research_time_elasticity
        * fund**p.papers_funding_elasticity
    )
    intl = 1.0 - np.exp(-p.intl_coauthor_per_tie * pop.ties[rows].sum(axis=1))
    impact = (
        p.impact_talent * talent
        + p.impact_international * intl
        + p.impact_research_time * rt
        + p.impact_log_funding * np.log(fund)
        + p.impact_noise * rng.standard_normal(rows.size)
    )
    pop.papers[:] = 0.0
    pop.papers[rows] = papers
    pop.papers_cum[rows] += papers
    pop.impact[rows] = impact
    pop.intl[rows] = intl
    return rows


def update_ties(m: CirculationModel) -> None:
    """Yearly decay and growth of international ties, and of domestic standing."""
    pop, p, ca = m.pop, m.p, m.ca
    alive = ~m.gone
    pop.ties *= np.float32(1.0 - p.tie_decay_per_year)
    active = np.flatnonzero(alive & (is_post(pop.sector) | (pop.sector == Sector.DOCTORAL)))
    c = pop.country[active].astype(np.int64)
    nat = pop.nationality[active].astype(np.int64)
    # co-location with foreign colleagues and the country's general openness
    gain = (
        p.tie_colocation_gain * m.market_ctx.diaspora.T
        + p.tie_openness_gain * ca.collab_openness[:, None] * m.frontier_weight[None, :]
    )
    pop.ties[active] += gain[c].astype(np.float32)
    # nationals abroad keep (and with embassy fellows, strengthen) ties with home
    abroad = nat != c
    home_gain = p.tie_openness_gain + ca.home_tie_gain_abroad[nat[abroad], c[abroad]]
    pop.ties[active[abroad], nat[abroad]] += home_gain.astype(np.float32)
    pop.ties[active, c] = 0.0
    # domestic standing: grows at home in academia, government and doctoral study; decays abroad
    rows = np.flatnonzero(alive & (pop.sector != Sector.LEFT))
    home = pop.nationality[rows] == pop.country[rows]
    builds = (
        is_academic(pop.sector[rows]) | (pop.sector[rows] == Sector.GOVERNMENT) | (pop.sector[rows] == Sector.DOCTORAL)
    )
    up = rows[home & builds]
    pop.standing[up] += p.standing_gain_per_year * (1.0 - pop.standing[up])
    pop.standing[rows[~home]] *= 1.0 - p.standing_decay_abroad_per_year


def top_threshold(impact: np.ndarray, papers: np.ndarray, share: float = 0.10) -> float:
    """Impact above which the top ``share`` of all papers lie (papers-weighted quantile)."""
    if impact.size == 0:
        return np.inf
    order = np.argsort(impact)
    cum = np.cumsum(papers[order])
    k = np.searchsorted(cum, (1.0 - share) * cum[-1])
    return float(impact[order[min(k, impact.size - 1)]])


def country_output(m: CirculationModel, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per-country papers, top-10% papers, internationally co-authored papers, and the
    collaboration matrix (expected co-authored papers between country pairs)."""
    pop, n = m.pop, m.n_countries
    c = pop.country[rows].astype(np.int64)
    papers = pop.papers[rows].astype(float)
    intl = pop.intl[rows].astype(float)
    thr = top_threshold(pop.impact[rows], papers)
    top = papers * (pop.impact[rows] >= thr)
    ties = pop.ties[rows].astype(float)
    share = ties / np.maximum(ties.sum(axis=1, keepdims=True), 1e-12)
    w = papers * intl
    collab = np.stack([np.bincount(c, w * share[:, d], minlength=n) for d in range(n)], axis=1)
    return {
        "papers": np.bincount(c, papers, minlength=n),
        "top10": np.bincount(c, top, minlength=n),
        "intl": np.bincount(c, papers * intl, minlength=n),
        "collab": collab + collab.T,
    }


def eigenvector_centrality(w: np.ndarray) -> np.ndarray:
    """Eigenvector centrality of a symmetric weighted network, scaled so the maximum is 1."""
    vals, vecs = np.linalg.eigh(w)
    v = np.abs(vecs[:, np.argmax(vals)])
    return v / v.max() if v.max() > 0 else v
