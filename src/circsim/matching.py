"""Two-sided matching: applicant-proposing deferred acceptance, vectorized.

Each seeker has an ordered list of up to M acceptable cells (country x sector); each
cell has a capacity (vacancies) and ranks applicants by a hiring score. Every round,
all unmatched seekers propose to their next cell; each cell keeps its best applicants
up to capacity among those it held and the new ones, and rejects the rest. Rounds stop
when nobody has a cell left to propose to, so there are at most M rounds.
"""

from __future__ import annotations

import numpy as np

from .groups import rank_within_groups


def deferred_acceptance(
    prefs: np.ndarray,
    scores: np.ndarray,
    capacity: np.ndarray,
    max_rounds: int = 1000,
) -> np.ndarray:
    """Match seekers to cells.

    Args:
        prefs: (n, M) cell indices in order of preference, -1 for no further option.
        scores: (n, M) the cell's hiring score of the seeker for each listed option.
        capacity: (K,) open posts per cell.
        max_rounds: safety cap on proposal rounds.

    Returns:
        (n,) the matched cell of each seeker, -1 if unmatched. No cell receives more
        seekers than its capacity.
    """
    n, m = prefs.shape
    held = np.full(n, -1, dtype=np.int64)
    held_score = np.zeros(n)
    nxt = np.zeros(n, dtype=np.int64)
    rows = np.arange(n)
    for _ in range(min(max_rounds, m)):
        active = (held < 0) & (nxt < m)
        active[active] = prefs[rows[active], nxt[active]] >= 0
        if not active.any():
            break
        new = rows[active]
        new_cell = prefs[new, nxt[new]].astype(np.int64)
        new_score = scores[new, nxt[new]]
        nxt[new] += 1
        old = rows[held >= 0]
        who = np.concatenate([old, new])
        cell = np.concatenate([held[old], new_cell])
        score = np.concatenate([held_score[old], new_score])
        keep = rank_within_groups(cell, score) < capacity[cell]
        held[who] = -1
        held[who[keep]] = cell[keep]
        held_score[who[keep]] = score[keep]
    return held
