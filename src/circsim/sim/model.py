"""The circulation model: researchers moving among countries and sectors.

``CirculationModel`` is a :class:`mesa.Model`. Countries are Mesa Agents; researchers
are a population of numpy arrays owned by the model (:mod:`circsim.sim.population`).
``step()`` simulates one year in the order of the ODD's process overview:

1. funding and policy        (countries reset to baseline; active levers apply)
2. posts and vacancies       (funding -> posts)
3. demography                (ageing, retirement, exits, graduation, doctoral intake)
4. contract ends             (renewal, cap, conversion; fellowships end)
5. job market                (visibility, random utility, hiring score, deferred acceptance; direct entry)
6. long visits abroad        (travellers)
7. returns                   (nationals abroad weigh returning)
8. research production       (papers, impact, co-authorship, ties, centrality, topics)
9. observation               (indicators, flows, DataCollector)
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from . import kernels
from .careers import CareerPanel
from .country import Country, stack_states
from .groups import stochastic_round
from .indicators import HEADLINE, INDICATORS
from .initialization import initial_population
from .inputs import load_regions
from .population import Population
from .scenario import Scenario, country_params, default_scenario, with_overrides
from .sectors import N_SECTORS, is_post
from .steps import contracts, demography, market, observation, research, returns, visits
from .steps.choice import N_POST, build_context, diaspora_matrix
from .steps.funding import occupancy, posts_from_funding, vacancies
from .steps.observation import FLOW_SECTOR_NAMES, YearLog
from .steps.topics import TopicDiffusion


def _reporter(name: str):
    def report(model: CirculationModel) -> float:
        return model.focal_value(name)

    report.__name__ = f"focal_{name}"
    return report


class CirculationModel(mesa.Model):
    """Researchers circulating among countries and sectors, with policy levers.

    Args:
        rng: seed or numpy Generator; all randomness comes from ``self.rng``.
        scenario: a validated :class:`Scenario` (:func:`circsim.sim.scenario.load_scenario`
            reads one from a file); None = the baseline defaults.
        career_sample: if > 0, keep a career panel (:mod:`circsim.sim.careers`) of every
            person whose id is a multiple of it, as ``self.careers``; 0 (default) = none.
        **overrides: any parameter by name (``insider_preference``-style ModelParams
            fields) or by dotted path (``"levers.overseas_fellowships.fellows_per_year"``,
            ``"countries.JP.renewal_prob"``).
    """

    def __init__(
        self,
        rng: int | np.random.Generator | None = None,
        scenario: Scenario | None = None,
        career_sample: int = 0,
        **overrides: Any,
    ) -> None:
        super().__init__(rng=rng)
        self.careers = CareerPanel(career_sample) if career_sample > 0 else None
        self.spec = with_overrides(scenario or default_scenario(), overrides)
        self.p = p = self.spec.model
        self.regions = load_regions()
        self.n_countries = len(self.regions)
        codes = [r.code for r in self.regions]
        self.codes = codes
        cparams = country_params(self.spec)
        self.year = p.start_year - p.burn_in_years  # the first simulated year
        self.country_list = [Country(self, i, r, cparams[r.code]) for i, r in enumerate(self.regions)]
        self.focal = codes.index(p.focal_country)
        self.ranked_countries = np.array([c != "ROW" for c in codes])
        self.levers = self.spec.levers.active()
        self.lever_countries = {name: codes.index(lv.country) for name, lv in self.levers.items()}
        self.population_m = np.array([r.population_m for r in self.regions])
        self.distance_km = _distances(self.regions)
        cp = [cparams[c] for c in codes]
        self.doctoral_years = np.array([c.doctoral_years for c in cp], dtype=np.int8)
        self.cap_from_year = np.array([c.fixed_term_cap_from_year for c in cp])
        self.intl_doctoral_share = np.array([c.intl_doctoral_share for c in cp])
        self.foreign_share_entry = np.array([c.foreign_share_init for c in cp])
        self.base_intake = (
            np.array([c.doctorates_per_million for c in cp]) * self.population_m / p.doctoral_completion_share / p.scale
        )
        self.pop = Population(self.n_countries)
        stocks = initial_population(self, cp)
        self.origin_weights = stocks * np.array([c.diaspora_propensity for c in cp])
        self.ref_posts = self._reference_posts()
        self.frontier_weight = stocks / stocks.sum()
        self.attract_history: dict[int, np.ndarray] = {}
        self.attract_ref: np.ndarray | None = None
        self.topics = TopicDiffusion(self.n_countries, reference=codes.index("US") if "US" in codes else 0)
        self._ind_years: list[int] = []
        self._ind_values: list[np.ndarray] = []
        self._flow_years: list[int] = []
        self._flow_rows: list[np.ndarray] = []
        self.cum_cost = np.zeros(self.n_countries)
        self.latest: np.ndarray | None = None
        self.last_log: YearLog | None = None
        self.datacollector = mesa.DataCollector(
            model_reporters={"year": lambda m: m.year - 1, **{name: _reporter(name) for name in HEADLINE}}
        )
        for _ in range(p.burn_in_years):
            self._advance(record=False)
        self.running = self.year <= p.end_year

    # --- set-up helpers ----------------------------------------------------------
    def _reference_posts(self) -> np.ndarray:
        """Posts at the start year: occupied posts grossed up by the initial vacancy share."""
        holds = is_post(self.pop.sector)
        occ = occupancy(self.pop.country, self.pop.sector, holds, self.n_countries)
        return occ / (1.0 - self.p.vacancy_share_init)

    # --- the year ----------------------------------------------------------------
    def step(self) -> None:
        """Simulate one year (see the module docstring for the order)."""
        self._advance(record=True)
        self.datacollector.collect(self)
        self.running = self.year <= self.p.end_year

    def _advance(self, record: bool) -> None:
        p, pop, rng, n = self.p, self.pop, self.rng, self.n_countries
        funding_year = max(self.year, p.start_year)  # burn-in runs at start-year funding
        log = YearLog(
            n_start=len(pop),
            country_start=pop.country.copy(),
            sector_start=pop.sector.copy(),
            nationals_abroad_start=kernels.nationals_abroad(
                pop.gone, pop.sector, pop.nationality, pop.country, n
            ).astype(float),
        )
        pop.visit_dest[:] = -1

        # 1. funding and policy
        for ctry in self.country_list:
            ctry.start_year(funding_year)
        cost = np.zeros(n)
        for name, lever in self.levers.items():
            if record and lever.active(self.year):
                ctry = self.country_list[self.lever_countries[name]]
                ctry.state.lever_cost_yen[name] = c = float(lever.apply(self, ctry))
                cost[ctry.index] += c
        self.ca = stack_states(self.country_list, p.permanent_posts_elasticity, p.fixed_term_posts_elasticity)

        # 2. posts and vacancies (vacancies are taken after steps 3-4)
        posts = stochastic_round(
            posts_from_funding(self.ref_posts, self.ca, p.permanent_posts_elasticity, p.fixed_term_posts_elasticity),
            rng,
        )

        # 3. demography
        demography.age_and_retire(self)
        log.exits = demography.exits_from_research(self)
        log.exit_country = pop.country[log.exits].astype(np.int64)
        log.graduates = demography.graduations(self)
        log.graduate_country = pop.country[log.graduates].astype(np.int64)
        entrants = demography.doctoral_intake(self)
        log.intake = np.bincount(pop.country[entrants], minlength=n).astype(float)

        # 4. contract ends
        contracts.contract_ends(self, posts, self._occupied())
        contracts.fellowship_ends(self)

        # 5. job market
        self.market_ctx = build_context(
            self.ca,
            p,
            diaspora_matrix(pop, n),
            self.distance_km,
        )
        capacity = vacancies(posts, self._occupied())[:, 1 : 1 + N_POST].copy()
        log.market_vacancies = capacity.copy()
        # most non-academic vacancies go to non-doctoral entrants, outside this market
        reserved = capacity[:, 2:] - stochastic_round(
            capacity[:, 2:] * np.minimum(p.nonacademic_market_share * self.ca.nonacademic_access, 1.0)[:, None], rng
        )
        capacity[:, 2:] -= reserved
        seekers = market.find_seekers(self)
        hired = market.apply_hires(self, seekers, market.run_market(self, seekers, capacity))
        capacity[:, 2:] += reserved
        log.market_hires = np.bincount(
            pop.country[hired].astype(np.int64) * N_POST + pop.sector[hired] - 1, minlength=n * N_POST
        ).reshape(n, N_POST)
        demography.direct_entry(self, capacity)

        # 6. long visits abroad
        log.visits = visits.long_visits(self) if p.enable_long_visits else np.zeros(0, dtype=np.int64)

        # 7. returns
        if p.enable_returns:
            returns.returns(self, capacity, posts)

        # 8. research production, ties, network, topics
        producing = research.produce(self)
        log.output = research.country_output(self, producing)
        log.centrality = research.eigenvector_centrality(log.output["collab"])
        research.update_ties(self)
        demography.end_of_year_counters(self)
        top = log.output["top10"]
        self.frontier_weight = top / top.sum() if top.sum() > 0 else self.frontier_weight
        if p.enable_topic_diffusion:
            self.topics.step(self.year, log.output["coauthored"], log.output["papers"], top, rng, p)
        log.topic_lag = self.topics.mean_lag(self.year)
        self._update_attractiveness(log)

        # 9. observation
        if record:
            self.cum_cost += cost
            log.lever_cost = cost
            self.latest = observation.compute(self, log, self.cum_cost.copy())
            self._ind_years.append(self.year)
            self._ind_values.append(self.latest)
            self._flow_years.append(self.year)
            self._flow_rows.append(observation.flows(self, log))
            if self.careers is not None:
                self.careers.record(self)
        self.last_log = log
        pop.compact(~pop.gone)
        self.year += 1

    def _occupied(self) -> np.ndarray:
        """Occupied posts per country x sector, not counting overseas fellows (who hold no host post)."""
        pop = self.pop
        return kernels.count_posts(pop.gone, pop.sector, pop.country, pop.fellow_until, self.n_countries, N_SECTORS)

    def _update_attractiveness(self, log: YearLog) -> None:
        placed = np.bincount(log.graduate_country[is_post(self.pop.sector[log.graduates])], minlength=self.n_countries)
        grads = np.bincount(log.graduate_country, minlength=self.n_countries)
        perm_share = demography.perm_share_under40(self)
        placement = np.where(grads > 0, placed / np.maximum(grads, 1), np.nan)
        now = np.where(np.isnan(placement), perm_share, demography.attractiveness(placement, perm_share))
        prev = self.attract_history.get(self.year - 1)
        if prev is not None:
            now = prev + self.p.attractiveness_smoothing * (now - prev)
        self.attract_history[self.year] = now
        if self.year == self.p.start_year:
            self.attract_ref = self.attract_history[self.year]

    # --- results -----------------------------------------------------------------
    def focal_value(self, name: str) -> float:
        """The latest value of an indicator for the focal country."""
        if self.latest is None:
            return float("nan")
        return float(self.latest[INDICATORS.index(name), self.focal])

    def indicators(self) -> pd.DataFrame:
        """Tidy table of every indicator: year, country, indicator, value."""
        if not self._ind_values:
            return pd.DataFrame({"year": [], "country": [], "indicator": [], "value": []})
        vals = np.stack(self._ind_values)  # (years, indicators, countries)
        ny, ni, nc = vals.shape
        return pd.DataFrame(
            {
                "year": np.repeat(self._ind_years, ni * nc).astype(np.int64),
                "country": np.tile(np.array(self.codes), ny * ni),
                "indicator": np.tile(np.repeat(np.array(INDICATORS), nc), ny),
                "value": vals.ravel(),
            }
        )

    def flows(self) -> pd.DataFrame:
        """Tidy table of flows: year, origin, destination, nationality, from_sector, to_sector, count
        (real people). Entries have from_sector 'entry', departures from the population 'exit'."""
        codes = np.array(self.codes)
        sect = np.array([FLOW_SECTOR_NAMES[i] for i in range(len(FLOW_SECTOR_NAMES))])
        if not self._flow_rows:
            rows, years = np.zeros((0, 6), dtype=np.int64), np.zeros(0, dtype=np.int64)
        else:
            rows = np.concatenate(self._flow_rows)
            years = np.repeat(self._flow_years, [len(r) for r in self._flow_rows])
        return pd.DataFrame(
            {
                "year": years.astype(np.int64),
                "origin": codes[rows[:, 0]],
                "destination": codes[rows[:, 1]],
                "nationality": codes[rows[:, 2]],
                "from_sector": sect[rows[:, 3]],
                "to_sector": sect[rows[:, 4]],
                "count": rows[:, 5] * self.p.scale,
            }
        )

    def run(self) -> CirculationModel:
        """Step until the end year; returns self."""
        while self.running:
            self.step()
        return self


def _distances(regions) -> np.ndarray:
    """Great-circle distances between region centroids, km."""
    lat = np.radians([r.lat for r in regions])
    lon = np.radians([r.lon for r in regions])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
