"""Small vectorized helpers shared by the mechanisms."""

from __future__ import annotations

import numpy as np


def logistic(x: np.ndarray) -> np.ndarray:
    """Logistic function, numerically safe."""
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


def rank_within_groups(group: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Rank of each element within its group, highest priority first (0 = best).

    Ties in priority are broken by position, so results are deterministic.
    """
    n = group.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((-priority, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    run = np.repeat(starts, np.diff(np.r_[starts, n]))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(n) - run
    return ranks


def take_up_to(group: np.ndarray, priority: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Boolean mask keeping, in each group, at most ``capacity[group]`` elements with the
    highest priority."""
    return rank_within_groups(group, priority) < capacity[group]


def categorical_rows(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row from unnormalised non-negative row weights (n x k)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(weights.shape[0]) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def gumbel(shape: int | tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Standard Gumbel draws in float32 (the noise of random-utility choices)."""
    u = rng.random(shape, dtype=np.float32)
    # -log(-log(u)) in place: the same float32 operations without four temporaries
    np.maximum(u, np.float32(1e-30), out=u)
    np.log(u, out=u)
    np.negative(u, out=u)
    np.log(u, out=u)
    return np.negative(u, out=u)


def stochastic_round(x: np.ndarray | float, rng: np.random.Generator) -> np.ndarray:
    """Round to an integer up or down with probability given by the fraction, so that
    expected counts are kept at coarse scales."""
    x = np.asarray(x, dtype=float)
    base = np.floor(x)
    return (base + (rng.random(x.shape) < x - base)).astype(np.int64)
