"""Compiled (numba) loop of step 4, contract ends (:mod:`circsim.sim.steps.contracts`):
the contracts ending (rules in :mod:`circsim.sim.kernel_common`)."""

from __future__ import annotations

import numpy as np

from ..kernel_common import ACAD_FIXED, jit
from ..population import People


@jit
def contracts_ending(people: People, year: int) -> np.ndarray:
    """Rows on fixed-term contracts (not overseas fellows) whose last year is before ``year``:
    ``np.flatnonzero(~gone & (sector == ACAD_FIXED) & (fellow_until == 0) & (contract_end < year))``."""
    gone, sector, fellow_until, contract_end = people.gone, people.sector, people.fellow_until, people.contract_end
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if not gone[i] and sector[i] == ACAD_FIXED and fellow_until[i] == 0 and contract_end[i] < year:
            out[k] = i
            k += 1
    return out[:k]
