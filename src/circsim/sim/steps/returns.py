"""Step 7: returns of nationals abroad.

Each national working (or looking for work) abroad considers returning with

    logit P = base + w_vis*10*visibility_home*home_vacancy_rate
              + w_val*overseas_valuation[home] + w_pull + w_standing*standing

so the chance rises with home vacancies they can see (information channels, ties),
with how much home values overseas experience and with family/community pull, and
falls as their domestic standing decays. Those who decide to return compete for the
home vacancies left after the market; the rest stay abroad. People who moved or are
on a long visit this year do not weigh a return until next year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..groups import logistic
from ..sectors import post_columns
from . import returns_kernels
from .choice import seeker_country_terms
from .market import apply_hires, run_market

if TYPE_CHECKING:
    from ..model import CirculationModel


def return_probability(m: CirculationModel, rows: np.ndarray, capacity: np.ndarray, posts: np.ndarray) -> np.ndarray:
    """Chance that each national abroad in ``rows`` tries to return this year."""
    pop, p, ca = m.pop, m.p, m.this_year.countries
    nat = pop.nationality[rows].astype(np.int64)
    vis = seeker_country_terms(m.this_year.market, p, pop, rows, home_only=True)[1][np.arange(rows.size), nat]
    vacancy_rate = capacity.sum(axis=1) / np.maximum(posts.sum(axis=1), 1)
    logit = (
        p.return_logit_base
        + p.return_visibility * 10.0 * vis * vacancy_rate[nat]
        + p.return_valuation * ca.overseas_valuation[nat]
        + p.return_pull
        + p.return_standing * pop.standing[rows]
    )
    return logistic(logit)


def returns(m: CirculationModel, capacity: np.ndarray, posts: np.ndarray) -> np.ndarray:
    """Nationals abroad who decide to return and find a home post move home.

    ``capacity`` (C x N_POST) holds the vacancies left after the market and is decreased
    in place. Returns the rows that returned.
    """
    pop = m.pop
    # visit_dest >= 0: travelling this year
    cand = returns_kernels.return_candidates(pop.people, m.year)
    want = cand[m.rng.random(cand.size) < return_probability(m, cand, capacity, post_columns(posts))]
    cells = run_market(m, want, capacity, home_only=True)
    return apply_hires(m, want, cells)
