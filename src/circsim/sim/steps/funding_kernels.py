"""Compiled (numba) loop of step 2, posts and vacancies (:mod:`circsim.sim.steps.funding`):
the posts held (rules in :mod:`circsim.sim.kernel_common`)."""

from __future__ import annotations

import numpy as np

from ..kernel_common import ACAD_PERM, STARTUP, jit
from ..population import People
from ..sectors import N_SECTORS


@jit
def count_posts(people: People) -> np.ndarray:
    """Posts held per country x sector, not counting overseas fellows (who hold no host
    post): ``occupancy(country, sector, ~gone & is_post(sector) & (fellow_until == 0), C)``
    of :func:`circsim.sim.steps.funding.occupancy` (int64)."""
    gone, sector, country, fellow_until = people.gone, people.sector, people.country, people.fellow_until
    out = np.zeros((people.ties.shape[0], N_SECTORS), np.int64)  # ties has a row per country
    for i in range(sector.size):
        s = sector[i]
        if not gone[i] and ACAD_PERM <= s <= STARTUP and fellow_until[i] == 0:
            out[country[i], s] += 1
    return out
