"""Compiled (numba) loops of :meth:`circsim.sim.population.Population.compact`: which
rows move into which holes, and moving them in place (rules in
:mod:`circsim.sim.kernel_common`)."""

from __future__ import annotations

import numpy as np

from .kernel_common import jit


@jit
def compaction_moves(keep: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """For dropping the rows ``~keep[:n]``: the holes among the first ``k`` rows (``k``
    kept in all), the kept rows beyond ``k`` that fill them (both ascending), and ``k``:
    ``k = np.count_nonzero(keep[:n])``, ``np.flatnonzero(~keep[:k])``,
    ``k + np.flatnonzero(keep[k:n])``."""
    k = 0
    for i in range(n):
        k += keep[i]
    holes = np.empty(n - k, np.int64)
    movers = np.empty(n - k, np.int64)
    h = 0
    for i in range(k):
        if not keep[i]:
            holes[h] = i
            h += 1
    h = 0
    for i in range(k, n):
        if keep[i]:
            movers[h] = i
            h += 1
    return holes[:h], movers[:h], k


@jit
def move_columns(buf: np.ndarray, holes: np.ndarray, movers: np.ndarray) -> None:
    """``buf[:, holes] = buf[:, movers]`` in place, without the gathered temporary."""
    for d in range(buf.shape[0]):
        row = buf[d]
        for i in range(holes.size):
            row[holes[i]] = row[movers[i]]
