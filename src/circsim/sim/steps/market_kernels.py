"""Compiled (numba) loops of step 5, the job market (:mod:`circsim.sim.steps.market` and
its parts :mod:`~circsim.sim.steps.choice`, :mod:`~circsim.sim.steps.hiring`,
:mod:`~circsim.sim.steps.matching`): who seeks, what seekers see and rank, how
employers score them, and deferred acceptance (rules in :mod:`circsim.sim.kernel_common`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..kernel_common import ACAD_PERM, LEFT, STARTUP, UNEMPLOYED, jit
from ..population import People

# --- who seeks (market.py) -------------------------------------------------------------


class SeekerDraws(NamedTuple):
    """This year's uniform draws, one per row."""

    search: np.ndarray  # whether a post holder searches on the job
    reentry: np.ndarray  # whether a leaver comes back


class SearchRules(NamedTuple):
    """Who looks for a post."""

    rate_by_sector: np.ndarray  # yearly on-the-job search rate, indexed by sector value
    on_the_job: bool  # post holders search at all
    tracking_years: int  # leavers are followed (and may come back) this many years
    reentry_rate: float  # yearly chance a followed leaver looks for a post again


@jit
def seekers(people: People, draws: SeekerDraws, rules: SearchRules, year: int) -> np.ndarray:
    """This year's job seekers: the unemployed, post holders (not overseas fellows) whose
    search draw falls below their sector's search rate (if ``on_the_job``), and leavers
    of 1 to ``tracking_years`` years whose re-entry draw falls below ``reentry_rate``::

        since = year - left_year
        np.flatnonzero(~gone & ((sector == UNEMPLOYED)
                                | (is_post(sector) & on_the_job & (fellow_until == 0)
                                   & (draws.search < rate_by_sector[sector]))
                                | ((sector == LEFT) & (1 <= since) & (since < tracking_years)
                                   & (draws.reentry < reentry_rate))))
    """
    gone, sector, fellow_until, left_year = people.gone, people.sector, people.fellow_until, people.left_year
    u_search, u_reentry, search_rates = draws.search, draws.reentry, rules.rate_by_sector
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if gone[i]:
            continue
        s = sector[i]
        if s == UNEMPLOYED:
            seek = True
        elif ACAD_PERM <= s <= STARTUP:
            seek = rules.on_the_job and fellow_until[i] == 0 and u_search[i] < search_rates[s]
        elif s == LEFT:
            since = year - left_year[i]
            seek = 1 <= since < rules.tracking_years and u_reentry[i] < rules.reentry_rate
        else:
            seek = False
        if seek:
            out[k] = i
            k += 1
    return out[:k]


# --- what seekers see and how they rank it (choice.py) -----------------------------------


@jit
def post_holders_by_nationality(people: People) -> np.ndarray:
    """Post holders per nationality x country of work: ``np.bincount((nationality * C +
    country)[~gone & is_post(sector)], minlength=C * C).reshape(C, C)``."""
    gone, sector, nationality, country = people.gone, people.sector, people.nationality, people.country
    n_countries = people.ties.shape[0]  # ties has a row per country
    out = np.zeros((n_countries, n_countries), np.int64)
    for i in range(sector.size):
        if not gone[i] and ACAD_PERM <= sector[i] <= STARTUP:
            out[nationality[i], country[i]] += 1
    return out


class CountryTerms(NamedTuple):
    """The year's country-pair terms of what seekers see and want."""

    diaspora: np.ndarray  # (nationality x host) co-national share of the host's researchers
    community: np.ndarray  # (nationality x host) attraction of the co-national community there, 0..1
    distance_1e4km: np.ndarray  # (C x C)
    overseas_value: np.ndarray  # (nationality,) worth of overseas experience on a return home
    home_visibility: np.ndarray  # (nationality x host) home vacancies seen from abroad


class SeekerWeights(NamedTuple):
    """Weights of the seeker x country terms (:mod:`circsim.sim.steps.choice`); float32
    where numpy computes the term in float32 (float32 state times a Python float: ties, age)."""

    home: float
    diaspora: float
    move_per_1e4km: float
    overseas_value: float
    visibility_diaspora: float
    ties: np.float32
    move: np.float32
    move_per_decade_over_30: np.float32
    visibility_base: np.float32
    visibility_ties: np.float32
    visibility_home: np.float32
    information_frictions: bool  # off: every vacancy is seen


@jit
def seeker_country_terms(
    people: People, rows: np.ndarray, countries: CountryTerms, w: SeekerWeights
) -> tuple[np.ndarray, np.ndarray]:
    """Seeker x country utility and visibility (float64, n x C) for the people in ``rows``.

    With ``nat, cur = nationality[rows], country[rows]``, ``t = ties[:, rows].T``, ``d =
    np.arange(C)``, ``home = nat[:, None] == d``, ``dia = diaspora[nat]``, ``com = community[nat]`` and the float32
    ``age_cost = w.move + w.move_per_decade_over_30 * np.maximum(age[rows].astype(np.float32)
    - np.float32(30), np.float32(0)) / np.float32(10)``::

        pc = (((w.home * home + w.diaspora * com) + w.ties * t)
              - (cur[:, None] != d) * (age_cost[:, None] + w.move_per_1e4km * distance_1e4km[cur]))
             + (w.overseas_value * ~home) * overseas_value[nat][:, None]
        from_abroad = np.where(home, (w.visibility_home + w.visibility_ties * t) + home_visibility[nat, cur][:, None],
                               (w.visibility_base + w.visibility_ties * t) + w.visibility_diaspora * dia)
        vis = np.clip(np.where(cur[:, None] == d, 1.0, from_abroad), 0, 1)

    (``vis`` is 1 without information frictions).
    """
    nationality, country, age, ties = people.nationality, people.country, people.age, people.ties
    diaspora, distance, overseas_value = countries.diaspora, countries.distance_1e4km, countries.overseas_value
    community = countries.community
    home_visibility = countries.home_visibility
    n_c = ties.shape[0]
    pc = np.zeros((rows.size, n_c))
    vis = np.zeros((rows.size, n_c))
    for i in range(rows.size):
        r = rows[i]
        nat, cur = nationality[r], country[r]
        age_cost = w.move + (w.move_per_decade_over_30 * max(np.float32(age[r]) - np.float32(30), np.float32(0))) / (
            np.float32(10)
        )
        for d in range(n_c):
            home = nat == d
            t = ties[d, r]
            move = np.float64(age_cost) + w.move_per_1e4km * distance[cur, d]
            pc[i, d] = (
                ((w.home * np.float64(home) + w.diaspora * community[nat, d]) + np.float64(w.ties * t))
                - np.float64(cur != d) * move
            ) + (w.overseas_value * np.float64(not home)) * overseas_value[nat]
            if not w.information_frictions or d == cur:
                v = 1.0
            elif home:
                v = np.float64(w.visibility_home + w.visibility_ties * t) + home_visibility[nat, cur]
            else:
                v = np.float64(w.visibility_base + w.visibility_ties * t) + w.visibility_diaspora * diaspora[nat, d]
            vis[i, d] = min(max(v, 0.0), 1.0)
    return pc, vis


class SeekerTerms(NamedTuple):
    """What each of the market's n seekers brings to the ranking of posts."""

    country_utility: np.ndarray  # (n x C) seeker x country part of the utility
    seen: np.ndarray  # (n x C) whether the seeker sees the country's vacancies
    has_phd: np.ndarray  # (n,) academic posts need a doctorate
    outside: np.ndarray  # (n,) utility of the outside option


@jit
def acceptable_options(
    seekers: SeekerTerms, cell_utility: np.ndarray, open_cell: np.ndarray, noise: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The options a seeker prefers to their outside option, in (seen pair, post column) order.

    For each seen (seeker, country) pair (``s, c = np.nonzero(seen)``, in that row-major
    order) and post column ``j``, the random utility is ``u = (country_utility[s, c][:, None]
    + cell_utility[c]) + noise.astype(np.float64)``; an option is acceptable where
    ``open_cell[c] & ~((j < 2) & ~has_phd[s][:, None]) & (u > outside[s][:, None])`` (no
    academic post, columns 0-1, without a doctorate). Returns, flattened in row-major
    order, the acceptable options' utility, seeker and cell (``c * N_POST + j``).
    """
    seen, pc, has_phd, outside = seekers.seen, seekers.country_utility, seekers.has_phd, seekers.outside
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


@jit
def preference_lists(
    key: np.ndarray, seeker: np.ndarray, cell: np.ndarray, n: int, max_options: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each seeker's options in increasing ``key`` (stable), at most ``max_options``.

    Options come grouped by seeker (``seeker`` non-decreasing). Returns the (n x
    max_options) preference lists, -1 padded, and the flat positions (row-major) of
    their listed entries: with ``order = np.lexsort((key, seeker))`` and ``rank`` each
    option's position within its seeker's run of ``order``, ``prefs[seeker[order],
    rank] = cell[order]`` where ``rank < max_options``, and ``np.flatnonzero(prefs >= 0)``.
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


# --- how employers score applicants (hiring.py) ------------------------------------------


class Applications(NamedTuple):
    """One entry per application: the applicant's attributes and the cell applied to."""

    merit: np.ndarray
    nationality: np.ndarray
    years_abroad: np.ndarray  # float32
    standing: np.ndarray  # float32
    has_phd: np.ndarray
    country: np.ndarray  # of the cell
    column: np.ndarray  # post column of the cell: 0 permanent, 1 fixed-term, 2+ non-academic


class EmployerWeights(NamedTuple):
    """Employers' weights per country (:mod:`circsim.sim.steps.hiring`)."""

    overseas_valuation: np.ndarray
    insider_preference: np.ndarray
    foreign_permanent_penalty: np.ndarray
    phd_bonus: np.ndarray  # total bonus for a doctorate on a non-academic post
    experience_cap: np.float32  # years of overseas experience that count in full


@jit
def hiring_score(apps: Applications, w: EmployerWeights) -> np.ndarray:
    """Hiring score of each application before noise (see :mod:`circsim.sim.steps.hiring`).

    With ``c, national = apps.country, apps.nationality == apps.country`` and the float32
    ``experience = np.minimum(years_abroad, experience_cap) / experience_cap``::

        (((merit + overseas_valuation[c] * experience) + (insider_preference[c] * standing) * national)
         - (foreign_permanent_penalty[c] * (column == 0)) * ~national) + (phd_bonus[c] * (column >= 2)) * has_phd
    """
    merit, nationality, years_abroad, standing = apps.merit, apps.nationality, apps.years_abroad, apps.standing
    has_phd, cell_country, cell_col, cap = apps.has_phd, apps.country, apps.column, w.experience_cap
    score = np.empty(merit.size)
    for j in range(merit.size):
        c, col = cell_country[j], cell_col[j]
        national = nationality[j] == c
        experience = min(years_abroad[j], cap) / cap
        score[j] = (
            (
                (np.float64(merit[j]) + w.overseas_valuation[c] * np.float64(experience))
                + (w.insider_preference[c] * np.float64(standing[j])) * np.float64(national)
            )
            - (w.foreign_permanent_penalty[c] * np.float64(col == 0)) * np.float64(not national)
        ) + (w.phd_bonus[c] * np.float64(col >= 2)) * np.float64(has_phd[j])
    return score


# --- deferred acceptance (matching.py) ---------------------------------------------------


@jit
def radix_argsort(x: np.ndarray) -> np.ndarray:
    """Stable argsort of contiguous float64 ``x``: ``np.argsort(x, kind="stable")`` (equal
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


@jit
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
