"""Compiled (numba) loops of step 3, demography (:mod:`circsim.sim.steps.demography`):
ageing and retirement, exits, graduations, young academics, and the end-of-year
counters (rules in :mod:`circsim.sim.kernel_common`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..kernel_common import ACAD_FIXED, ACAD_PERM, DOCTORAL, LEFT, UNEMPLOYED, jit
from ..population import People


class AgeingRules(NamedTuple):
    """When people leave the population, and from when fixed-term years count."""

    retirement_age: int
    tracking_years: int  # leavers are followed this many years
    cap_from_year: np.ndarray  # per country: fixed-term years count after this year


class ExitHazards(NamedTuple):
    """Yearly hazards of leaving research."""

    by_sector: np.ndarray  # indexed by sector value (unemployed: first year)
    unemployed_increase: float  # added per year without a post after the first
    dropout_multiplier: np.ndarray  # per country, on doctoral study


@jit
def age_and_retire(people: People, year: int, rules: AgeingRules) -> np.ndarray:
    """Everyone ages a year; fixed-term years count where the cap rule is on; those at
    retirement age and leavers followed ``tracking_years`` are marked gone. Returns them.

    In place, for ``live = ~gone``: ``age[live] += 1``; ``fixed_years[live & (sector ==
    ACAD_FIXED) & (year > cap_from_year[country])] += 1``; ``out = np.flatnonzero(live &
    ((age >= retirement_age) | ((sector == LEFT) & (year - left_year >= tracking_years))))``
    (with the new age); ``gone[out] = True``.
    """
    gone, age, sector, country = people.gone, people.age, people.sector, people.country
    fixed_years, left_year, cap_from_year = people.fixed_years, people.left_year, rules.cap_from_year
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if gone[i]:
            continue
        age[i] += 1
        s = sector[i]
        if s == ACAD_FIXED and year > cap_from_year[country[i]]:
            fixed_years[i] += 1
        if age[i] >= rules.retirement_age or (s == LEFT and year - left_year[i] >= rules.tracking_years):
            gone[i] = True
            out[k] = i
            k += 1
    return out[:k]


@jit
def exits_from_research(people: People, u: np.ndarray, hazards: ExitHazards) -> np.ndarray:
    """Rows whose draw ``u`` falls below their exit hazard, for those at risk (not gone,
    not left, not overseas fellows): ``h = by_sector[sector]``, ``+ unemployed_increase *
    np.maximum(unemployed_years - 1, 0)`` where unemployed, ``* dropout_multiplier[country]``
    in doctoral study; ``np.flatnonzero(at_risk & (u < np.minimum(h, 1.0)))``."""
    gone, sector, country, fellow_until = people.gone, people.sector, people.country, people.fellow_until
    unemployed_years, rates, dropout = people.unemployed_years, hazards.by_sector, hazards.dropout_multiplier
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        s = sector[i]
        if gone[i] or s == LEFT or fellow_until[i] != 0:
            continue
        h = rates[s]
        if s == UNEMPLOYED:
            h += hazards.unemployed_increase * max(unemployed_years[i] - 1, 0)
        elif s == DOCTORAL:
            h *= dropout[country[i]]
        if u[i] < min(h, 1.0):
            out[k] = i
            k += 1
    return out[:k]


@jit
def graduations(people: People) -> np.ndarray:
    """A year of doctoral study passes; returns the students with none left: for
    ``study = ~gone & (sector == DOCTORAL)``, ``doctoral_left[study] -= 1`` in place, then
    ``np.flatnonzero(study & (doctoral_left <= 0))``."""
    gone, sector, doctoral_left = people.gone, people.sector, people.doctoral_left
    out = np.empty(sector.size, np.int64)
    k = 0
    for i in range(sector.size):
        if not gone[i] and sector[i] == DOCTORAL:
            doctoral_left[i] -= 1
            if doctoral_left[i] <= 0:
                out[k] = i
                k += 1
    return out[:k]


@jit
def young_academics(people: People) -> tuple[np.ndarray, np.ndarray]:
    """Academics under 40 per country, and those of them on permanent posts: for
    ``young = ~gone & is_academic(sector) & (age < 40)``, ``np.bincount(country[young &
    (sector == ACAD_PERM)], minlength=C)`` and ``np.bincount(country[young], minlength=C)``."""
    gone, sector, age, country = people.gone, people.sector, people.age, people.country
    n_countries = people.ties.shape[0]  # ties has a row per country
    perm = np.zeros(n_countries, np.int64)
    total = np.zeros(n_countries, np.int64)
    for i in range(sector.size):
        s = sector[i]
        if not gone[i] and ACAD_PERM <= s <= ACAD_FIXED and age[i] < 40:
            total[country[i]] += 1
            if s == ACAD_PERM:
                perm[country[i]] += 1
    return perm, total


@jit
def end_of_year_counters(people: People) -> None:
    """Years without a post (at most 100) and years abroad (in research outside the
    country of nationality) accumulate, in place: for ``live = ~gone``,
    ``unemployed_years[live & (sector == UNEMPLOYED)]`` becomes ``np.minimum(u + 1, 100)``
    and ``years_abroad[live & (sector != LEFT) & (nationality != country)] += np.float32(1.0)``."""
    gone, sector, nationality, country = people.gone, people.sector, people.nationality, people.country
    unemployed_years, years_abroad = people.unemployed_years, people.years_abroad
    for i in range(sector.size):
        if gone[i]:
            continue
        s = sector[i]
        if s == UNEMPLOYED:
            unemployed_years[i] = min(unemployed_years[i] + 1, 100)
        if s != LEFT and nationality[i] != country[i]:
            years_abroad[i] += np.float32(1.0)
