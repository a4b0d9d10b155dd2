"""Compiled (numba) inner loops of the yearly step.

Each kernel does, in one compiled pass, what a chain of numpy operations did before,
with the same arithmetic in the same order and the same dtypes, so results are
bit-for-bit those of the numpy code they replace. Anything transcendental (exp, log,
arctan) and every random draw stays in numpy: numba's math library may differ from
numpy's in the last bit, and the draws must stay in the same order.

Kernels are compiled on first use and cached on disk (``cache=True``).
"""

from __future__ import annotations

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True)


@_jit
def acceptable_options(
    seeker: np.ndarray,
    country: np.ndarray,
    pc: np.ndarray,
    cell_utility: np.ndarray,
    noise: np.ndarray,
    open_cell: np.ndarray,
    has_phd: np.ndarray,
    outside: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The options a seeker prefers to their outside option, in (seen pair, post column) order.

    For each seen (seeker, country) pair and post column ``j``, the random utility is
    ``pc[seeker, country] + cell_utility[country, j] + noise[pair, j]``; an option is
    acceptable if its cell is open (``open_cell``), it is not an academic post (columns
    0-1) for someone without a doctorate, and it beats ``outside[seeker]``.
    Returns the acceptable options' utility, seeker and cell (``country * n_post + j``).
    """
    n_pairs, n_post = noise.shape
    u_out = np.empty(n_pairs * n_post)
    s_out = np.empty(n_pairs * n_post, np.int64)
    c_out = np.empty(n_pairs * n_post, np.int64)
    k = 0
    for i in range(n_pairs):
        s, c = seeker[i], country[i]
        base = pc[s, c]
        for j in range(n_post):
            if not open_cell[c, j] or (j < 2 and not has_phd[s]):
                continue
            u = (base + cell_utility[c, j]) + np.float64(noise[i, j])
            if u > outside[s]:
                u_out[k] = u
                s_out[k] = s
                c_out[k] = c * n_post + j
                k += 1
    return u_out[:k], s_out[:k], c_out[:k]


@_jit
def preference_lists(
    key: np.ndarray, seeker: np.ndarray, cell: np.ndarray, n: int, max_options: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each seeker's options in increasing ``key`` (stable), at most ``max_options``.

    Options come grouped by seeker (``seeker`` non-decreasing). Returns the (n x
    max_options) preference lists, -1 padded, and the flat positions (row-major) of
    their listed entries.
    """
    prefs = np.full((n, max_options), -1, np.int64)
    flat = np.empty(min(key.size, n * max_options), np.int64)
    n_flat = 0
    order = np.empty(0, np.int64)
    a = 0
    while a < key.size:
        s = seeker[a]
        b = a
        while b < key.size and seeker[b] == s:
            b += 1
        if order.size < b - a:
            order = np.empty(b - a, np.int64)
        # stable insertion sort of the seeker's few options
        for i in range(b - a):
            x = a + i
            j = i
            while j > 0 and key[order[j - 1]] > key[x]:
                order[j] = order[j - 1]
                j -= 1
            order[j] = x
        for r in range(min(b - a, max_options)):
            prefs[s, r] = cell[order[r]]
            flat[n_flat] = s * max_options + r
            n_flat += 1
        a = b
    return prefs, flat[:n_flat]


@_jit
def deferred_acceptance(prefs: np.ndarray, keys: np.ndarray, capacity: np.ndarray, max_rounds: int) -> np.ndarray:
    """Applicant-proposing deferred acceptance in rounds (see :mod:`circsim.matching`).

    Every free seeker proposes to their next listed cell each round; a cell holds the
    proposals with the lowest keys (best score) up to its capacity, held ones before new
    ones on equal keys and new ones in proposal order. An application whose key is not
    below a full cell's cut-off (its weakest holder's key) is rejected at once. The
    rejected of a round, first those rejected at once in proposal order, then the
    displaced by cell and key, propose next round, for at most ``max_rounds`` rounds.
    """
    n, m = prefs.shape
    n_cells = capacity.size
    match = np.full(n, -1, np.int64)
    start = np.zeros(n_cells + 1, np.int64)
    for c in range(n_cells):
        start[c + 1] = start[c] + max(capacity[c], 0)
    held_who = np.empty(start[n_cells], np.int64)
    held_key = np.empty(start[n_cells])
    count = np.zeros(n_cells, np.int64)
    cutoff = np.empty(n_cells)
    for c in range(n_cells):
        cutoff[c] = np.inf if capacity[c] > 0 else -np.inf
    nxt = np.zeros(n, np.int64)
    free = np.arange(n)
    n_free = n
    p_who = np.empty(n, np.int64)
    p_cell = np.empty(n, np.int64)
    p_key = np.empty(n)
    new_count = np.zeros(n_cells, np.int64)
    new_start = np.zeros(n_cells + 1, np.int64)
    by_cell = np.empty(n, np.int64)
    merged_who = np.empty(0, np.int64)
    merged_key = np.empty(0)
    rejected = np.empty(n, np.int64)
    for _ in range(max_rounds):
        n_prop = 0
        for i in range(n_free):
            f = free[i]
            if nxt[f] < m and prefs[f, nxt[f]] >= 0:
                p_who[n_prop] = f
                p_cell[n_prop] = prefs[f, nxt[f]]
                p_key[n_prop] = keys[f, nxt[f]]
                nxt[f] += 1
                n_prop += 1
        if n_prop == 0:
            break
        n_rej = 0
        new_count[:] = 0
        for i in range(n_prop):
            if p_key[i] < cutoff[p_cell[i]]:
                new_count[p_cell[i]] += 1
            else:
                rejected[n_rej] = p_who[i]
                n_rej += 1
        for c in range(n_cells):
            new_start[c + 1] = new_start[c] + new_count[c]
        new_count[:] = 0
        for i in range(n_prop):
            c = p_cell[i]
            if p_key[i] < cutoff[c]:
                by_cell[new_start[c] + new_count[c]] = i
                new_count[c] += 1
        for c in range(n_cells):
            a, b = new_start[c], new_start[c + 1]
            if a == b:
                continue
            order = by_cell[a:b][np.argsort(p_key[by_cell[a:b]], kind="mergesort")]
            # merge held (first on equal keys) with the new proposals; keep the best
            h0, nh = start[c], count[c]
            total = nh + b - a
            if merged_who.size < total:
                merged_who = np.empty(total, np.int64)
                merged_key = np.empty(total)
            ih = 0
            inew = 0
            for t in range(total):
                if inew >= b - a or (ih < nh and held_key[h0 + ih] <= p_key[order[inew]]):
                    merged_who[t] = held_who[h0 + ih]
                    merged_key[t] = held_key[h0 + ih]
                    ih += 1
                else:
                    merged_who[t] = p_who[order[inew]]
                    merged_key[t] = p_key[order[inew]]
                    inew += 1
            keep = min(total, capacity[c])
            for t in range(keep):
                held_who[h0 + t] = merged_who[t]
                held_key[h0 + t] = merged_key[t]
                match[merged_who[t]] = c
            for t in range(keep, total):
                match[merged_who[t]] = -1
                rejected[n_rej] = merged_who[t]
                n_rej += 1
            count[c] = keep
            if keep >= capacity[c]:
                cutoff[c] = held_key[h0 + keep - 1]
        free, rejected = rejected, free
        n_free = n_rej
    return match
