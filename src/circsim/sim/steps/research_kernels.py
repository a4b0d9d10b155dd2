"""Compiled (numba) loops of step 8, research production (:mod:`circsim.sim.steps.research`):
paper rates, this year's output, country sums (with numpy's exact pairwise sum) and the
yearly tie update (rules in :mod:`circsim.sim.kernel_common`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..kernel_common import ACAD_FIXED, ACAD_PERM, GOVERNMENT, LEFT, STARTUP, jit
from ..population import People
from ..sectors import N_POST


class PaperWeights(NamedTuple):
    """Weights of a post holder's log paper rate."""

    talent: np.float32  # per unit of talent (numpy's float32 product)
    permanent: float  # for a permanent post


@jit
def paper_rates(
    people: People, rows: np.ndarray, log_rate: np.ndarray, w: PaperWeights
) -> tuple[np.ndarray, np.ndarray]:
    """Per post holder in ``rows``: the cell (``country * N_POST + post column``) and the log
    of their fractional paper rate::

        cell = country[rows] * N_POST + (sector[rows] - ACAD_PERM)
        log_papers = (log_rate[cell] + w.talent * talent[rows]) + w.permanent * (sector[rows] == ACAD_PERM)
    """
    country, sector, talent = people.country, people.sector, people.talent
    cell = np.empty(rows.size, np.int64)
    log_papers = np.empty(rows.size)
    for j in range(rows.size):
        r = rows[j]
        s = sector[r]
        cell[j] = country[r] * N_POST + (s - ACAD_PERM)
        log_papers[j] = (log_rate[cell[j]] + np.float64(w.talent * talent[r])) + w.permanent * np.float64(
            s == ACAD_PERM
        )
    return cell, log_papers


class Partners(NamedTuple):
    """Where co-authors come from: each country's pull as a partner pool, and how a
    researcher's ties with a country add to the pull of its pool."""

    pool: np.ndarray  # (C,) float64: a country's output to the pool elasticity
    base: float  # weight of a foreign pool without any tie with it
    per_tie: float  # weight added per unit of tie
    coauthors: float  # co-authors per paper (authors per paper - 1)


@jit
def _foreign_pull(ties: np.ndarray, r: int, c: int, partners: Partners) -> float:
    """The pull of the foreign pools on researcher ``r`` working in ``c``:
    ``sum over d != c of (base + per_tie * ties[d, r]) * pool[d]``."""
    total = 0.0
    for d in range(ties.shape[0]):
        if d != c:
            total += (partners.base + partners.per_tie * np.float64(ties[d, r])) * partners.pool[d]
    return total


@jit
def international_shares(people: People, rows: np.ndarray, partners: Partners) -> np.ndarray:
    """Per post holder in ``rows`` (working in ``c``): the probability that a paper has a
    co-author abroad, each of its ``coauthors`` co-authors being foreign with probability
    ``q = F / (pool[c] + F)``, ``F`` the pull of the foreign pools (:func:`_foreign_pull`)::

        intl = 1 - (1 - q) ** coauthors     (float32)
    """
    country, ties = people.country, people.ties
    out = np.empty(rows.size, np.float32)
    for j in range(rows.size):
        r = rows[j]
        c = country[r]
        f = _foreign_pull(ties, r, c, partners)
        den = partners.pool[c] + f
        q = f / den if den > 0 else 0.0
        out[j] = 1.0 - (1.0 - q) ** partners.coauthors
    return out


class Production(NamedTuple):
    """This year's output of the producing rows, one entry each."""

    cell: np.ndarray  # country * N_POST + post column
    papers: np.ndarray  # float64
    intl: np.ndarray  # float32 share co-authored abroad
    noise: np.ndarray  # float32 standard normal impact noise


class ImpactWeights(NamedTuple):
    """Terms of a post holder's log citation impact."""

    base: np.ndarray  # per cell
    talent: np.float32
    international: np.float32
    noise: np.float32


@jit
def store_production(people: People, rows: np.ndarray, out: Production, w: ImpactWeights) -> None:
    """Write this year's papers (zero for everyone else), cumulative papers, impact and
    international share of ``rows`` into the population, in place::

        papers[:] = 0; papers[rows] = out.papers
        papers_cum[rows] = papers_cum[rows].astype(np.float64) + out.papers
        impact[rows] = ((w.base[out.cell] + w.talent * talent[rows]) + w.international * out.intl)
                       + w.noise * out.noise
        intl[rows] = out.intl
    """
    papers_now, papers_cum, impact, intl_now, talent = (
        people.papers,
        people.papers_cum,
        people.impact,
        people.intl,
        people.talent,
    )
    cell, papers, intl, noise = out.cell, out.papers, out.intl, out.noise
    papers_now[:] = 0.0
    for j in range(rows.size):
        r = rows[j]
        papers_now[r] = papers[j]
        papers_cum[r] = np.float64(papers_cum[r]) + papers[j]
        impact[r] = (
            (w.base[cell[j]] + np.float64(w.talent * talent[r])) + np.float64(w.international * intl[j])
        ) + np.float64(w.noise * noise[j])
        intl_now[r] = intl[j]


# numpy reduces a float32 array with dtype=float64 through cast buffers of this many
# elements, summing each buffer pairwise (blocks of 8, at most 128 unrolled) into the total
_SUM_BUFFER = 8192
_PW_BLOCK = 128


@jit
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


@jit
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


@jit
def output_by_country(
    people: People, rows: np.ndarray, partners: Partners
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The producing ``rows`` grouped by country (stable), for sums over contiguous runs.

    With ``order = rows[np.argsort(country[rows], kind="stable")]``: returns where each
    country's run of ``order`` starts (``np.searchsorted(country[order], np.arange(C))``),
    the (3 x rows) float32 ``[papers[order], zeros (for the top papers), papers[order] *
    intl[order]]`` (the last: co-authored papers), ``impact[order]``, and the (countries
    x partners) sums of the co-authored papers spread over the partner countries in
    proportion to their pull, ``pull[d] = (base + per_tie * ties[d]) * pool[d]`` for
    ``d`` other than the country of work (0 for it): ``spread[d] = coauthored * pull[d] /
    max(sum(pull), 1e-300)`` (float64), summed over each country's run pairwise as numpy
    does, through buffers of numpy's size, without storing the spread.
    """
    country, papers, impact, intl, ties = people.country, people.papers, people.impact, people.intl, people.ties
    n_countries = n_c = ties.shape[0]
    starts = np.zeros(n_countries + 1, np.int64)
    for j in range(rows.size):
        starts[country[rows[j]] + 1] += 1
    for c in range(n_countries):
        starts[c + 1] += starts[c]
    filled = starts[:n_countries].copy()
    values = np.zeros((3, rows.size), np.float32)
    impact_out = np.empty(rows.size, np.float32)
    buf = np.empty((n_countries, n_c, _SUM_BUFFER))
    in_buf = np.zeros(n_countries, np.int64)
    sums = np.zeros((n_countries, n_c))
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
        w = np.float64(coauth) / max(_foreign_pull(ties, r, c, partners), 1e-300)
        k = in_buf[c]
        for d in range(n_c):
            pull = 0.0 if d == c else (partners.base + partners.per_tie * np.float64(ties[d, r])) * partners.pool[d]
            buf[c, d, k] = pull * w
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


class TieGrowth(NamedTuple):
    """A year's growth and decay of ties and of domestic standing (float32, as numpy's)."""

    gain: np.ndarray  # (country of work x partner country)
    home_gain: np.ndarray  # (nationality x country of work), for nationals abroad
    decay: np.float32  # multiplier of every tie, 1 - yearly decay
    standing_gain: np.float32  # share of the way to 1 gained at home
    standing_decay: np.float32  # multiplier abroad


@jit
def update_ties(people: People, growth: TieGrowth) -> None:
    """One year of tie decay and growth and of domestic standing, in place (float32).

    For everyone researching (``active = ~gone & (sector <= STARTUP)``: in a post or
    doctoral study): ``ties[d] = ties[d] * decay + gain[country, d]``, and for nationals
    abroad ``ties[nationality] += home_gain[nationality, country]``; others' ties only
    decay (``ties * decay + 0``). Ties with the country of work are zero. Standing grows
    at home in academia, government and doctoral study (``s + standing_gain * (1 - s)``)
    and decays abroad outside 'left research' (``s * standing_decay``), for the living.
    """
    ties, standing, gone, sector = people.ties, people.standing, people.gone, people.sector
    nationality, country, gain, home_gain = people.nationality, people.country, growth.gain, growth.home_gain
    decay, standing_gain, standing_decay = growth.decay, growth.standing_gain, growth.standing_decay
    n_c = ties.shape[0]
    one = np.float32(1.0)
    for i in range(country.size):
        s, c, nat = sector[i], country[i], nationality[i]
        alive = not gone[i]
        active = alive and s <= STARTUP  # doctoral study or a post
        for d in range(n_c):
            g = gain[c, d] if active else np.float32(0.0)
            ties[d, i] = ties[d, i] * decay + g
        if active and nat != c:
            ties[nat, i] += home_gain[nat, c]
        ties[c, i] = 0.0
        if nat == c:
            if alive and (s <= ACAD_FIXED or s == GOVERNMENT):  # doctoral study, academia, government
                standing[i] += standing_gain * (one - standing[i])
        elif alive and s != LEFT:
            standing[i] *= standing_decay
