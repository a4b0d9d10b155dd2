"""Compiled (numba) inner loops of the yearly step.

Each kernel does in one pass over the people what would otherwise be a chain of numpy
operations with a temporary array each (masks, gathers, bincounts). The arithmetic is
numpy's, in the same order and dtypes (float32 where numpy computes in float32: a
Python float times a float32 array), so results are bit-for-bit those of the plain
numpy expressions written in the docstrings. Anything transcendental (exp, log, arctan)
and every random draw stays in numpy, in the callers: numba's math library may differ
from numpy's in the last bit, and the draws must keep their order. Sums that numpy
computes pairwise (over country groups) stay in numpy, except the co-authored papers per
country pair, which :func:`pairwise_sum` adds in numpy's exact order (so that the
countries x researchers array they are summed from need not exist); sorting keeps
numpy's stable order (:func:`radix_argsort`).

Kernels are compiled on first use and cached on disk (``cache=True``, next to this file).
"""

from __future__ import annotations

import numba
import numpy as np

from .sectors import POST_SECTORS, Sector

_jit = numba.njit(cache=True, nogil=True)

# sector values as compile-time constants (doctoral study is 0, posts are 1..STARTUP)
_DOCTORAL = int(Sector.DOCTORAL)
_ACAD_PERM = int(Sector.ACAD_PERM)
_ACAD_FIXED = int(Sector.ACAD_FIXED)
_GOVERNMENT = int(Sector.GOVERNMENT)
_STARTUP = int(Sector.STARTUP)
_UNEMPLOYED = int(Sector.UNEMPLOYED)
_LEFT = int(Sector.LEFT)
_N_POST = len(POST_SECTORS)


@_jit
def seeker_country_terms(
    rows: np.ndarray,
    nationality: np.ndarray,
    country: np.ndarray,
    age: np.ndarray,
    ties: np.ndarray,
    diaspora: np.ndarray,
    distance: np.ndarray,
    overseas_value: np.ndarray,
    home_visibility: np.ndarray,
    w: np.ndarray,
    w32: np.ndarray,
    frictions: bool,
    home_only: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Seeker x country utility and visibility (float64, n x C) for the people in ``rows``
    (with ``home_only``, only in their country of nationality; zero elsewhere).

    Implements :func:`circsim.sim.steps.choice.seeker_country_terms`; ``w`` and ``w32`` hold its
    weights, float32 ones where numpy computes the term in float32 (terms of float32
    state: ties, age).
    """
    n_c = ties.shape[0]
    u_home, u_dia, u_mdist, u_ov, v_dia = w[0], w[1], w[2], w[3], w[4]
    u_ties, u_move, u_age, ten, v_base, v_ties, v_home = w32[0], w32[1], w32[2], w32[3], w32[4], w32[5], w32[6]
    pc = np.zeros((rows.size, n_c))
    vis = np.zeros((rows.size, n_c))
    for i in range(rows.size):
        r = rows[i]
        nat, cur = nationality[r], country[r]
        age_cost = u_move + (u_age * max(np.float32(age[r]) - np.float32(30), np.float32(0))) / ten
        for d in range(n_c):
            home = nat == d
            if home_only and not home:
                continue
            t = ties[d, r]
            move = np.float64(age_cost) + u_mdist * distance[cur, d]
            pc[i, d] = (
                ((u_home * np.float64(home) + u_dia * diaspora[nat, d]) + np.float64(u_ties * t))
                - np.float64(cur != d) * move
            ) + (u_ov * np.float64(not home)) * overseas_value[nat]
            if not frictions or d == cur:
                v = 1.0
            elif home:
                v = np.float64(v_home + v_ties * t) + home_visibility[nat, cur]
            else:
                v = np.float64(v_base + v_ties * t) + v_dia * diaspora[nat, d]
            vis[i, d] = min(max(v, 0.0), 1.0)
    return pc, vis


@_jit
def acceptable_options(
    seen: np.ndarray,
    pc: np.ndarray,
    cell_utility: np.ndarray,
    noise: np.ndarray,
    open_cell: np.ndarray,
    has_phd: np.ndarray,
    outside: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The options a seeker prefers to their outside option, in (seen pair, post column) order.

    For each seen (seeker, country) pair (``seen[seeker, country]``, pairs numbered in
    row-major order as ``np.nonzero`` lists them) and post column ``j``, the random
    utility is ``pc[seeker, country] + cell_utility[country, j] + noise[pair, j]``; an option is
    acceptable if its cell is open (``open_cell``), it is not an academic post (columns
    0-1) for someone without a doctorate, and it beats ``outside[seeker]``.
    Returns the acceptable options' utility, seeker and cell (``country * n_post + j``).
    """
    n_pairs, n_post = noise.shape
    u_out = np.empty(n_pairs * n_post)
    s_out = np.empty(n_pairs * n_post, np.int64)
    c_out = np.empty(n_pairs * n_post, np.int64)
    k = 0
    i = -1
    for s in range(seen.shape[0]):
        for c in range(seen.shape[1]):
            if not seen[s, c]:
                continue
            i += 1
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
def radix_argsort(x: np.ndarray) -> np.ndarray:
    """Stable argsort of contiguous float64 ``x``: the order of ``np.argsort(x, kind="stable")`` (equal
    values, -0.0 and 0.0 included, in index order; NaN last), by an LSD radix sort on
    the bits (8 bits a pass, passes where every value has the same digit skipped)."""
    n = x.size
    raw = x.view(np.uint64)
    bits = np.empty(n, np.uint64)
    sign = np.uint64(1) << np.uint64(63)
    for i in range(n):
        b = raw[i]
        if x[i] == 0.0:
            b = np.uint64(0)  # -0.0 equals 0.0
        elif x[i] != x[i]:
            b = np.uint64(0x7FF8000000000000)  # every NaN after +inf
        # order-preserving map to unsigned: flip all bits of negatives, the sign of the rest
        bits[i] = ~b if b & sign else b | sign
    idx = np.arange(n)
    tmp_idx = np.empty(n, np.int64)
    tmp_bits = np.empty(n, np.uint64)
    hist = np.empty(256, np.int64)
    for shift in range(0, 64, 8):
        sh = np.uint64(shift)
        hist[:] = 0
        for i in range(n):
            hist[(bits[i] >> sh) & np.uint64(255)] += 1
        if n == 0 or hist.max() == n:
            continue
        pos = 0
        for d in range(256):
            pos, hist[d] = pos + hist[d], pos
        for i in range(n):
            d = (bits[i] >> sh) & np.uint64(255)
            tmp_bits[hist[d]] = bits[i]
            tmp_idx[hist[d]] = idx[i]
            hist[d] += 1
        bits, tmp_bits = tmp_bits, bits
        idx, tmp_idx = tmp_idx, idx
    return idx


@_jit
def deferred_acceptance(prefs: np.ndarray, keys: np.ndarray, capacity: np.ndarray, max_rounds: int) -> np.ndarray:
    """Applicant-proposing deferred acceptance in rounds (see :mod:`circsim.sim.steps.matching`).

    Every free seeker proposes to their next listed cell each round; a cell holds the
    proposals with the lowest keys (best score) up to its capacity, held ones before new
    ones on equal keys and new ones in proposal order. An application whose key is not
    below a full cell's cut-off (its weakest holder's key) is rejected at once. The
    rejected of a round, first those rejected at once in proposal order, then the
    displaced by cell and key, propose next round, for at most ``max_rounds`` rounds.
    """
    n, m = prefs.shape
    cells_at, keys_at = prefs.ravel(), keys.ravel()  # proposals are flat positions seeker * m + rank
    n_cells = capacity.size
    start = np.zeros(n_cells + 1, np.int64)
    for c in range(n_cells):
        start[c + 1] = start[c] + max(capacity[c], 0)
    held_at = np.empty(start[n_cells], np.int64)
    held_key = np.empty(start[n_cells])
    count = np.zeros(n_cells, np.int64)
    cutoff = np.empty(n_cells)
    for c in range(n_cells):
        cutoff[c] = np.inf if capacity[c] > 0 else -np.inf
    free = np.arange(n) * m  # each free seeker's next option
    n_free = n
    rejected = np.empty(n, np.int64)
    p_at = np.empty(n, np.int64)
    p_key = np.empty(n)
    new_count = np.zeros(n_cells, np.int64)
    new_start = np.zeros(n_cells + 1, np.int64)
    by_cell = np.empty(n, np.int64)
    merged_at = np.empty(0, np.int64)
    merged_key = np.empty(0)
    for _ in range(max_rounds):
        # this round's proposals; those that cannot beat a full cell's weakest holder
        # are rejected at once
        n_prop = 0
        n_rej = 0
        new_count[:] = 0
        for i in range(n_free):
            a = free[i]
            c = cells_at[a]
            if c < 0:
                continue
            if keys_at[a] < cutoff[c]:
                p_at[n_prop] = a
                p_key[n_prop] = keys_at[a]
                new_count[c] += 1
                n_prop += 1
            elif (a + 1) % m != 0:
                rejected[n_rej] = a + 1
                n_rej += 1
            # else the seeker has no option left
        if n_prop == 0 and n_rej == 0:
            break
        for c in range(n_cells):
            new_start[c + 1] = new_start[c] + new_count[c]
        new_count[:] = 0
        # proposals by cell, each cell's by key (equal keys in proposal order): one stable
        # radix sort of all of them, then a stable split by cell
        for i in radix_argsort(p_key[:n_prop]):
            c = cells_at[p_at[i]]
            by_cell[new_start[c] + new_count[c]] = i
            new_count[c] += 1
        for c in range(n_cells):
            lo, hi = new_start[c], new_start[c + 1]
            if lo == hi:
                continue
            order = by_cell[lo:hi]
            # merge held (first on equal keys) with the new proposals; keep the best
            h0, nh = start[c], count[c]
            total = nh + hi - lo
            if merged_at.size < total:
                merged_at = np.empty(total, np.int64)
                merged_key = np.empty(total)
            ih = 0
            inew = 0
            for t in range(total):
                if inew >= hi - lo or (ih < nh and held_key[h0 + ih] <= p_key[order[inew]]):
                    merged_at[t] = held_at[h0 + ih]
                    merged_key[t] = held_key[h0 + ih]
                    ih += 1
                else:
                    merged_at[t] = p_at[order[inew]]
                    merged_key[t] = p_key[order[inew]]
                    inew += 1
            keep = min(total, capacity[c])
            held_at[h0 : h0 + keep] = merged_at[:keep]
            held_key[h0 : h0 + keep] = merged_key[:keep]
            for t in range(keep, total):
                if (merged_at[t] + 1) % m != 0:
                    rejected[n_rej] = merged_at[t] + 1
                    n_rej += 1
            count[c] = keep
            if keep >= capacity[c]:
                cutoff[c] = held_key[h0 + keep - 1]
        free, rejected = rejected, free
        n_free = n_rej
    match = np.full(n, -1, np.int64)
    for c in range(n_cells):
        for t in range(count[c]):
            match[held_at[start[c] + t] // m] = c
    return match


# numpy reduces a float32 array with dtype=float64 through cast buffers of this many
# elements, summing each buffer pairwise (blocks of 8, at most 128 unrolled) into the total
_SUM_BUFFER = 8192
_PW_BLOCK = 128


@_jit
def _pairwise_leaf(a: np.ndarray, lo: int, n: int) -> float:
    """numpy's sum of at most 128 elements ``a[lo:lo + n]``: eight running sums, combined
    pairwise, then the remainder (fewer than 8 elements: in order from -0.0)."""
    if n < 8:
        res = -0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@_jit
def pairwise_sum(a: np.ndarray, lo: int, n: int) -> float:
    """numpy's pairwise sum of ``a[lo:lo + n]`` (float64), in its exact order of additions:
    above 128 elements, the sum of the halves split at a multiple of 8 below n / 2.

    The recursion runs on an explicit stack (numba's cache does not hold recursive functions).
    """
    if n <= _PW_BLOCK:
        return _pairwise_leaf(a, lo, n)
    seg_lo = np.empty(64, np.int64)
    seg_n = np.empty(64, np.int64)
    stage = np.empty(64, np.int64)  # 0: left half next, 1: right half next, 2: add them
    vals = np.empty(64)
    seg_lo[0], seg_n[0], stage[0] = lo, n, 0
    sp, vp = 0, 0
    while sp >= 0:
        m = seg_n[sp]
        if m <= _PW_BLOCK:
            vals[vp] = _pairwise_leaf(a, seg_lo[sp], m)
            vp += 1
            sp -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[sp] == 0:
            stage[sp] = 1
            seg_lo[sp + 1], seg_n[sp + 1], stage[sp + 1] = seg_lo[sp], half, 0
            sp += 1
        elif stage[sp] == 1:
            stage[sp] = 2
            seg_lo[sp + 1], seg_n[sp + 1], stage[sp + 1] = seg_lo[sp] + half, m - half, 0
            sp += 1
        else:
            vals[vp - 2] = vals[vp - 2] + vals[vp - 1]
            vp -= 1
            sp -= 1
    return vals[0]


@_jit
def output_by_country(
    rows: np.ndarray,
    country: np.ndarray,
    papers: np.ndarray,
    impact: np.ndarray,
    intl: np.ndarray,
    ties: np.ndarray,
    n_countries: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The producing ``rows`` grouped by country (stable), for sums over contiguous runs.

    Returns where each country's run starts, the (3 x rows) float32 papers, zeros (for
    the top papers) and internationally co-authored papers (``papers * intl``), their
    impact, and the (countries x partners) sums of the co-authored papers spread over
    each one's ties in proportion (the ties summed in partner order, as numpy sums axis
    0). Those sums are exactly ``spread[:, a:b].sum(axis=1, dtype=np.float64)`` over each
    country's run of the float32 spread, without storing the spread: each country's
    values pass through a buffer of numpy's size and are summed pairwise as numpy does.
    """
    starts = np.zeros(n_countries + 1, np.int64)
    for j in range(rows.size):
        starts[country[rows[j]] + 1] += 1
    for c in range(n_countries):
        starts[c + 1] += starts[c]
    filled = starts[:n_countries].copy()
    n_c = ties.shape[0]
    values = np.zeros((3, rows.size), np.float32)
    impact_out = np.empty(rows.size, np.float32)
    buf = np.empty((n_countries, n_c, _SUM_BUFFER))
    in_buf = np.zeros(n_countries, np.int64)
    sums = np.zeros((n_countries, n_c))
    tiny = np.float32(1e-12)
    # rows are read in order and written to their country's run (a write stream per
    # country), rather than gathered in country order by random reads
    for i in range(rows.size):
        r = rows[i]
        c = country[r]
        j = filled[c]
        filled[c] += 1
        coauth = papers[r] * intl[r]
        values[0, j] = papers[r]
        values[2, j] = coauth
        impact_out[j] = impact[r]
        total = np.float32(0.0)
        for d in range(n_c):
            total += ties[d, r]
        w = coauth / max(total, tiny)
        k = in_buf[c]
        for d in range(n_c):
            buf[c, d, k] = ties[d, r] * w  # the float32 product, cast as numpy's buffer does
        in_buf[c] = k + 1
        if k + 1 == _SUM_BUFFER:
            for d in range(n_c):
                sums[c, d] += pairwise_sum(buf[c, d], 0, _SUM_BUFFER)
            in_buf[c] = 0
    for c in range(n_countries):
        if in_buf[c] > 0:
            for d in range(n_c):
                sums[c, d] += pairwise_sum(buf[c, d], 0, in_buf[c])
    return starts[:n_countries], values, impact_out, sums


@_jit
def update_ties(
    ties: np.ndarray,
    standing: np.ndarray,
    gone: np.ndarray,
    sector: np.ndarray,
    nationality: np.ndarray,
    country: np.ndarray,
    gain: np.ndarray,
    home_gain: np.ndarray,
    decay: np.float32,
    standing_gain: np.float32,
    standing_decay: np.float32,
) -> None:
    """One year of tie decay and growth and of domestic standing, in place (float32).

    For everyone researching (in a post or doctoral study): ``ties[d] = ties[d] * decay
    + gain[country, d]``, and for nationals abroad ``ties[nationality] +=
    home_gain[nationality, country]``; others' ties only decay. Ties with the country of
    work are zero. Standing grows at home in academia, government and doctoral study
    (``s + standing_gain * (1 - s)``) and decays abroad outside 'left research'
    (``s * standing_decay``). Sector values as :class:`circsim.sim.sectors.Sector`.
    """
    n_c = ties.shape[0]
    one = np.float32(1.0)
    for i in range(country.size):
        s, c, nat = sector[i], country[i], nationality[i]
        alive = not gone[i]
        active = alive and s <= _STARTUP  # doctoral study or a post
        for d in range(n_c):
            g = gain[c, d] if active else np.float32(0.0)
            ties[d, i] = ties[d, i] * decay + g
        if active and nat != c:
            ties[nat, i] += home_gain[nat, c]
        ties[c, i] = 0.0
        if nat == c:
            if alive and (s <= _ACAD_FIXED or s == _GOVERNMENT):  # doctoral study, academia, government
                standing[i] += standing_gain * (one - standing[i])
        elif alive and s != _LEFT:
            standing[i] *= standing_decay


# --- yearly passes over the population (one row per person) -------------------------


@_jit
def count_posts(
    gone: np.ndarray,
    sector: np.ndarray,
    country: np.ndarray,
    fellow_until: np.ndarray,
    n_countries: int,
    n_sectors: int,
) -> np.ndarray:
    """Posts held per country x sector, not counting overseas fellows (who hold no host post)."""
    out = np.zeros((n_countries, n_sectors), np.int64)
    for i in range(sector.size):
        s = sector[i]
        if not gone[i] and _ACAD_PERM <= s <= _STARTUP and fellow_until[i] == 0:
            out[country[i], s] += 1
    return out


@_jit
def post_holders_by_nationality(
    gone: np.ndarray, sector: np.ndarray, nationality: np.ndarray, country: np.ndarray, n_countries: int
) -> np.ndarray:
    """Post holders per nationality x country of work."""
    out = np.zeros((n_countries, n_countries), np.int64)
    for i in range(sector.size):
        if not gone[i] and _ACAD_PERM <= sector[i] <= _STARTUP:
            out[nationality[i], country[i]] += 1
    return out


@_jit
def nationals_abroad(
    gone: np.ndarray, sector: np.ndarray, nationality: np.ndarray, country: np.ndarray, n_countries: int
) -> np.ndarray:
    """People in research (doctoral study, a post or looking for one) outside their
    country of nationality, per nationality."""
    out = np.zeros(n_countries, np.int64)
    for i in range(sector.size):
        if not gone[i] and sector[i] != _LEFT and nationality[i] != country[i]:
            out[nationality[i]] += 1
    return out


@_jit
def age_and_retire(
    gone: np.ndarray,
    age: np.ndarray,
    sector: np.ndarray,
    country: np.ndarray,
    fixed_years: np.ndarray,
    left_year: np.ndarray,
    cap_from_year: np.ndarray,
    year: int,
    retirement_age: int,
    tracking_years: int,
) -> np.ndarray:
    """Everyone ages a year; fixed-term years count where the cap rule is on; those at
    retirement age and leavers followed ``tracking_years`` are marked gone. Returns them."""
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if gone[i]:
            continue
        age[i] += 1
        s = sector[i]
        if s == _ACAD_FIXED and year > cap_from_year[country[i]]:
            fixed_years[i] += 1
        if age[i] >= retirement_age or (s == _LEFT and year - left_year[i] >= tracking_years):
            gone[i] = True
            out[k] = i
            k += 1
    return out[:k]


@_jit
def exits_from_research(
    u: np.ndarray,
    gone: np.ndarray,
    sector: np.ndarray,
    country: np.ndarray,
    fellow_until: np.ndarray,
    unemployed_years: np.ndarray,
    rates: np.ndarray,
    unemployed_increase: float,
    dropout_multiplier: np.ndarray,
) -> np.ndarray:
    """Rows whose draw ``u`` falls below their exit hazard: ``rates[sector]``, plus
    ``unemployed_increase`` per year without a post after the first, times the country's
    dropout multiplier in doctoral study, at most 1. Leavers and overseas fellows are not at risk."""
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        s = sector[i]
        if gone[i] or s == _LEFT or fellow_until[i] != 0:
            continue
        h = rates[s]
        if s == _UNEMPLOYED:
            h += unemployed_increase * max(unemployed_years[i] - 1, 0)
        elif s == _DOCTORAL:
            h *= dropout_multiplier[country[i]]
        if u[i] < min(h, 1.0):
            out[k] = i
            k += 1
    return out[:k]


@_jit
def graduations(gone: np.ndarray, sector: np.ndarray, doctoral_left: np.ndarray) -> np.ndarray:
    """A year of doctoral study passes; returns the students with none left."""
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if not gone[i] and sector[i] == _DOCTORAL:
            doctoral_left[i] -= 1
            if doctoral_left[i] <= 0:
                out[k] = i
                k += 1
    return out[:k]


@_jit
def seekers(
    u_search: np.ndarray,
    u_reentry: np.ndarray,
    gone: np.ndarray,
    sector: np.ndarray,
    fellow_until: np.ndarray,
    left_year: np.ndarray,
    search_rates: np.ndarray,
    on_the_job: bool,
    year: int,
    tracking_years: int,
    reentry_rate: float,
) -> np.ndarray:
    """This year's job seekers: the unemployed, post holders (not overseas fellows) whose
    draw ``u_search`` falls below their sector's search rate (if ``on_the_job``), and
    leavers of 1 to ``tracking_years`` years whose draw ``u_reentry`` falls below ``reentry_rate``."""
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if gone[i]:
            continue
        s = sector[i]
        if s == _UNEMPLOYED:
            seek = True
        elif _ACAD_PERM <= s <= _STARTUP:
            seek = on_the_job and fellow_until[i] == 0 and u_search[i] < search_rates[s]
        elif s == _LEFT:
            since = year - left_year[i]
            seek = 1 <= since < tracking_years and u_reentry[i] < reentry_rate
        else:
            seek = False
        if seek:
            out[k] = i
            k += 1
    return out[:k]


@_jit
def end_of_year_counters(
    gone: np.ndarray,
    sector: np.ndarray,
    nationality: np.ndarray,
    country: np.ndarray,
    unemployed_years: np.ndarray,
    years_abroad: np.ndarray,
) -> None:
    """Years without a post (at most 100) and years abroad (in research outside the
    country of nationality) accumulate, in place."""
    for i in range(sector.size):
        if gone[i]:
            continue
        s = sector[i]
        if s == _UNEMPLOYED:
            unemployed_years[i] = min(unemployed_years[i] + 1, 100)
        if s != _LEFT and nationality[i] != country[i]:
            years_abroad[i] += np.float32(1.0)


@_jit
def census(
    gone: np.ndarray,
    country: np.ndarray,
    sector: np.ndarray,
    age: np.ndarray,
    nationality: np.ndarray,
    years_abroad: np.ndarray,
    last_move_year: np.ndarray,
    year: int,
    n_countries: int,
    n_sectors: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The living by (country, sector, under 40, foreign national, overseas experience),
    and post holders who made no international move in ``year`` (stayers) per country."""
    counts = np.zeros((n_countries, n_sectors, 2, 2, 2), np.int64)
    stayers = np.zeros(n_countries, np.int64)
    for i in range(sector.size):
        if gone[i]:
            continue
        c, s = country[i], sector[i]
        counts[c, s, int(age[i] < 40), int(nationality[i] != c), int(years_abroad[i] > 0)] += 1
        if _ACAD_PERM <= s <= _STARTUP and last_move_year[i] != year:
            stayers[c] += 1
    return counts, stayers


@_jit
def flow_counts(
    gone: np.ndarray,
    country_start: np.ndarray,
    sector_start: np.ndarray,
    country: np.ndarray,
    sector: np.ndarray,
    nationality: np.ndarray,
    n_countries: int,
    n_codes: int,
    entry: int,
    exit_: int,
) -> np.ndarray:
    """People per (origin, destination, nationality, from sector, to sector) code, C order
    over (countries, countries, countries, n_codes, n_codes): those present at the start
    (the first ``country_start.size`` rows) who changed country or sector or left
    (to ``exit_``), and the living who entered during the year (from ``entry``)."""
    c, k = n_countries, n_codes
    counts = np.zeros(c * c * c * k * k, np.int64)
    n0 = country_start.size
    for i in range(sector.size):
        if i < n0:
            c0, s0 = country_start[i], sector_start[i]
            if gone[i]:
                c1, s1 = c0, exit_
            else:
                c1, s1 = country[i], sector[i]
                if c1 == c0 and s1 == s0:
                    continue
        elif gone[i]:
            continue
        else:
            c0 = c1 = country[i]
            s0, s1 = entry, sector[i]
        counts[(((c0 * c + c1) * c + nationality[i]) * k + s0) * k + s1] += 1
    return counts


@_jit
def post_holders(gone: np.ndarray, sector: np.ndarray, fellow_until: np.ndarray, without_fellows: bool) -> np.ndarray:
    """Rows holding a post (with ``without_fellows``, not overseas fellows)."""
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if not gone[i] and _ACAD_PERM <= sector[i] <= _STARTUP and not (without_fellows and fellow_until[i] != 0):
            out[k] = i
            k += 1
    return out[:k]


@_jit
def production_exponents(
    rows: np.ndarray,
    country: np.ndarray,
    sector: np.ndarray,
    talent: np.ndarray,
    ties: np.ndarray,
    log_rate: np.ndarray,
    talent_weight: np.float32,
    permanent_weight: float,
    per_tie: np.float32,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per post holder in ``rows``: the cell (``country * N_POST + post column``), the log of
    their paper rate (``log_rate[cell] + talent_weight * talent + permanent_weight *
    [permanent]``) and ``per_tie`` times the sum of their ties (float32, summed in
    country order)."""
    n_c = ties.shape[0]
    cell = np.empty(rows.size, np.int64)
    log_papers = np.empty(rows.size)
    tie_term = np.empty(rows.size, np.float32)
    for j in range(rows.size):
        r = rows[j]
        s = sector[r]
        cell[j] = country[r] * _N_POST + (s - _ACAD_PERM)
        log_papers[j] = (log_rate[cell[j]] + np.float64(talent_weight * talent[r])) + permanent_weight * np.float64(
            s == _ACAD_PERM
        )
        total = np.float32(0.0)
        for d in range(n_c):
            total += ties[d, r]
        tie_term[j] = per_tie * total
    return cell, log_papers, tie_term


@_jit
def store_production(
    rows: np.ndarray,
    cell: np.ndarray,
    papers: np.ndarray,
    intl: np.ndarray,
    noise: np.ndarray,
    talent: np.ndarray,
    impact_base: np.ndarray,
    talent_weight: np.float32,
    intl_weight: np.float32,
    noise_weight: np.float32,
    papers_now: np.ndarray,
    papers_cum: np.ndarray,
    impact: np.ndarray,
    intl_now: np.ndarray,
) -> None:
    """Write this year's papers (zero for everyone else), cumulative papers, impact
    (``impact_base[cell] + talent_weight * talent + intl_weight * intl + noise_weight *
    noise``) and international share of ``rows`` into the population arrays."""
    papers_now[:] = 0.0
    for j in range(rows.size):
        r = rows[j]
        papers_now[r] = papers[j]
        papers_cum[r] = np.float64(papers_cum[r]) + papers[j]
        impact[r] = (
            (impact_base[cell[j]] + np.float64(talent_weight * talent[r])) + np.float64(intl_weight * intl[j])
        ) + np.float64(noise_weight * noise[j])
        intl_now[r] = intl[j]


@_jit
def visit_logit(
    rows: np.ndarray,
    country: np.ndarray,
    sector: np.ndarray,
    nationality: np.ndarray,
    contract_end: np.ndarray,
    ties: np.ndarray,
    cell_logit: np.ndarray,
    tie_weight: np.float32,
    contract_risk: float,
    insider_risk: np.ndarray,
    year: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Logit of starting a long visit for the post holders in ``rows``, and their post
    column: ``cell_logit[country, column] + tie_weight * strongest tie - contract_risk *
    [a fixed-term contract's last year] - insider_risk[country] * [at home]``."""
    n_c = ties.shape[0]
    logit = np.empty(rows.size)
    col = np.empty(rows.size, np.int64)
    for j in range(rows.size):
        r = rows[j]
        c = country[r]
        k = sector[r] - _ACAD_PERM
        col[j] = k
        strongest = ties[0, r]
        for d in range(1, n_c):
            if ties[d, r] > strongest:
                strongest = ties[d, r]
        ending = sector[r] == _ACAD_FIXED and contract_end[r] <= year
        logit[j] = (
            (cell_logit[c, k] + np.float64(tie_weight * strongest)) - contract_risk * np.float64(ending)
        ) - insider_risk[c] * np.float64(nationality[r] == c)
    return logit, col


@_jit
def visits_drawn(rows: np.ndarray, u: np.ndarray, e: np.ndarray, weight: np.ndarray, col: np.ndarray) -> np.ndarray:
    """The ``rows`` whose draw ``u`` is below their visit chance ``1.0 / (1.0 + e) *
    weight[col]`` (:func:`circsim.sim.groups.logistic` given ``e = exp(-clip(logit))``)."""
    out = np.empty(rows.size, np.int64)
    k = 0
    for j in range(rows.size):
        if u[j] < 1.0 / (1.0 + e[j]) * weight[col[j]]:
            out[k] = rows[j]
            k += 1
    return out[:k]


@_jit
def return_candidates(
    gone: np.ndarray,
    nationality: np.ndarray,
    country: np.ndarray,
    fellow_until: np.ndarray,
    sector: np.ndarray,
    last_move_year: np.ndarray,
    visit_dest: np.ndarray,
    year: int,
) -> np.ndarray:
    """Nationals abroad who may weigh a return: holding a post or without one, not
    overseas fellows, not moved this year, not on a long visit."""
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if (
            not gone[i]
            and nationality[i] != country[i]
            and fellow_until[i] == 0
            and _ACAD_PERM <= sector[i] <= _UNEMPLOYED
            and last_move_year[i] != year
            and visit_dest[i] < 0
        ):
            out[k] = i
            k += 1
    return out[:k]


@_jit
def hiring_score(
    merit: np.ndarray,
    nationality: np.ndarray,
    years_abroad: np.ndarray,
    standing: np.ndarray,
    has_phd: np.ndarray,
    cell_country: np.ndarray,
    cell_col: np.ndarray,
    overseas_valuation: np.ndarray,
    insider_preference: np.ndarray,
    foreign_permanent_penalty: np.ndarray,
    phd_bonus: np.ndarray,
    experience_cap: np.float32,
) -> np.ndarray:
    """Hiring score of each application before noise (see :mod:`circsim.sim.steps.hiring`);
    ``phd_bonus`` is the total bonus for a doctorate on a non-academic post per country."""
    score = np.empty(merit.size)
    for j in range(merit.size):
        c, col = cell_country[j], cell_col[j]
        national = nationality[j] == c
        experience = min(years_abroad[j], experience_cap) / experience_cap
        score[j] = (
            (
                (np.float64(merit[j]) + overseas_valuation[c] * np.float64(experience))
                + (insider_preference[c] * np.float64(standing[j])) * np.float64(national)
            )
            - (foreign_permanent_penalty[c] * np.float64(col == 0)) * np.float64(not national)
        ) + (phd_bonus[c] * np.float64(col >= 2)) * np.float64(has_phd[j])
    return score


@_jit
def young_academics(
    gone: np.ndarray, sector: np.ndarray, age: np.ndarray, country: np.ndarray, n_countries: int
) -> tuple[np.ndarray, np.ndarray]:
    """Academics under 40 per country, and those of them on permanent posts."""
    perm = np.zeros(n_countries, np.int64)
    total = np.zeros(n_countries, np.int64)
    for i in range(sector.size):
        s = sector[i]
        if not gone[i] and _ACAD_PERM <= s <= _ACAD_FIXED and age[i] < 40:
            total[country[i]] += 1
            if s == _ACAD_PERM:
                perm[country[i]] += 1
    return perm, total


@_jit
def contracts_ending(
    gone: np.ndarray, sector: np.ndarray, fellow_until: np.ndarray, contract_end: np.ndarray, year: int
) -> np.ndarray:
    """Rows on fixed-term contracts (not overseas fellows) whose last year is before ``year``."""
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if not gone[i] and sector[i] == _ACAD_FIXED and fellow_until[i] == 0 and contract_end[i] < year:
            out[k] = i
            k += 1
    return out[:k]


@_jit
def compaction_moves(keep: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """For dropping the rows ``~keep[:n]``: the holes among the first ``k`` rows (``k``
    kept in all), the kept rows beyond ``k`` that fill them (both ascending), and ``k``."""
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


@_jit
def move_columns(buf: np.ndarray, holes: np.ndarray, movers: np.ndarray) -> None:
    """``buf[:, holes] = buf[:, movers]`` in place, without the gathered temporary."""
    for d in range(buf.shape[0]):
        row = buf[d]
        for i in range(holes.size):
            row[holes[i]] = row[movers[i]]
