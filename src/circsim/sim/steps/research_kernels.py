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
    """Where co-authors come from: each country's pull as a partner pool, and how a
    researcher's ties with a country add to the pull of its pool."""

    pool: np.ndarray  # (C,) float64: a country's output to the pool elasticity
    base: float  # weight of a foreign pool without any tie with it
    per_tie: float  # weight added per unit of tie
    coauthors: float  # co-authors per paper (authors per paper - 1)


@jit
def foreign_pulls(people: People, rows: np.ndarray, partners: Partners) -> np.ndarray:
    """Per post holder in ``rows`` (working in ``c``), the pull of the foreign pools:
    ``sum over d != c of (base + per_tie * ties[d, r]) * pool[d]`` (float64). Computed as
    the sum over every country minus the own country's term, the sum taken country by
    country over the rows so that the country-major ties are read in order (no branch)."""
    country, ties = people.country, people.ties
    pool, base, per_tie = partners.pool, partners.base, partners.per_tie
    total = 0.0
    for d in range(pool.size):
        total += base * pool[d]
    out = np.empty(rows.size)
    for j in range(rows.size):
        r = rows[j]
        c = country[r]
        out[j] = total - (base + per_tie * np.float64(ties[c, r])) * pool[c]
    for d in range(ties.shape[0]):
        weight = per_tie * pool[d]
        for j in range(rows.size):
            out[j] += weight * np.float64(ties[d, rows[j]])
    return out


@jit
def international_shares(people: People, rows: np.ndarray, pulls: np.ndarray, partners: Partners) -> np.ndarray:
    """Per post holder in ``rows`` (working in ``c``, with the foreign pull ``F`` of
    :func:`foreign_pulls`): the probability that a paper has a co-author abroad, each of
    its ``coauthors`` co-authors being foreign with probability ``q = F / (pool[c] + F)``::

        intl = 1 - (1 - q) ** coauthors     (q and the power in float32)
    """
    country = people.country
    out = np.empty(rows.size, np.float32)
    one, coauthors = np.float32(1.0), np.float32(partners.coauthors)  # float32 power: 2-3 times faster
    for j in range(rows.size):
        f = max(pulls[j], 0.0)  # a difference of sums: may be a rounding error below 0
        den = partners.pool[country[rows[j]]] + f
        q = np.float32(f / den) if den > 0 else np.float32(0.0)
        out[j] = one - (one - q) ** coauthors
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


@jit
def weighted_ties(people: People, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(country of work x partner country) sums of ``weights`` times ties over the rows::

        T[c, d] = sum over j with country[rows[j]] == c of weights[j] * ties[d, rows[j]]

    (float64), summed country by country over the rows, so the country-major ties are
    read in order."""
    country, ties = people.country, people.ties
    n_c = ties.shape[0]
    out = np.zeros((n_c, n_c))
    for d in range(n_c):
        for j in range(rows.size):
            r = rows[j]
            out[country[r], d] += weights[j] * np.float64(ties[d, r])
    return out


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
