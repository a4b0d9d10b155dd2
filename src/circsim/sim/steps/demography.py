"""Step 3: demography — ageing, retirement, exits from research, doctoral intake and
graduation.

Doctoral intake per country responds, with a lag, to how attractive the research career
looks there: the smoothed mean of the share of new PhDs who found a post and the share
of under-40 academics on permanent posts, relative to its value in the start year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..groups import categorical_rows, stochastic_round
from ..sectors import Sector, is_post, per_sector
from . import demography_kernels

if TYPE_CHECKING:
    from ..model import CirculationModel
    from .observation import YearLog


def exit_rates(p) -> np.ndarray:
    """Yearly hazard of leaving research, indexed by sector value (unemployed: first year)."""
    return per_sector(p, "exit_rate_{}_per_year")


def doctoral_survival(exit_rate: float, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per doctoral entrant, with one drop-out draw in each programme year (step 3, before
    the graduations): the chance of graduating, ``(1 - exit_rate) ** years``, and the
    doctoral students it keeps in a steady state, the sum of its survivals at the start
    of each programme year. What sizes intake from a country's doctorates, and the
    start-year doctoral stock from intake."""
    keep = 1.0 - exit_rate
    steps = np.arange(int(np.max(years)))
    in_programme = steps[None, :] < np.asarray(years)[:, None]
    return keep ** np.asarray(years, dtype=float), (keep**steps * in_programme).sum(axis=1)


def age_and_retire(m: CirculationModel) -> np.ndarray:
    """Everyone ages a year; those at retirement age, and leavers followed long enough,
    leave the population. Returns the rows removed."""
    pop, p = m.pop, m.p
    # consecutive fixed-term years count towards a cap only from the year its rule starts
    # (step 3 of year y counts year y-1 held, so Japan's count from 2013 first reaches 10 in 2023)
    rules = demography_kernels.AgeingRules(p.retirement_age_years, p.left_tracking_years, m.cap_from_year)
    return demography_kernels.age_and_retire(pop.people, m.year, rules)


def exits_from_research(m: CirculationModel) -> np.ndarray:
    """Exits by sector hazard; the unemployed leave faster the longer they search.
    Overseas fellows do not exit during the fellowship. Returns the rows that left."""
    pop, p = m.pop, m.p
    hazards = demography_kernels.ExitHazards(
        exit_rates(p), p.exit_rate_unemployed_increase_per_year, m.this_year.countries.doctoral_dropout_multiplier
    )
    rows = demography_kernels.exits_from_research(pop.people, m.rng.random(len(pop)), hazards)
    pop.leave_research(rows, m.year)
    return rows


def attractiveness(placement: np.ndarray, perm_share_u40: np.ndarray) -> np.ndarray:
    """How attractive a research career looks: mean of new-PhD placement rate and the
    permanent share among under-40 academics."""
    return 0.5 * placement + 0.5 * perm_share_u40


def perm_share_under40(m: CirculationModel) -> np.ndarray:
    """Share of under-40 academics on permanent posts, per country."""
    perm, allc = demography_kernels.young_academics(m.pop.people)
    return perm / np.maximum(allc, 1)


def intake_per_country(m: CirculationModel) -> np.ndarray:
    """Expected doctoral entrants per country this year (agent units)."""
    p, ca = m.p, m.this_year.countries
    # doctoral places follow the academic posts (supervisors, the grants paying students)
    base = m.base_intake * ca.academic_post_index**p.doctoral_capacity_elasticity * ca.doctoral_intake_multiplier
    hist = m.attract_history
    lagged_year = m.year - p.doctoral_intake_lag_years
    if not p.enable_intake_response or m.attract_ref is None or lagged_year not in hist:
        return base
    ratio = np.maximum(hist[lagged_year], 1e-3) / np.maximum(m.attract_ref, 1e-3)
    return base * ratio**p.doctoral_intake_elasticity


def draw_nationality(m: CirculationModel, host: np.ndarray, p_foreign: np.ndarray) -> np.ndarray:
    """Nationality of people entering ``host`` countries: the host's own, or with
    probability ``p_foreign`` (per row) another country drawn from where the host's
    foreign students and researchers come from (``origins.csv``). A nationality is a
    country of origin: where the person's education began."""
    rng = m.rng
    nat = host.astype(np.int8).copy()
    foreign = rng.random(host.size) < p_foreign
    if foreign.any():
        nat[foreign] = categorical_rows(m.origin_mix[host[foreign]], rng)
    return nat


def add_entrants(
    m: CirculationModel,
    host: np.ndarray,
    sector: np.ndarray | int,
    p_foreign: np.ndarray,
    age_mean: float,
    age_min: int,
    talent_mean: float,
    **fields: np.ndarray,
) -> slice:
    """Append people entering research in ``host`` countries (nationality drawn with
    ``p_foreign``, age ~ N(age_mean, 2) in [age_min, 45], talent ~ N(talent_mean, 1)).
    Returns their rows."""
    rng, n = m.rng, host.size
    nat = draw_nationality(m, host, p_foreign)
    age = np.clip(np.rint(rng.normal(age_mean, 2.0, n)), age_min, 45)
    rows = m.pop.append(
        n,
        nationality=nat,
        country=host.astype(np.int8),
        sector=sector,
        age=age,
        talent=rng.normal(talent_mean, 1.0, n),
        standing=np.where(nat == host, 0.2, 0.0),
        **fields,
    )
    return rows


def doctoral_intake(m: CirculationModel) -> slice:
    """Add this year's doctoral entrants. Returns their rows."""
    host = np.repeat(np.arange(m.n_countries), stochastic_round(intake_per_country(m), m.rng))
    return add_entrants(
        m,
        host,
        Sector.DOCTORAL,
        m.intl_doctoral_share[host],
        m.p.doctoral_entry_age_years,
        21,
        0.0,
        doctoral_left=m.doctoral_years[host],
    )


def graduations(m: CirculationModel) -> np.ndarray:
    """Doctoral students finishing this year become new PhDs looking for a post."""
    pop = m.pop
    rows = demography_kernels.graduations(pop.people)
    pop.sector[rows] = Sector.UNEMPLOYED
    pop.phd_year[rows] = m.year
    pop.phd_country[rows] = pop.country[rows]
    pop.unemployed_years[rows] = 0
    return rows


def direct_entry(m: CirculationModel, capacity: np.ndarray) -> slice:
    """Non-doctoral entrants fill part of the industry, government and startup vacancies
    left after the market (academic posts require a doctorate). ``capacity`` is the
    remaining (C x post-column) vacancies and is decreased in place."""
    p, rng = m.p, m.rng
    fill = stochastic_round(capacity[:, 2:] * p.direct_entry_fill_share, rng)
    capacity[:, 2:] -= fill
    cells = np.repeat(np.arange(fill.size), fill.ravel())
    host = cells // fill.shape[1]
    sector = (Sector.INDUSTRY + cells % fill.shape[1]).astype(np.int8)
    return add_entrants(
        m, host, sector, m.foreign_share_entry[host], p.direct_entry_age_years, 20, p.direct_entry_talent_mean
    )


def end_of_year_counters(m: CirculationModel) -> None:
    """Years without a post and years of overseas experience accumulate."""
    demography_kernels.end_of_year_counters(m.pop.people)


def update_attractiveness(m: CirculationModel, log: YearLog) -> None:
    """This year's smoothed attractiveness of the research career per country (new-PhD
    placement and the permanent share under 40), which doctoral intake follows with a lag."""
    placed = np.bincount(log.graduate_country[is_post(m.pop.sector[log.graduates])], minlength=m.n_countries)
    grads = np.bincount(log.graduate_country, minlength=m.n_countries)
    perm_share = perm_share_under40(m)
    placement = np.where(grads > 0, placed / np.maximum(grads, 1), np.nan)
    now = np.where(np.isnan(placement), perm_share, attractiveness(placement, perm_share))
    prev = m.attract_history.get(m.year - 1)
    if prev is not None:
        now = prev + m.p.attractiveness_smoothing * (now - prev)
    m.attract_history[m.year] = now
    if m.year == m.p.start_year:
        m.attract_ref = m.attract_history[m.year]
