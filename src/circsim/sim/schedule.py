"""The model's year as data: the ordered steps and the state they hand each other.

:data:`YEAR` lists the steps of one simulated year in the order of the ODD's process
overview; :meth:`circsim.sim.model.CirculationModel.step` runs them in that order. What
one step leaves for the next (the stacked country states, the funded posts, the job
market's context and the vacancies left after it, the year's log) is declared once in
:class:`YearState`, the model's ``this_year``; nothing else is parked on the model
between steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .country import CountryArrays, stack_states
from .groups import stochastic_round
from .sectors import N_POST, NONACADEMIC_POST_COLUMNS, NONACADEMIC_SECTORS, post_columns
from .steps import contracts, demography, market, research, returns, visits
from .steps.choice import MarketContext, build_context, diaspora_counts
from .steps.funding import posts_from_funding, vacancies
from .steps.observation import YearLog
from .steps.observation_kernels import nationals_abroad

if TYPE_CHECKING:
    from .model import CirculationModel


@dataclass
class YearState:
    """What the steps of one year hand each other. Fields without a default are set by
    the step named in their comment and read only by later steps of the same year."""

    record: bool  # a recorded year (levers act, indicators are observed) rather than burn-in
    log: YearLog  # what happened, for the observation
    cost_yen: np.ndarray  # (C,) this year's lever cost per country
    countries: CountryArrays = field(init=False)  # 1. every country's state after levers, stacked
    posts: np.ndarray = field(init=False)  # 2. funded posts (C x sectors, agents)
    homeward: np.ndarray = field(init=False)  # 5. nationals abroad looking for a post at home (rows)
    market: MarketContext = field(init=False)  # 6. the job market's country- and cell-level terms


def begin_year(m: CirculationModel, record: bool) -> YearState:
    """The state at the start of a year: who is where, before anything happens."""
    pop = m.pop
    log = YearLog(
        n_start=len(pop),
        country_start=pop.country.copy(),
        sector_start=pop.sector.copy(),
        nationals_abroad_start=nationals_abroad(pop.people).astype(float),
    )
    pop.visit_dest[:] = -1
    return YearState(record=record, log=log, cost_yen=np.zeros(m.n_countries))


def funding_and_policy(m: CirculationModel, now: YearState) -> None:
    """1. Every country resets its funding and rules for the year; active levers act on
    them (recorded years only; burn-in runs at start-year funding)."""
    p = m.p
    for ctry in m.country_list:
        ctry.start_year(max(m.year, p.start_year))
    for name, lever in m.levers.items():
        if now.record and lever.active(m.year):
            ctry = m.country_list[m.lever_countries[name]]
            ctry.state.lever_cost_yen[name] = c = float(lever.apply(m, ctry))
            now.cost_yen[ctry.index] += c
    now.countries = stack_states(m.country_list, p, m.fixed_share_ref)


def posts_and_vacancies(m: CirculationModel, now: YearState) -> None:
    """2. Funded posts from the funding streams (vacancies are taken after steps 3-4)."""
    funded, m.academic_posts = posts_from_funding(m.ref_posts, now.countries, m.p, m.academic_posts)
    now.posts = stochastic_round(funded, m.rng)


def demography_step(m: CirculationModel, now: YearState) -> None:
    """3. Ageing and retirement, exits from research, graduations, doctoral intake."""
    pop, log = m.pop, now.log
    demography.age_and_retire(m)
    log.exits = demography.exits_from_research(m)
    log.exit_country = pop.country[log.exits].astype(np.int64)
    log.graduates = demography.graduations(m)
    log.graduate_country = pop.country[log.graduates].astype(np.int64)
    entrants = demography.doctoral_intake(m)
    log.intake = np.bincount(pop.country[entrants], minlength=m.n_countries).astype(float)


def contract_ends_step(m: CirculationModel, now: YearState) -> None:
    """4. Fixed-term contracts ending (renewal, cap, conversion); fellowships ending."""
    contracts.contract_ends(m, now.posts, m.occupied_posts())
    contracts.fellowship_ends(m)


def return_decisions(m: CirculationModel, now: YearState) -> None:
    """5. Nationals abroad decide whether to look for a post at home this year (if enabled)."""
    now.homeward = returns.homeward(m)


def job_market(m: CirculationModel, now: YearState) -> None:
    """6. The two-sided job market (with the nationals abroad looking homeward), then
    non-doctoral entry into what it leaves."""
    pop, p, n, log = m.pop, m.p, m.n_countries, now.log
    now.market = build_context(now.countries, p, diaspora_counts(pop), m.distance_km)
    capacity = post_columns(vacancies(now.posts, m.occupied_posts()))
    log.market_vacancies = capacity.copy()
    nonacademic = capacity[:, NONACADEMIC_POST_COLUMNS]
    # most non-academic vacancies go to non-doctoral entrants, outside this market; a
    # vacancy is one of the lever posts that hire through the market (startup support)
    # in proportion to their share of the funded posts
    open_share = np.minimum(p.nonacademic_market_share * now.countries.nonacademic_access, 1.0)[:, None]
    funded = now.posts[:, NONACADEMIC_SECTORS]
    lever_share = np.minimum(now.countries.market_posts[:, NONACADEMIC_SECTORS] / np.maximum(funded, 1), 1.0)
    open_share = lever_share + (1.0 - lever_share) * open_share
    reserved = nonacademic - stochastic_round(nonacademic * open_share, m.rng)
    nonacademic -= reserved
    seekers, homeward = _with_homeward(market.find_seekers(m), now.homeward, len(pop))
    hired = market.apply_hires(m, seekers, market.run_market(m, seekers, capacity, homeward))
    nonacademic += reserved
    log.market_hires = np.bincount(
        pop.country[hired].astype(np.int64) * N_POST + pop.sector[hired] - 1, minlength=n * N_POST
    ).reshape(n, N_POST)
    demography.direct_entry(m, capacity)


def _with_homeward(seekers: np.ndarray, homeward: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The seekers and those looking homeward, in row order, and which of them look homeward."""
    seeking, home = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    seeking[seekers] = seeking[homeward] = home[homeward] = True
    rows = np.flatnonzero(seeking)
    return rows, home[rows]


def long_visits(m: CirculationModel, now: YearState) -> None:
    """7. Long visits abroad (travellers), if enabled."""
    now.log.visits = visits.long_visits(m) if m.p.enable_long_visits else np.zeros(0, dtype=np.int64)


def research_production(m: CirculationModel, now: YearState) -> None:
    """8. Papers, impact, country output and network, ties and standing, topic
    diffusion; the year's counters; the career's attractiveness for doctoral intake."""
    log, p = now.log, m.p
    _, output, pools = research.produce(m)
    log.output = research.country_output(output, pools)
    log.centrality = research.eigenvector_centrality(log.output["collab"])
    research.update_ties(m)
    demography.end_of_year_counters(m)
    top = log.output["top10"]
    m.frontier_weight = top / top.sum() if top.sum() > 0 else m.frontier_weight
    if p.enable_topic_diffusion:
        m.topics.step(m.year, log.output["coauthored"], log.output["papers"], top, m.rng, p, now.countries.topic_watch)
    log.topic_lag = m.topics.mean_lag(m.year)
    demography.update_attractiveness(m, log)


def observation_step(m: CirculationModel, now: YearState) -> None:
    """9. Indicators, flows and the career panel of a recorded year."""
    if now.record:
        m.record(now)


@dataclass(frozen=True)
class Step:
    """One step of the year: its number and name in the ODD, and what it does."""

    number: int
    name: str
    run: Callable[[CirculationModel, YearState], None]


#: The year, in order (docs/ODD.md, "Process overview and scheduling").
YEAR: tuple[Step, ...] = (
    Step(1, "funding and policy", funding_and_policy),
    Step(2, "posts and vacancies", posts_and_vacancies),
    Step(3, "demography", demography_step),
    Step(4, "contract ends", contract_ends_step),
    Step(5, "return decisions", return_decisions),
    Step(6, "job market", job_market),
    Step(7, "long visits abroad", long_visits),
    Step(8, "research production", research_production),
    Step(9, "observation", observation_step),
)
