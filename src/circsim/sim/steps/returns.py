"""Step 5: return decisions of nationals abroad.

Each national working (or looking for work) abroad decides whether to look for a post
at home this year, with

    logit P = base + w_val*overseas_valuation[home] + w_pull + w_standing*standing

so the wish rises with how much home values overseas experience and with family and
community pull, and falls as domestic standing decays abroad. Whether a wish becomes a
return is decided in the job market of the same year (step 6): those looking homeward
apply only to home posts, see them through the information frictions (ties, embassy
fellows, a contact window raise the visibility of home vacancies), and compete for the
real openings with everyone else; those who find nothing stay where they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..groups import logistic
from . import returns_kernels

if TYPE_CHECKING:
    from ..model import CirculationModel


def return_probability(m: CirculationModel, rows: np.ndarray) -> np.ndarray:
    """Chance that each national abroad in ``rows`` looks for a post at home this year."""
    pop, p, ca = m.pop, m.p, m.this_year.countries
    nat = pop.nationality[rows].astype(np.int64)
    logit = (
        p.return_logit_base
        + p.return_valuation * ca.overseas_valuation[nat]
        + p.return_pull
        + p.return_standing * pop.standing[rows]
    )
    return logistic(logit)


def homeward(m: CirculationModel) -> np.ndarray:
    """Rows of the nationals abroad who look for a post at home this year (none when
    returns are switched off)."""
    if not m.p.enable_returns:
        return np.zeros(0, dtype=np.int64)
    cand = returns_kernels.return_candidates(m.pop.people)
    return cand[m.rng.random(cand.size) < return_probability(m, cand)]
