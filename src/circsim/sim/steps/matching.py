"""Two-sided matching: applicant-proposing deferred acceptance.

Seekers propose to cells (country x sector) in their order of preference; each cell
holds its best applicants so far, up to its capacity (vacancies), ranked by a hiring
score, and rejects the rest; rejected seekers propose to their next cell in the next
round. The rounds run in a compiled loop (:func:`circsim.sim.steps.market_kernels.deferred_acceptance`).
"""

from __future__ import annotations

import numpy as np

from . import market_kernels


def deferred_acceptance(
    prefs: np.ndarray,
    scores: np.ndarray,
    capacity: np.ndarray,
    max_rounds: int = 1000,
) -> np.ndarray:
    """Match seekers to cells from explicit preference lists.

    Args:
        prefs: (n, M) cell indices in order of preference, -1 for no further option.
        scores: (n, M) the cell's hiring score of the seeker for each listed option.
        capacity: (K,) open posts per cell.
        max_rounds: cap on proposal rounds.

    Returns:
        (n,) the matched cell of each seeker, -1 if unmatched. No cell receives more
        seekers than its capacity. Equal scores favour earlier applicants, then
        applicants listed first in the same round.
    """
    prefs = np.ascontiguousarray(prefs, dtype=np.int64)
    # the kernel keeps the lowest keys: the negated scores (a cell's own proposals are
    # grouped by the kernel, so the key needs no cell part)
    keys = np.negative(np.asarray(scores, dtype=np.float64))
    return market_kernels.deferred_acceptance(prefs, keys, np.asarray(capacity, dtype=np.int64), int(max_rounds))
