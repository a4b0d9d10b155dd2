"""What every compiled (numba) kernel of the yearly step shares: the rules it keeps, the
jit decorator, sector values as constants, and the one kernel two steps call.

The kernels live next to the steps whose formulas they implement
(``circsim.sim.steps.<step>_kernels``, :mod:`circsim.sim.population_kernels`). Each
does in one pass over the people what would otherwise be a chain of numpy operations
with a temporary array each (masks, gathers, bincounts). Most keep numpy's arithmetic,
in the same order and dtypes (float32 where numpy computes in float32: a Python float
times a float32 array), so their results are bit-for-bit those of the plain numpy
expressions written in their docstrings; the kernels of international co-authorship
(:mod:`circsim.sim.steps.research_kernels`: the pull of the partner pools, the shares
co-authored abroad, the ties summed by country) sum in their own order and compute the
share's power in float32, and equal their expressions to a stated tolerance
(``tests/unit/test_kernels_reference.py`` checks every kernel against its expression).
Every random draw stays in numpy, in the callers, so the draws keep their order, and so
do the transcendental functions of the kernels kept bit for bit (numba's math library
may differ from numpy's in the last bit); sorting keeps numpy's stable order
(:func:`circsim.sim.steps.market_kernels.radix_argsort`).

Arguments are few and named: the population's columns come as one
:class:`circsim.sim.population.People` (``pop.people``, views, no copies), a step's
weights and rules as a small ``NamedTuple`` declared next to its kernel.

Kernels are compiled on first use and cached on disk (``cache=True``, in the
``__pycache__`` next to their module). numba invalidates a cached kernel when its own
file changes, not when a jitted function it calls from another file does: so a kernel
calls jitted helpers of its own module only (the sort sits beside its one caller),
and the constants below are read when a kernel is compiled (after changing
:class:`circsim.sim.sectors.Sector`, clear the caches).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from .sectors import Sector

if TYPE_CHECKING:
    from .population import People

jit = numba.njit(cache=True, nogil=True)

# sector values as compile-time constants (doctoral study is 0, posts are 1..STARTUP)
DOCTORAL = int(Sector.DOCTORAL)
ACAD_PERM = int(Sector.ACAD_PERM)
ACAD_FIXED = int(Sector.ACAD_FIXED)
GOVERNMENT = int(Sector.GOVERNMENT)
STARTUP = int(Sector.STARTUP)
UNEMPLOYED = int(Sector.UNEMPLOYED)
LEFT = int(Sector.LEFT)


@jit
def post_holders(people: People, without_fellows: bool) -> np.ndarray:
    """Rows holding a post (with ``without_fellows``, not overseas fellows):
    ``np.flatnonzero(~gone & is_post(sector) & ~(without_fellows & (fellow_until != 0)))``."""
    gone, sector, fellow_until = people.gone, people.sector, people.fellow_until
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if not gone[i] and ACAD_PERM <= sector[i] <= STARTUP and not (without_fellows and fellow_until[i] != 0):
            out[k] = i
            k += 1
    return out[:k]
