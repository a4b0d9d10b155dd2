"""Step 9: observation — the indicators of each country and year, and the flows.

What each indicator is (name, unit, kind, definition) is declared once in
:mod:`circsim.sim.indicators`; this step computes them. Counts are in real people
(agents x scale).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..indicators import INDICATORS, PARTNER_CODES
from ..sectors import POST_SECTORS, SECTOR_NAMES, Sector, is_post
from . import observation_kernels
from .market_kernels import post_holders_by_nationality

if TYPE_CHECKING:
    from ..model import CirculationModel


@dataclass
class YearLog:
    """What happened during the year, gathered by the step for the observation."""

    n_start: int
    country_start: np.ndarray
    sector_start: np.ndarray
    nationals_abroad_start: np.ndarray
    intake: np.ndarray = field(default_factory=lambda: np.zeros(0))
    graduates: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    graduate_country: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    visits: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    exits: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    exit_country: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    output: dict[str, np.ndarray] = field(default_factory=dict)
    centrality: np.ndarray = field(default_factory=lambda: np.zeros(0))
    topic_lag: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lever_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    market_vacancies: np.ndarray = field(default_factory=lambda: np.zeros(0))
    market_hires: np.ndarray = field(default_factory=lambda: np.zeros(0))


#: Years after the doctorate at which foreign doctorates' stay is measured (as NSF's SED follow-up).
STAY_RATE_YEARS = 5


def _count(idx: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(idx.astype(np.int64), weights, minlength=n).astype(float)


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.where(den > 0, num / np.maximum(den, 1e-300), np.nan)


def compute(m: CirculationModel, log: YearLog, cum_cost: np.ndarray) -> np.ndarray:
    """All indicators for the year as an (indicator x country) array, in INDICATORS order."""
    pop, n, s, year = m.pop, m.n_countries, m.p.scale, m.year
    alive = ~pop.gone
    sector, country, nat = pop.sector, pop.country, pop.nationality
    # one census of the living by (country, sector, under 40, foreign national, overseas experience)
    counts, stayers = observation_kernels.census(pop.people, year)
    census = counts.astype(float)
    by_sector = census.sum(axis=(2, 3, 4))
    posts = list(POST_SECTORS)
    emp = census[:, posts]
    v: dict[str, np.ndarray] = {}
    researchers = by_sector[:, posts].sum(axis=1)
    v["researchers"] = researchers * s
    for sec in POST_SECTORS:
        v[f"researchers_{SECTOR_NAMES[int(sec)]}"] = by_sector[:, sec] * s
    v["doctoral_students"] = by_sector[:, Sector.DOCTORAL] * s
    v["unemployed"] = by_sector[:, Sector.UNEMPLOYED] * s
    v["nationals_abroad"] = observation_kernels.nationals_abroad(pop.people).astype(float) * s
    holders = post_holders_by_nationality(pop.people).astype(float)  # (nationality, country of work)
    v["nationals_abroad_share"] = _share(holders.sum(axis=1) - np.diag(holders), holders.sum(axis=1))
    v["visits_abroad_long"] = _count(country[log.visits], n) * s
    perm, fixed = census[:, Sector.ACAD_PERM], census[:, Sector.ACAD_FIXED]
    academics = (perm + fixed).sum(axis=(1, 2, 3))
    v["academic_posts_index"] = _share(academics, m.academics_start)
    v["fixed_term_share"] = _share(fixed.sum(axis=(1, 2, 3)), academics)
    academics_under40 = (perm + fixed)[:, 1].sum(axis=(1, 2))
    v["fixed_term_share_under40"] = _share(fixed[:, 1].sum(axis=(1, 2)), academics_under40)
    v["academic_share_under40"] = _share(academics_under40, academics)
    v["overseas_experience_share"] = _share(emp[..., 1].sum(axis=(1, 2, 3)), researchers)
    v["overseas_experience_share_under40"] = _share(
        emp[:, :, 1, :, 1].sum(axis=(1, 2)), emp[:, :, 1].sum(axis=(1, 2, 3))
    )
    v["foreign_share"] = _share(emp[:, :, :, 1].sum(axis=(1, 2, 3)), researchers)
    v["phd_intake"] = log.intake * s
    grads = _count(log.graduate_country, n)
    v["doctorates"] = grads * s
    v["doctorates_per_million"] = grads * s / m.population_m
    gs = sector[log.graduates]
    gc = log.graduate_country
    v["new_phd_placement_rate"] = _share(_count(gc[is_post(gs)], n), grads)
    for sec in (*POST_SECTORS, Sector.UNEMPLOYED):
        v[f"phd_dest_{SECTOR_NAMES[int(sec)]}"] = _share(_count(gc[gs == sec], n), grads)
    # foreign doctorates of five years ago still in the country (in research or having left it)
    cohort = alive & (pop.phd_year == year - STAY_RATE_YEARS) & (pop.phd_country >= 0) & (nat != pop.phd_country)
    where = pop.phd_country[cohort]
    v["foreign_phd_stay_rate"] = _share(_count(where[country[cohort] == where], n), _count(where, n))
    v["phd_dest_abroad"] = _share(_count(gc[country[log.graduates] != gc], n), grads)
    # international moves this year among people present at the start of the year
    n0 = log.n_start
    rows = np.flatnonzero(alive[:n0] & (log.country_start != country[:n0]))
    c0, c1 = log.country_start[rows], country[rows]
    home = nat[rows]
    s0 = log.sector_start[rows]
    was_researching = is_post(s0) | (s0 == Sector.UNEMPLOYED) | (s0 == Sector.DOCTORAL)
    # received as MEXT counts them: long visits hosted, and from FY2010 the postdocs and
    # research fellows who came from abroad (here: arrivals on fixed-term academic and
    # government posts)
    s1 = sector[rows]
    hosted = (s1 == Sector.ACAD_FIXED) | (s1 == Sector.GOVERNMENT)
    v["visits_received_long"] = (_count(pop.visit_dest[log.visits], n) + _count(c1[hosted], n)) * s
    v["return_rate"] = _share(_count(c1[(c1 == home) & was_researching], n), log.nationals_abroad_start)
    v["exits_from_research"] = _count(log.exit_country, n) * s
    out = log.output
    v["papers"] = out["papers"] * s
    v["top10_share"] = _share(out["top10"], out["papers"])
    v["top10_papers"] = out["top10"] * s
    v["top10_rank"] = top_rank(out["top10"], m.ranked_countries)
    v["intl_coauthorship_share"] = _share(out["intl"], out["papers"])
    for code, d in zip(PARTNER_CODES, m.partner_index, strict=True):
        share = _share(out["with_partner"][:, d], out["intl"])
        share[d] = np.nan
        v[f"intl_partner_share_{code}"] = share
    v["network_centrality"] = log.centrality
    v["topic_lag_years"] = log.topic_lag
    v["stayers"] = stayers.astype(float) * s
    v["inflows"] = _count(c1[home != c1], n) * s
    v["returnees"] = _count(c1[home == c1], n) * s
    v["outflows"] = _count(c0, n) * s
    v["travellers"] = v["visits_abroad_long"] + v["visits_received_long"]
    v["migrants"] = v["inflows"] + v["returnees"] + v["outflows"]
    v["lever_cost_yen"] = log.lever_cost
    v["lever_cost_cum_yen"] = cum_cost
    return np.vstack([v[name] for name in INDICATORS])


def top_rank(top10: np.ndarray, ranked: np.ndarray) -> np.ndarray:
    """Rank (1 = most) in top-10% papers among the countries flagged in ``ranked``
    (regions such as the rest of the world are not ranked and get nan)."""
    rank = np.full(top10.shape, np.nan)
    idx = np.flatnonzero(ranked)
    order = idx[np.argsort(-top10[idx], kind="stable")]
    rank[order] = np.arange(1, order.size + 1)
    return rank


FLOW_ENTRY = 8
FLOW_EXIT = 9
N_FLOW_SECTORS = 10
FLOW_SECTOR_NAMES = {**SECTOR_NAMES, FLOW_ENTRY: "entry", FLOW_EXIT: "exit"}


def flows(m: CirculationModel, log: YearLog) -> np.ndarray:
    """This year's flows as rows (origin, destination, nationality, from, to, count in
    agents). Sector codes: 0..7 as :class:`Sector`, 8 = entry, 9 = exit."""
    c, k = m.n_countries, N_FLOW_SECTORS
    dims = (c, c, c, k, k)
    pop = m.pop
    codes = observation_kernels.FlowCodes(k, FLOW_ENTRY, FLOW_EXIT)
    counts = observation_kernels.flow_counts(pop.people, log.country_start, log.sector_start, codes)
    nz = np.flatnonzero(counts)
    return np.vstack([*np.unravel_index(nz, dims), counts[nz]]).T
