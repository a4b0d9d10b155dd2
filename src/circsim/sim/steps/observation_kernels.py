"""Compiled (numba) loops of step 9, observation (:mod:`circsim.sim.steps.observation`):
the census of the living, nationals abroad, and the year's flows (rules in
:mod:`circsim.sim.kernel_common`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..kernel_common import ACAD_PERM, LEFT, STARTUP, jit
from ..population import People
from ..sectors import N_SECTORS


@jit
def nationals_abroad(people: People) -> np.ndarray:
    """People in research (doctoral study, a post or looking for one) outside their
    country of nationality, per nationality: ``np.bincount(nationality[~gone & (sector !=
    LEFT) & (nationality != country)], minlength=C)``."""
    gone, sector, nationality, country = people.gone, people.sector, people.nationality, people.country
    out = np.zeros(people.ties.shape[0], np.int64)  # ties has a row per country
    for i in range(sector.size):
        if not gone[i] and sector[i] != LEFT and nationality[i] != country[i]:
            out[nationality[i]] += 1
    return out


@jit
def census(people: People, year: int) -> tuple[np.ndarray, np.ndarray]:
    """The living by (country, sector, under 40, foreign national, overseas experience),
    and post holders who made no international move in ``year`` (stayers) per country::

        live = ~gone
        cell = (country, sector, age < 40, nationality != country, years_abroad > 0)
        counts = np.bincount(np.ravel_multi_index(cell, (C, N_SECTORS, 2, 2, 2))[live],
                             minlength=C * N_SECTORS * 8).reshape(C, N_SECTORS, 2, 2, 2)
        stayers = np.bincount(country[live & is_post(sector) & (last_move_year != year)], minlength=C)
    """
    gone, country, sector, age = people.gone, people.country, people.sector, people.age
    nationality, years_abroad, last_move_year = people.nationality, people.years_abroad, people.last_move_year
    n_countries = people.ties.shape[0]  # ties has a row per country
    counts = np.zeros((n_countries, N_SECTORS, 2, 2, 2), np.int64)
    stayers = np.zeros(n_countries, np.int64)
    for i in range(sector.size):
        if gone[i]:
            continue
        c, s = country[i], sector[i]
        counts[c, s, int(age[i] < 40), int(nationality[i] != c), int(years_abroad[i] > 0)] += 1
        if ACAD_PERM <= s <= STARTUP and last_move_year[i] != year:
            stayers[c] += 1
    return counts, stayers


class FlowCodes(NamedTuple):
    """Sector codes of the flows: the sector values, then entry and exit."""

    n: int  # number of codes
    entry: int  # from-code of those who entered during the year
    exit: int  # to-code of those who left the population


@jit
def flow_counts(people: People, country_start: np.ndarray, sector_start: np.ndarray, codes: FlowCodes) -> np.ndarray:
    """People per (origin, destination, nationality, from code, to code), C order over
    (countries, countries, countries, codes, codes): those present at the start (the first
    ``n0 = country_start.size`` rows) who changed country or sector or left (to
    ``codes.exit``), and the living who entered during the year (from ``codes.entry``)::

        c1 = np.where(gone[:n0], country_start, country[:n0])
        s1 = np.where(gone[:n0], codes.exit, sector[:n0])
        moved = (c1 != country_start) | (s1 != sector_start)
        entered = ~gone[n0:]
        origin = np.r_[country_start[moved], country[n0:][entered]]   # likewise the others
        np.bincount(np.ravel_multi_index((origin, destination, nationality, from_code, to_code),
                                         (C, C, C, codes.n, codes.n)), minlength=C**3 * codes.n**2)
    """
    gone, country, sector, nationality = people.gone, people.country, people.sector, people.nationality
    c, k = people.ties.shape[0], codes.n  # ties has a row per country
    entry, exit_ = codes.entry, codes.exit
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
