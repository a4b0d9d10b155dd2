"""Two-sided matching: applicant-proposing deferred acceptance, vectorized.

Seekers propose to cells (country x sector) in their order of preference; each cell
holds its best applicants so far, up to its capacity (vacancies), ranked by a hiring
score, and rejects the rest; rejected seekers propose to their next cell in the next
round. :class:`Matcher` keeps every cell's held applicants in one array sorted by
(cell, score), so each round only sorts the new proposals and merges them in.
"""

from __future__ import annotations

import numpy as np


def sort_key(cell: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Sort key ordering by cell, then by score descending: ``cell + (0..1)``."""
    return cell.astype(np.float64) + (0.5 - np.arctan(np.asarray(score, dtype=np.float64)) / np.pi)


def rank_in_runs(sorted_groups: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal values (input sorted by group)."""
    n = sorted_groups.size
    pos = np.arange(n)
    if n == 0:
        return pos
    start = np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]
    return pos - np.maximum.accumulate(np.where(start, pos, 0))


class Matcher:
    """The cells' side of deferred acceptance: tentative holds, revised every round.

    Holds are kept in one array sorted by :func:`sort_key`. A full cell's cut-off is
    the key of its weakest holder, so applications that cannot displace anyone are
    rejected without being sorted (in a tight market most of them).
    """

    def __init__(self, capacity: np.ndarray, n_seekers: int) -> None:
        self.capacity = np.asarray(capacity, dtype=np.int64)
        self.match = np.full(n_seekers, -1, dtype=np.int64)
        self._who = np.zeros(0, dtype=np.int64)
        self._key = np.zeros(0)
        self._cutoff = np.where(self.capacity > 0, np.inf, -np.inf)  # keys below it can enter

    def propose(self, who: np.ndarray, cell: np.ndarray, score: np.ndarray) -> np.ndarray:
        """Seekers ``who`` apply to ``cell`` with ``score``. Each cell keeps its best
        applicants (held or new) up to capacity. Returns the seekers rejected this round
        (new applicants or displaced holders). Equal scores favour earlier applicants, then
        applicants listed first in the same round."""
        who = np.asarray(who, dtype=np.int64)
        key = sort_key(cell, score)
        viable = key < self._cutoff[cell]
        order = np.argsort(key[viable], kind="stable")
        keys = np.concatenate([self._key, key[viable][order]])
        whos = np.concatenate([self._who, who[viable][order]])
        merge = np.argsort(keys, kind="stable")  # two sorted runs: a linear merge
        keys, whos = keys[merge], whos[merge]
        cells = keys.astype(np.int64)
        rank = rank_in_runs(cells)
        keep = rank < self.capacity[cells]
        rejected = np.concatenate([who[~viable], whos[~keep]])
        self.match[rejected] = -1
        self._key, self._who = keys[keep], whos[keep]
        held_cells = cells[keep]
        self.match[self._who] = held_cells
        # full cells: new applicants must beat the weakest holder (the last of its run)
        last = np.r_[held_cells[1:] != held_cells[:-1], True] if held_cells.size else held_cells.astype(bool)
        full = rank[keep][last] + 1 >= self.capacity[held_cells[last]]
        self._cutoff[held_cells[last][full]] = self._key[last][full]
        return rejected


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
        max_rounds: safety cap on proposal rounds.

    Returns:
        (n,) the matched cell of each seeker, -1 if unmatched. No cell receives more
        seekers than its capacity.
    """
    n, m = prefs.shape
    matcher = Matcher(capacity, n)
    flat_prefs, flat_scores = prefs.ravel(), scores.ravel()
    nxt = np.zeros(n, dtype=np.int64)
    free = np.arange(n)
    for _ in range(max_rounds):  # a seeker displaced late still works down their list
        free = free[nxt[free] < m]
        pos = free * m + nxt[free]  # flat position of each free seeker's next option
        cell = np.take(flat_prefs, pos)
        listed = cell >= 0
        free, pos, cell = free[listed], pos[listed], cell[listed]
        if free.size == 0:
            break
        nxt[free] += 1
        free = matcher.propose(free, cell, np.take(flat_scores, pos))
    return matcher.match
