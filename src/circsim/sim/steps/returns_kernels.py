"""Compiled (numba) loop of step 5, return decisions (:mod:`circsim.sim.steps.returns`):
who may weigh a return (rules in :mod:`circsim.sim.kernel_common`)."""

from __future__ import annotations

import numpy as np

from ..kernel_common import ACAD_PERM, UNEMPLOYED, jit
from ..population import People


@jit
def return_candidates(people: People) -> np.ndarray:
    """Nationals abroad who may weigh a return: holding a post or without one, not
    overseas fellows (they come home when their fellowship ends)::

        np.flatnonzero(~gone & (nationality != country) & (fellow_until == 0)
                       & (ACAD_PERM <= sector) & (sector <= UNEMPLOYED))
    """
    gone, nationality, country, fellow_until = people.gone, people.nationality, people.country, people.fellow_until
    sector = people.sector
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if (
            not gone[i]
            and nationality[i] != country[i]
            and fellow_until[i] == 0
            and ACAD_PERM <= sector[i] <= UNEMPLOYED
        ):
            out[k] = i
            k += 1
    return out[:k]
