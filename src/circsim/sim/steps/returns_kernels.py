"""Compiled (numba) loop of step 7, returns (:mod:`circsim.sim.steps.returns`): who may
weigh a return (rules in :mod:`circsim.sim.kernel_common`)."""

from __future__ import annotations

import numpy as np

from ..kernel_common import ACAD_PERM, UNEMPLOYED, jit
from ..population import People


@jit
def return_candidates(people: People, year: int) -> np.ndarray:
    """Nationals abroad who may weigh a return: holding a post or without one, not
    overseas fellows, not moved this year, not on a long visit::

        np.flatnonzero(~gone & (nationality != country) & (fellow_until == 0)
                       & (ACAD_PERM <= sector) & (sector <= UNEMPLOYED)
                       & (last_move_year != year) & (visit_dest < 0))
    """
    gone, nationality, country, fellow_until = people.gone, people.nationality, people.country, people.fellow_until
    sector, last_move_year, visit_dest = people.sector, people.last_move_year, people.visit_dest
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if (
            not gone[i]
            and nationality[i] != country[i]
            and fellow_until[i] == 0
            and ACAD_PERM <= sector[i] <= UNEMPLOYED
            and last_move_year[i] != year
            and visit_dest[i] < 0
        ):
            out[k] = i
            k += 1
    return out[:k]
