"""Initialization: the population of the first simulated year (start year minus burn-in),
sized from the country data at the start year.

Stocks are the FTE researchers of each country's reference year back-cast to the start
year with its historical growth (agents are FTE-equivalent persons), split by the
sector shares and the initial fixed-term share of academia. These stocks are the funded
posts; the initial population fills all but ``vacancy_share_init`` of them. Individual attributes
(ages, contract ends, experience, ties) are drawn from simple assumed distributions;
the burn-in years let them settle into the model's own dynamics.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputError
from .country import growth_path
from .groups import stochastic_round
from .params import CountryParams, ModelParams
from .sectors import Sector
from .steps.demography import draw_nationality

if TYPE_CHECKING:
    from .model import CirculationModel
    from .scenario import Scenario

# Age distributions by sector at initialization: (mean, sd, min, max); assumed.
AGE = {
    Sector.ACAD_PERM: (50, 8, 32, 64),
    Sector.ACAD_FIXED: (36, 6, 27, 60),
    Sector.INDUSTRY: (43, 10, 23, 64),
    Sector.GOVERNMENT: (45, 10, 25, 64),
    Sector.STARTUP: (38, 8, 23, 64),
    Sector.UNEMPLOYED: (33, 5, 27, 55),
    Sector.DOCTORAL: (27, 2, 22, 40),
}
#: Share of non-academic researchers holding a doctorate; assumed.
PHD_SHARE = {Sector.INDUSTRY: 0.1, Sector.GOVERNMENT: 0.5, Sector.STARTUP: 0.3}
UNEMPLOYED_PER_ACADEMIC = 0.03  # assumed
#: Latent-talent advantage of permanent academics (selected by past hiring); assumed.
PERMANENT_TALENT_PREMIUM = 0.3
#: Age at the doctorate, and papers a year since this age, for the initial record; assumed.
PHD_AGE_YEARS = 30
RECORD_START_AGE_YEARS = 28
RECORD_PAPERS_PER_YEAR = 1.0
#: Overseas experience: foreign nationals have U(1, 10) years; this share of nationals U(0.5, 4); assumed.
FOREIGN_YEARS_ABROAD = (1.0, 10.0)
OVERSEAS_EXPERIENCE_SHARE_INIT = 0.15
NATIONAL_YEARS_ABROAD = (0.5, 4.0)
#: Domestic standing: foreign nationals, nationals in academia or government U(lo, hi), other nationals; assumed.
STANDING_FOREIGN = 0.1
STANDING_INSIDER = (0.3, 1.0)
STANDING_OTHER = 0.2
#: Consecutive fixed-term years already counted under a cap rule: uniform 0..this; assumed.
FIXED_YEARS_MAX = 5


#: Peak memory of a run per agent (state arrays plus the step's temporaries) and its fixed
#: part (interpreter, numba, pandas), bytes: a 1:10 run peaks at about 700 MB with 1.9 M
#: agents (docs/performance.md), so 400 B an agent is a generous bound.
PEAK_BYTES_PER_AGENT = 400
BASE_BYTES = 300e6
#: Agents besides the researchers on posts (doctoral students, unemployed, leavers followed).
AGENTS_PER_RESEARCHER = 1.35
#: Share of the machine's memory a run may plan to use.
MEMORY_SHARE = 0.8


def peak_people(cp: list[CountryParams], p: ModelParams) -> float:
    """Most real people a run will follow: every country's researchers at their largest
    along the growth path of the horizon, with the people not on posts."""
    total = 0.0
    for c in cp:
        growth = (c.growth_data_per_year, c.growth_projection_per_year)
        ends = [growth_path(y, c.researchers_ref_year, *growth) for y in (p.start_year - p.burn_in_years, p.end_year)]
        total += c.researchers_fte * max(ends) / growth_path(c.researchers_ref_year, c.researchers_ref_year, *growth)
    return total * AGENTS_PER_RESEARCHER


def machine_memory_bytes() -> float:
    """Physical memory of this machine (bytes)."""
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check_memory(cp: list[CountryParams], p: ModelParams, source: str) -> None:
    """An InputError, before anything is allocated, if the run would need more memory
    than this machine has (a scale too fine for the horizon)."""
    people = peak_people(cp, p)
    agents = people / p.scale
    need = BASE_BYTES + PEAK_BYTES_PER_AGENT * agents
    have = MEMORY_SHARE * machine_memory_bytes()
    if not need <= have:  # also catches inf
        finest = PEAK_BYTES_PER_AGENT * people / max(have - BASE_BYTES, 1.0)
        raise InputError(
            f"a run at this scale needs about {need / 2**30:,.3g} GiB ({agents:,.3g} agents); "
            f"this machine has {machine_memory_bytes() / 2**30:,.1f} GiB",
            source=source,
            key="model.scale",
            value=p.scale,
            allowed=f"scale >= {finest:.3g} (real researchers per agent) for years {p.start_year}-{p.end_year}",
        )


def check_scenario_memory(scenario: Scenario, source: str) -> None:
    """:func:`check_memory` for a validated scenario (before any model is built)."""
    from .inputs import load_regions
    from .scenario import country_params

    cp = country_params(scenario, source)
    check_memory([cp[r.code] for r in load_regions(scenario.model.world)], scenario.model, source)


def start_stocks(cp: list[CountryParams], start_year: int, scale: float) -> np.ndarray:
    """Researchers per country at the start year, agent units (back-cast with historical growth)."""
    return (
        np.array(
            [c.researchers_fte * (1 + c.growth_data_per_year) ** (start_year - c.researchers_ref_year) for c in cp]
        )
        / scale
    )


def sector_counts(c: CountryParams, total: float) -> dict[Sector, float]:
    """Expected agents per sector for one country."""
    univ = total * c.share_university
    business = total * (1 - c.share_university - c.share_government)
    return {
        Sector.ACAD_PERM: univ * (1 - c.fixed_term_share_init),
        Sector.ACAD_FIXED: univ * c.fixed_term_share_init,
        Sector.INDUSTRY: business * (1 - c.startup_share_of_business),
        Sector.STARTUP: business * c.startup_share_of_business,
        Sector.GOVERNMENT: total * c.share_government,
        Sector.UNEMPLOYED: univ * UNEMPLOYED_PER_ACADEMIC,
    }


def initial_population(m: CirculationModel, cp: list[CountryParams]) -> np.ndarray:
    """Create the start-year population in ``m.pop``. Returns researcher stocks per country (agents)."""
    rng, p = m.rng, m.p
    stocks = start_stocks(cp, p.start_year, p.scale)  # = funded posts at the start year
    # doctoral students: the steady state of the start-year intake under the drop-out hazard
    hosts, sectors = [], []
    for k, c in enumerate(cp):
        counts = sector_counts(c, stocks[k] * (1 - p.vacancy_share_init))
        counts[Sector.DOCTORAL] = m.base_intake[k] * m.students_per_entrant[k]
        for sec, x in counts.items():
            nk = int(stochastic_round(x, rng))
            hosts.append(np.full(nk, k))
            sectors.append(np.full(nk, int(sec)))
    host = np.concatenate(hosts).astype(np.int64)
    sector = np.concatenate(sectors).astype(np.int8)
    n = host.size
    foreign_share = np.where(sector == Sector.DOCTORAL, m.intl_doctoral_share[host], m.foreign_share_entry[host])
    nat = draw_nationality(m, host, foreign_share) if n else host.astype(np.int8)
    age = np.zeros(n)
    for sec, (mu, sd, lo, hi) in AGE.items():
        sel = sector == sec
        age[sel] = np.clip(np.rint(rng.normal(mu, sd, sel.sum())), lo, hi)
    academic = (sector == Sector.ACAD_PERM) | (sector == Sector.ACAD_FIXED) | (sector == Sector.UNEMPLOYED)
    has_phd = academic.copy()
    for sec, share in PHD_SHARE.items():
        sel = sector == sec
        has_phd[sel] = rng.random(sel.sum()) < share
    phd_year = np.where(has_phd, m.year - np.maximum(age - PHD_AGE_YEARS, 0), -1)
    doctoral_left = np.where(sector == Sector.DOCTORAL, rng.integers(1, m.doctoral_years[host] + 1), 0)
    foreign = nat != host
    years_abroad = np.where(
        foreign,
        rng.uniform(*FOREIGN_YEARS_ABROAD, n),
        np.where(rng.random(n) < OVERSEAS_EXPERIENCE_SHARE_INIT, rng.uniform(*NATIONAL_YEARS_ABROAD, n), 0.0),
    )
    insider = academic | (sector == Sector.GOVERNMENT)
    standing = np.where(foreign, STANDING_FOREIGN, np.where(insider, rng.uniform(*STANDING_INSIDER, n), STANDING_OTHER))
    rows = m.pop.append(
        n,
        nationality=nat,
        country=host.astype(np.int8),
        sector=sector,
        age=age,
        phd_year=phd_year,
        phd_country=np.where(has_phd, host, -1).astype(np.int8),  # unknown: taken where they work
        doctoral_left=doctoral_left,
        fixed_years=np.where(
            (sector == Sector.ACAD_FIXED) & (m.year > m.cap_from_year[host]),
            np.minimum(rng.integers(0, FIXED_YEARS_MAX + 1, n), m.year - m.cap_from_year[host]),
            0,
        ),
        talent=rng.standard_normal(n) + PERMANENT_TALENT_PREMIUM * (sector == Sector.ACAD_PERM),
        years_abroad=years_abroad,
        standing=standing,
        papers_cum=np.where(academic, np.maximum(age - RECORD_START_AGE_YEARS, 0) * RECORD_PAPERS_PER_YEAR, 0.0),
    )
    pop = m.pop
    fixed = np.flatnonzero(sector == Sector.ACAD_FIXED)
    for k, ctry in enumerate(m.country_list):
        here = fixed[host[fixed] == k]
        years, probs = ctry.contract_length_probs()
        length = rng.choice(years, size=here.size, p=probs)
        pop.contract_end[rows.start + here] = m.year - 1 + rng.integers(1, length + 1)
    # ties start at the level where their yearly growth (section 7.8: foreign colleagues
    # at work, the country's openness, a national abroad's home) balances their decay,
    # spread by Exp(1), so the burn-in starts near the model's own balance
    openness = np.array([c.collab_openness for c in cp])
    foreign_share = np.array([c.foreign_share_init for c in cp])
    share = stocks / stocks.sum()
    gain = (
        p.tie_colocation_gain * foreign_share[:, None] * m.origin_mix + p.tie_openness_gain * openness[:, None] * share
    )
    ties = gain[host] / p.tie_decay_per_year
    ties[np.arange(n), nat] += foreign * p.tie_openness_gain / p.tie_decay_per_year
    ties *= rng.exponential(1.0, (n, len(cp)))
    ties[np.arange(n), host] = 0.0
    pop.ties[:, rows] = ties.T
    return stocks
