"""Seekers' side of the job market: which vacancies they see and how they rank them.

Visibility (information frictions): a vacancy in the seeker's current country is always
seen; one abroad is seen with a probability that grows with the seeker's ties to that
country and the diaspora of their nationality there (its share of the host's
researchers); home vacancies seen from abroad also get the home country's information
channels (embassy fellows, contact window).

Random utility of a post in country c, sector s for seeker i::

    U = w_sec*security[c,s] + w_pay*log pay[c,s] + w_rt*research_time[c,s]
        + w_fund*log funding[c] (academic) + w_acad*[s academic]
        + w_home*[c = nationality] + w_dia*community[nat, c] + w_ties*ties[i, c]
        - [c != current]*(move + move_age*max(age-30, 0)/10 + move_dist*km/10^4)
        + w_ov*[c != nationality]*overseas_value[nat]
        + log(V[c] / market_size_reference) + Gumbel noise

``V[c]`` is the country's openings this year (its size term, added in
:func:`circsim.sim.steps.market.market_size`: a country is an aggregate of its openings,
so the choice does not depend on how the world is cut into countries).

``community[nat, c] = x^2 / (x^2 + half^2)`` is the attraction of the community of the
seeker's co-nationals in c, with ``x`` their share of c's researchers (the chance of
finding co-nationals where one would work; counted larger by lever support) and
``half`` = ``community_half_share``: saturating, and convex while small, so that a small
community adds little to a host and a growing one can tip it.

``overseas_value[nat]`` is the expected worth of overseas experience on a later return
home: the home country's valuation of it minus its insider preference times the yearly
decay of domestic standing abroad (``standing_decay_abroad_per_year``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..country import CountryArrays
from ..params import ModelParams
from ..population import Population
from ..sectors import N_POST, Sector
from . import market_kernels


@dataclass
class MarketContext:
    """Country- and cell-level terms of the year's market, computed once per year."""

    cell_utility: np.ndarray  # (C, N_POST) deterministic part of U for a post
    diaspora: np.ndarray  # (C nat, C host) co-national share of the host's researchers
    community: np.ndarray  # (C nat, C host) attraction of the co-national community, 0..1
    distance_1e4km: np.ndarray  # (C, C)
    overseas_value: np.ndarray  # (C,)
    home_visibility_abroad: np.ndarray  # (C nat, C host)


def security(ca: CountryArrays, p: ModelParams) -> np.ndarray:
    """Post security per country x post sector (0..1)."""
    c = ca.mean_contract_years.shape[0]
    sec = np.empty((c, N_POST))
    sec[:, 0] = p.security_acad_perm
    sec[:, 1] = np.minimum(p.security_acad_fixed_base + 0.05 * ca.mean_contract_years, 1.0)
    sec[:, 2] = p.security_industry
    sec[:, 3] = p.security_government
    sec[:, 4] = p.security_startup
    return sec


def research_time(ca: CountryArrays, p: ModelParams) -> np.ndarray:
    """Research-time share per country x post sector."""
    c = ca.research_time_share.shape[0]
    rt = np.empty((c, N_POST))
    rt[:, 0] = rt[:, 1] = ca.research_time_share
    rt[:, 2] = p.research_time_industry
    rt[:, 3] = p.research_time_government
    rt[:, 4] = p.research_time_startup
    return rt


def cell_utility(ca: CountryArrays, p: ModelParams) -> np.ndarray:
    """Deterministic utility of a post per country x post sector."""
    pay_mult = np.array(
        [
            1.0,
            p.pay_multiplier_acad_fixed,
            p.pay_multiplier_industry,
            p.pay_multiplier_government,
            p.pay_multiplier_startup,
        ]
    )
    academic = np.array([1.0, 1.0, 0.0, 0.0, 0.0])
    u = (
        p.utility_security * security(ca, p)
        + p.utility_log_pay * np.log(ca.pay_index[:, None] * pay_mult[None, :])
        + p.utility_research_time * research_time(ca, p)
        + p.utility_log_funding * np.log(ca.funding_rel)[:, None] * academic
        + p.utility_academia_taste * academic
    )
    return u


def diaspora_counts(pop: Population) -> np.ndarray:
    """Post holders (not leaving) by nationality x host country, in agents."""
    return market_kernels.post_holders_by_nationality(pop.people)


def diaspora_share(counts: np.ndarray) -> np.ndarray:
    """Share of each host's researchers holding each nationality (diagonal zeroed)."""
    share = counts / np.maximum(counts.sum(axis=0, keepdims=True), 1)
    np.fill_diagonal(share, 0.0)
    return share


def community_attraction(share: np.ndarray, support: np.ndarray, half: float) -> np.ndarray:
    """Attraction (0..1) of the community of co-nationals in each host, nationality x
    host: ``x^2 / (x^2 + half^2)`` with ``x`` their share of the host's researchers times
    ``1 + support`` (lever support for the community); zero at home."""
    x2 = (share * (1.0 + support)) ** 2
    return x2 / (x2 + half**2)


def build_context(ca: CountryArrays, p: ModelParams, counts: np.ndarray, distance_km: np.ndarray) -> MarketContext:
    """Assemble the year's market context from the post holders by nationality x host
    (``counts``, agents)."""
    share = diaspora_share(counts)
    return MarketContext(
        cell_utility=cell_utility(ca, p),
        diaspora=share,
        community=community_attraction(share, ca.community_support, p.community_half_share),
        distance_1e4km=distance_km / 1e4,
        overseas_value=ca.overseas_valuation - ca.insider_preference * p.standing_decay_abroad_per_year,
        home_visibility_abroad=ca.home_visibility_abroad,
    )


def seeker_country_terms(
    ctx: MarketContext, p: ModelParams, pop: Population, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Seeker x country part of the utility (home, diaspora, ties, moving, overseas value)
    and the probability that each seeker sees the vacancies of each country, both n x C,
    for the people in ``rows`` (one compiled pass)."""
    countries = market_kernels.CountryTerms(
        ctx.diaspora, ctx.community, ctx.distance_1e4km, ctx.overseas_value, ctx.home_visibility_abroad
    )
    return market_kernels.seeker_country_terms(pop.people, rows, countries, seeker_weights(p))


def seeker_weights(p: ModelParams) -> market_kernels.SeekerWeights:
    """The weights of the seeker x country terms, float32 for the terms numpy computes in
    float32 (float32 state times a Python float: ties, age)."""
    f32 = np.float32
    return market_kernels.SeekerWeights(
        home=p.utility_home,
        diaspora=p.utility_diaspora,
        move_per_1e4km=p.utility_move_cost_per_10000_km,
        overseas_value=p.utility_overseas_value,
        visibility_diaspora=p.visibility_diaspora,
        ties=f32(p.utility_ties),
        move=f32(p.utility_move_cost),
        move_per_decade_over_30=f32(p.utility_move_cost_per_decade_over_30),
        visibility_base=f32(p.visibility_abroad_base),
        visibility_ties=f32(p.visibility_ties),
        visibility_home=f32(p.visibility_home_from_abroad),
        information_frictions=p.enable_information_frictions,
    )


def sector_column(sector: np.ndarray) -> np.ndarray:
    """Post-sector column (0..N_POST-1) of sector values; -1 where not a post."""
    col = sector.astype(np.int64) - int(Sector.ACAD_PERM)
    return np.where((col >= 0) & (col < N_POST), col, -1)
