"""Step 4: contract ends (and the end of overseas fellowships).

A fixed-term contract whose last year (``contract_end``) was last year is renewed with the country's renewal chance,
as long as funded fixed-term posts remain. Someone who reached the cap on consecutive
fixed-term years (Japan's 10-year rule) cannot be renewed: they are converted to a
permanent post with the country's conversion chance when a permanent post is open,
otherwise they enter the market. Overseas fellows whose fellowship ends either return
to the post guaranteed at home or look for a post where they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..groups import take_up_to
from ..sectors import Sector
from . import contracts_kernels

if TYPE_CHECKING:
    from ..model import CirculationModel


def draw_contract_end(m: CirculationModel, rows: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Last year of a new fixed-term contract starting this year, by country's length mix."""
    end = np.zeros(rows.size, dtype=np.int16)
    for k, ctry in enumerate(m.country_list):
        here = country == k
        if here.any():
            years, probs = ctry.contract_length_probs()
            end[here] = m.year - 1 + m.rng.choice(years, size=int(here.sum()), p=probs)
    return end


def new_contracts(m: CirculationModel, rows: np.ndarray, country: np.ndarray, sector: np.ndarray) -> None:
    """Contract terms of ``rows`` about to take posts in ``sector`` of ``country`` (read
    before :meth:`~circsim.sim.population.Population.move`, which changes the post): a
    fixed-term post gets a contract end drawn from the country's length mix, others none;
    the fixed-term cap counts consecutive fixed-term years in one country, so its count
    starts again unless a fixed-term holder stays on a fixed-term post in the same country."""
    pop = m.pop
    moved = country != pop.country[rows]
    reset = moved | (pop.sector[rows] != Sector.ACAD_FIXED) | (sector != Sector.ACAD_FIXED)
    pop.fixed_years[rows[reset]] = 0
    fixed = sector == Sector.ACAD_FIXED
    pop.contract_end[rows] = 0
    pop.contract_end[rows[fixed]] = draw_contract_end(m, rows[fixed], country[fixed])


def contract_ends(m: CirculationModel, posts: np.ndarray, occupied: np.ndarray) -> dict[str, np.ndarray]:
    """Renew, convert or release fixed-term contracts whose last year was last year.

    ``posts`` and ``occupied`` are (C x sectors) funded and occupied posts before the
    decisions. Returns the rows renewed, converted and released to the market.
    """
    pop, rng, ca, year = m.pop, m.rng, m.this_year.countries, m.year
    ending = contracts_kernels.contracts_ending(pop.people, year)
    c = pop.country[ending].astype(np.int64)
    capped = pop.fixed_years[ending] >= ca.fixed_term_cap_years[c]
    # conversions under the cap rule, limited by open permanent posts
    want_conv = capped & (rng.random(ending.size) < ca.cap_conversion_prob[c])
    perm_open = np.maximum(posts[:, Sector.ACAD_PERM] - occupied[:, Sector.ACAD_PERM], 0)
    conv = np.zeros(ending.size, dtype=bool)
    conv[want_conv] = take_up_to(c[want_conv], rng.random(int(want_conv.sum())), perm_open)
    # renewals, limited by funded fixed-term posts not held by others
    fixed_open = np.maximum(
        posts[:, Sector.ACAD_FIXED] - (occupied[:, Sector.ACAD_FIXED] - np.bincount(c, minlength=m.n_countries)), 0
    )
    want_ren = ~capped & (rng.random(ending.size) < ca.renewal_prob[c])
    ren = np.zeros(ending.size, dtype=bool)
    ren[want_ren] = take_up_to(c[want_ren], rng.random(int(want_ren.sum())), fixed_open)

    converted, renewed, released = ending[conv], ending[ren], ending[~conv & ~ren]
    pop.move(converted, pop.country[converted], Sector.ACAD_PERM, year=year, tie_gain=m.p.tie_move_gain)
    pop.contract_end[converted] = 0
    pop.fixed_years[converted] = 0
    pop.contract_end[renewed] = draw_contract_end(m, renewed, pop.country[renewed])
    pop.release(released)
    pop.contract_end[released] = 0
    return {"renewed": renewed, "converted": converted, "released": released}


def fellowship_ends(m: CirculationModel) -> dict[str, np.ndarray]:
    """Overseas fellows at the end of their fellowship: with a guarantee they return
    home into the guaranteed sector; without one they look for a post where they are."""
    pop = m.pop
    ending = np.flatnonzero(~pop.gone & (pop.fellow_until > 0) & (pop.fellow_until < m.year))
    guaranteed = ending[pop.fellow_guarantee[ending] >= 0]
    free = ending[pop.fellow_guarantee[ending] < 0]
    pop.move(
        guaranteed,
        pop.nationality[guaranteed],
        pop.fellow_guarantee[guaranteed],
        year=m.year,
        tie_gain=m.p.tie_move_gain,
    )
    pop.fixed_years[guaranteed] = 0
    fixed = guaranteed[pop.sector[guaranteed] == Sector.ACAD_FIXED]
    pop.contract_end[guaranteed] = 0
    pop.contract_end[fixed] = pop.guaranteed_until[fixed]  # a fixed-term post for the guaranteed years
    pop.release(free)
    pop.fellow_until[ending] = 0
    pop.fellow_guarantee[ending] = -1
    return {"guaranteed": guaranteed, "free": free}
