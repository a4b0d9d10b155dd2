"""Step 5: the two-sided job market.

Seekers (new PhDs, people whose contract ended, the unemployed, leavers coming back and
a share of the employed searching on the job) rank the posts they can see
(:mod:`circsim.sim.steps.choice`), employers rank applicants (:mod:`circsim.sim.steps.hiring`), and
deferred acceptance (:mod:`circsim.sim.steps.matching`) assigns them. Non-doctoral entrants then
fill part of the industry, government and startup vacancies left over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..groups import gumbel
from ..sectors import N_POST, POST_SECTORS, per_sector
from . import market_kernels
from .choice import sector_column, seeker_country_terms
from .contracts import new_contracts
from .hiring import hiring_score, merit
from .matching import deferred_acceptance

if TYPE_CHECKING:
    from ..model import CirculationModel


def on_the_job_rates(p) -> np.ndarray:
    """Yearly on-the-job search rate indexed by sector value."""
    return per_sector(p, "search_rate_{}_per_year")


def find_seekers(m: CirculationModel) -> np.ndarray:
    """Indices of this year's job seekers."""
    pop, p, rng = m.pop, m.p, m.rng
    u_search = rng.random(len(pop))
    u_reentry = rng.random(len(pop))
    draws = market_kernels.SeekerDraws(u_search, u_reentry)
    rules = market_kernels.SearchRules(
        on_the_job_rates(p), p.enable_on_the_job_search, p.left_tracking_years, p.reentry_rate_per_year
    )
    return market_kernels.seekers(pop.people, draws, rules, m.year)


def market_size(capacity: np.ndarray, scale: float, reference: float) -> np.ndarray:
    """Each country's size term ``log(V / reference)``, with ``V`` its open posts in real
    researchers (``capacity`` summed over post sectors, times ``scale``; at least one).

    A country is an aggregate of its openings: with a Gumbel term per opening, the best
    of ``V`` openings of equal utility is worth ``log V`` more than one (the size variable
    of an aggregated alternative, which gives gravity models of migration their
    destination size), so the seekers' choice among countries does not depend on how the
    world is cut into countries: two halves of a market draw as many as the whole.
    ``reference`` only sets the openings against which the outside options (no post, the
    post held) are weighed.
    """
    return np.log(np.maximum(capacity.sum(axis=1) * scale, 1.0) / reference)


def run_market(
    m: CirculationModel, idx: np.ndarray, capacity: np.ndarray, homeward: np.ndarray | None = None
) -> np.ndarray:
    """Match seekers ``idx`` to open posts. Returns the matched cell per seeker
    (``country * N_POST + post column``) or -1.

    Each seeker ranks the cells of the countries they see (random utility) and applies
    to them in order, at most ``options_per_seeker``, while they beat the outside
    option; cells hold the best applicants by hiring score (deferred acceptance).
    ``capacity`` (C x N_POST) is decreased in place by the hires. Seekers flagged in
    ``homeward`` (nationals abroad who have decided to return, step 5) consider only
    posts in their country of nationality.
    """
    if idx.size == 0:
        return np.zeros(0, dtype=np.int64)
    pop, p, rng, ctx = m.pop, m.p, m.rng, m.this_year.market
    n, c = idx.size, m.n_countries
    homeward = np.zeros(n, dtype=bool) if homeward is None else homeward
    nat = pop.nationality[idx].astype(np.int64)
    cur = pop.country[idx].astype(np.int64)
    has_phd = pop.phd_year[idx] >= 0
    pc, vis = seeker_country_terms(ctx, p, pop, idx)
    seen = rng.random((n, c), dtype=np.float32) < vis
    seen &= ~homeward[:, None] | (nat[:, None] == np.arange(c)[None, :])
    seen &= (capacity > 0).any(axis=1)[None, :]
    # outside option: the current post for the employed, staying without a post otherwise;
    # someone who has decided to return home compares home posts with having none
    col = sector_column(pop.sector[idx])
    outside = p.utility_unemployed + gumbel(n, rng)
    holds = np.flatnonzero((col >= 0) & ~homeward)
    outside[holds] += (
        pc[holds, cur[holds]] + ctx.cell_utility[cur[holds], col[holds]] + p.utility_switch_cost - p.utility_unemployed
    )
    # the posts on offer are counted after the outside options: a post held is one post
    pc += market_size(capacity, p.scale, p.market_size_reference)[None, :]
    # random utility of every post in every country seen (seen pairs x post sectors); the
    # options that beat the outside option, ranked per seeker by utility
    u, opt_seeker, opt_cell = market_kernels.acceptable_options(
        market_kernels.SeekerTerms(pc, seen, has_phd, outside),
        ctx.cell_utility,
        capacity > 0,
        gumbel((np.count_nonzero(seen), N_POST), rng),
    )
    # best first: increasing negated utility within each seeker's run of options
    prefs, listed_at = market_kernels.preference_lists(np.negative(u), opt_seeker, opt_cell, n, p.options_per_seeker)
    # employers' scores for every listed option (rows: seeker, option)
    r = listed_at // p.options_per_seeker
    listed = prefs.ravel()[listed_at]
    score = np.zeros(prefs.size)
    score[listed_at] = hiring_score(
        m.this_year.countries,
        p,
        merit(p, pop.talent[idx], pop.papers_cum[idx])[r],  # once per seeker, then per option
        nat[r],
        pop.years_abroad[idx[r]],
        pop.standing[idx[r]],
        has_phd[r],
        listed // N_POST,
        listed % N_POST,
        rng,
    )
    cells = deferred_acceptance(prefs, score.reshape(prefs.shape), capacity.ravel(), p.market_rounds_max)
    capacity -= np.bincount(cells[cells >= 0], minlength=capacity.size).reshape(capacity.shape)
    return cells


def apply_hires(m: CirculationModel, idx: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Move matched seekers into their new posts. Returns the rows that were hired."""
    ok = cells >= 0
    rows, cells = idx[ok], cells[ok]
    country = (cells // N_POST).astype(np.int8)
    sector = POST_SECTORS[cells % N_POST]
    new_contracts(m, rows, country, sector)
    m.pop.move(rows, country, sector, year=m.year, tie_gain=m.p.tie_move_gain)
    return rows
