"""Compiled (numba) loops of step 8, research production (:mod:`circsim.sim.steps.research`):
paper rates, the pull of the partner pools and international co-authorship, this year's
output, the co-authorship ties summed by country, and the yearly tie update (rules in
:mod:`circsim.sim.kernel_common`)."""

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
    """Where co-authors come from: each country's pull as a partner pool, how a
    researcher's ties with a country add to the pull of its pool, and the balance that
    makes the co-authorship of every pair of countries the same seen from either side."""

    pool: np.ndarray  # (C,) float64: a country's output to the pool elasticity
    base: float  # weight of a foreign pool without any tie with it
    per_tie: float  # weight added per unit of tie
    coauthors: float  # co-authors per paper (authors per paper - 1)
    balance: np.ndarray  # (C, C) float64: factor of the pull of d for researchers in c (research.balanced)
    named: np.ndarray  # int64 indices of the partner countries whose whole counts are kept


class Production(NamedTuple):
    """This year's output of the producing rows, one entry each, before co-authorship."""

    cell: np.ndarray  # country * N_POST + post column
    papers: np.ndarray  # float64
    noise: np.ndarray  # float32 standard normal impact noise


class ImpactWeights(NamedTuple):
    """Terms of a post holder's log citation impact."""

    base: np.ndarray  # per cell
    talent: np.float32
    international: np.float32
    noise: np.float32


class Output(NamedTuple):
    """What the country sums of step 8 need: per producing row its country, papers and
    impact as stored (float32 values), and per country the sums."""

    country: np.ndarray  # (rows,) int64
    papers: np.ndarray  # (rows,) float64 values of the stored float32 papers
    impact: np.ndarray  # (rows,) float32
    sums: np.ndarray  # (3, C) float64: papers, internationally co-authored papers, pull weights
    ties: np.ndarray  # (C, C) float64: pull weights times ties, country of work x partner
    with_partner: np.ndarray  # (C, C) float64: papers with a co-author in the partner (named partners only)
    demand: np.ndarray  # (C, C) float64: co-author slots asked of each partner before the balance


@jit
def coauthorship(people: People, rows: np.ndarray, out: Production, partners: Partners, w: ImpactWeights) -> Output:
    """International co-authorship, impact and this year's output of ``rows``, written into
    the population in place, and their sums by country, in one pass over the rows.

    Per row ``j`` (``r = rows[j]``, working in ``c``; ``s = partners.balance``)::

        pull_d = (base + per_tie * ties[d, r]) * pool[d]     (d != c; 0 for d = c)
        F      = sum_d pull_d;  F' = sum_d s[c, d] * pull_d  (the balanced pulls)
        q      = min(F' / (pool[c] + F), 1)   (0 when pool[c] + F = 0)
        intl   = 1 - (1 - q) ** coauthors                                     (float32)
        papers[:] = 0; papers[r] = out.papers[j]; papers_cum[r] += out.papers[j]
        impact[r] = ((w.base[cell] + w.talent * talent[r]) + w.international * intl) + w.noise * noise
        intl[r]   = intl
        p = float64(papers[r]) (the stored value); coauthored = p * intl; weight = coauthored / max(F', 1e-300)
        sums[:, c] += (p, coauthored, weight); ties_out[c, d] += weight * ties[d, r]
        with_partner[c, d] += p * (1 - (1 - x_d) ** coauthors),  x_d = s[c, d] * pull_d / (pool[c] + F)
                              (for the named partners d != c; scaled by q / (F' / (pool[c] + F))
                              when q is capped at 1; the power interpolated in a table of it,
                              :func:`_powers`)
        demand[c, d] += p * pull_d / (pool[c] + F)     (the slots asked of d before the balance)

    Each co-author is from ``d`` with probability ``x_d`` and from home otherwise. The sums
    accumulate in row order, as ``np.bincount`` does. ``weight`` spreads each researcher's
    co-authored papers over the partner countries in proportion to their balanced pull.
    ``with_partner`` counts a paper once for every partner country among its co-authors,
    as whole counts of co-authored papers by partner do. ``demand`` sets next year's
    balance.
    """
    country, ties, talent = people.country, people.ties, people.talent
    papers_now, papers_cum, impact, intl_now = people.papers, people.papers_cum, people.impact, people.intl
    pool, base, per_tie, balance = partners.pool, partners.base, partners.per_tie, partners.balance
    n_c = ties.shape[0]
    one, coauthors = np.float32(1.0), np.float32(partners.coauthors)  # float32 power: 2-3 times faster
    keep = _powers(partners.coauthors)
    result = Output(
        np.empty(rows.size, np.int64),
        np.empty(rows.size),
        np.empty(rows.size, np.float32),
        np.zeros((3, n_c)),
        np.zeros((n_c, n_c)),
        np.zeros((n_c, n_c)),
        np.zeros((n_c, n_c)),
    )
    asked, pull = np.empty(n_c), np.empty(n_c)  # a row's pulls before and after the balance
    papers_now[:] = 0.0
    for j in range(rows.size):
        r = rows[j]
        c = country[r]
        f = 0.0
        balanced = 0.0
        for d in range(n_c):
            asked[d] = 0.0 if d == c else (base + per_tie * np.float64(ties[d, r])) * pool[d]
            f += asked[d]
            pull[d] = balance[c, d] * asked[d]
            balanced += pull[d]
        den = pool[c] + f
        q = min(balanced / den, 1.0) if den > 0 else 0.0
        share = one - (one - np.float32(q)) ** coauthors
        papers_now[r] = out.papers[j]
        papers_cum[r] = np.float64(papers_cum[r]) + out.papers[j]
        impact[r] = (
            (w.base[out.cell[j]] + np.float64(w.talent * talent[r])) + np.float64(w.international * share)
        ) + np.float64(w.noise * out.noise[j])
        intl_now[r] = share
        p = np.float64(papers_now[r])
        coauthored = p * np.float64(share)
        weight = coauthored / max(balanced, 1e-300)
        result.country[j] = c
        result.papers[j] = p
        result.impact[j] = impact[r]
        result.sums[0, c] += p
        result.sums[1, c] += coauthored
        result.sums[2, c] += weight
        inv_den = 1.0 / den if den > 0 else 0.0
        for d in range(n_c):
            result.ties[c, d] += weight * np.float64(ties[d, r])
            result.demand[c, d] += p * asked[d] * inv_den
        # each co-author from d with probability pull[d] / den, capped so that they add to q
        scale = q / balanced if balanced > 0 else 0.0
        for d in partners.named:
            if d != c:
                result.with_partner[c, d] += p * (1.0 - _none_from(keep, pull[d] * scale))
    return result


#: Points of the table of ``(1 - x) ** coauthors`` over x in [0, 1] (:func:`_powers`)
POWER_POINTS = 4096


@jit
def _powers(coauthors: float) -> np.ndarray:
    """``(1 - j / POWER_POINTS) ** coauthors`` for j = 0..POWER_POINTS: the chance that
    none of a paper's co-authors is from a partner that each is from with probability x.
    Tabulated once a call because the exponent is the year's and a power per researcher
    and partner would double the step's time; linear interpolation in it is exact to
    ``coauthors * (coauthors - 1) / (8 * POWER_POINTS**2)`` (under 1e-6 for up to 10
    co-authors)."""
    keep = np.empty(POWER_POINTS + 1)
    for j in range(POWER_POINTS + 1):
        keep[j] = (1.0 - j / POWER_POINTS) ** coauthors
    keep[POWER_POINTS] = 0.0 if coauthors > 0 else 1.0
    return keep


@jit
def _none_from(keep: np.ndarray, x: float) -> float:
    """``(1 - x) ** coauthors`` from the table of :func:`_powers`, for x in [0, 1]."""
    u = min(max(x, 0.0), 1.0) * POWER_POINTS
    j = min(int(u), POWER_POINTS - 1)
    return keep[j] + (u - j) * (keep[j + 1] - keep[j])


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
