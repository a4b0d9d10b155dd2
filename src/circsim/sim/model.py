"""The circulation model: researchers moving among countries and sectors.

``CirculationModel`` is a :class:`mesa.Model`. Countries are Mesa Agents; researchers
are a population of numpy arrays owned by the model (:mod:`circsim.sim.population`).
``step()`` simulates one year: the steps of :data:`circsim.sim.schedule.YEAR`, in the
order of the ODD's process overview (funding and policy, posts and vacancies,
demography, contract ends, job market, long visits abroad, returns, research
production, observation).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from .careers import CareerPanel
from .country import Country, academic_post_index, money_levels
from .indicators import HEADLINE, INDICATORS, PARTNER_CODES
from .initialization import check_memory, initial_population
from .inputs import is_country, load_origins, load_regions, parts_of
from .params import CountryParams
from .population import Population
from .scenario import Scenario, country_params, from_overrides, with_overrides
from .schedule import YEAR, YearState, begin_year
from .sectors import Sector, is_post
from .steps import observation
from .steps.demography import doctoral_survival
from .steps.funding import ACADEMIC, occupancy
from .steps.funding_kernels import count_posts
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
        super().__init__(rng=int(rng) if isinstance(rng, np.integer) else rng)  # Mesa takes Python ints only
        self.careers = CareerPanel(career_sample) if career_sample > 0 else None
        self.spec = with_overrides(scenario, overrides) if scenario else from_overrides(overrides)
        self.p = p = self.spec.model
        self.regions = load_regions(p.world)
        self.n_countries = len(self.regions)
        codes = [r.code for r in self.regions]
        self.codes = codes
        cparams = country_params(self.spec)
        self.year = p.start_year - p.burn_in_years  # the first simulated year
        self.country_list = [Country(self, i, r, cparams[r.code]) for i, r in enumerate(self.regions)]
        money_levels(self.country_list)
        self.focal = codes.index(p.focal_country)
        self.ranked_countries = np.array([is_country(r.code) for r in self.regions])
        self.levers = self.spec.levers.active()
        self.lever_countries = {name: codes.index(lv.country) for name, lv in self.levers.items()}
        self.population_m = np.array([r.population_m for r in self.regions])
        self.distance_km = _distances(self.regions)
        cp = [cparams[c] for c in codes]
        self.doctoral_years = np.array([c.doctoral_years for c in cp], dtype=np.int8)
        # per entrant: chance of graduating, and doctoral students kept in a steady state (7.3)
        self.doctoral_completion, self.students_per_entrant = doctoral_survival(
            p.exit_rate_doctoral_per_year, self.doctoral_years
        )
        self.cap_from_year = np.array([c.fixed_term_cap_from_year for c in cp])
        self.intl_doctoral_share = np.array([c.intl_doctoral_share for c in cp])
        self.foreign_share_entry = np.array([c.foreign_share_init for c in cp])
        self.origin_mix = load_origins(tuple(codes))
        # each country's start-year fixed-term share of academic posts, in expectation (section 5)
        self.fixed_share_ref = np.array([c.fixed_term_share_init for c in cp])
        self.base_intake = self._start_year_intake(cp)
        check_memory(cp, p, self.spec.name)
        self.pop = Population(self.n_countries)
        stocks = initial_population(self, cp)
        self.ref_posts = self._reference_posts()
        self.academic_posts = self.ref_posts[:, ACADEMIC].copy()  # funded academic posts, adjusted yearly
        self.frontier_weight = stocks / stocks.sum()
        # co-author slots each country's researchers asked of each partner last year (step 8)
        self.coauthor_demand = np.zeros((self.n_countries, self.n_countries))
        self.partner_index = np.array([codes.index(code) for code in PARTNER_CODES], np.int64)
        self.attract_history: dict[int, np.ndarray] = {}
        self.attract_ref: np.ndarray | None = None
        self.topics = TopicDiffusion(self.n_countries, reference=codes.index("US") if "US" in codes else 0)
        self._ind_years: list[int] = []
        self._ind_values: list[np.ndarray] = []
        self._flow_years: list[int] = []
        self._flow_rows: list[np.ndarray] = []
        self.cum_cost = np.zeros(self.n_countries)
        self.academics_start: np.ndarray | None = None  # academics at the end of the start year (agents)
        self.latest: np.ndarray | None = None  # the last recorded year's (indicator x country) values
        self.last_log: YearLog | None = None  # what happened in the last simulated year
        #: the state the steps of the current (or last) year hand each other
        self.this_year: YearState = begin_year(self, record=False)
        self.datacollector = mesa.DataCollector(
            model_reporters={"year": lambda m: m.year - 1, **{name: _reporter(name) for name in HEADLINE}}
        )
        for _ in range(p.burn_in_years):
            self._advance(record=False)
        self.running = self.year <= p.end_year

    # --- set-up helpers ----------------------------------------------------------
    def _start_year_intake(self, cp: list[CountryParams]) -> np.ndarray:
        """Expected doctoral entrants per country at start-year conditions (agent units):
        the doctorates of each country's reference year (``doctorates_per_million`` in
        ``doctorates_ref_year``) over the share of entrants who graduate, taken back to the
        start year along its funded academic posts (section 7.3)."""
        p = self.p
        states = [ctry.baseline_state(c.doctorates_ref_year) for ctry, c in zip(self.country_list, cp, strict=True)]
        base = np.array([s.base_index for s in states])
        competitive = np.array([s.competitive_index for s in states])
        at_ref = academic_post_index(base, competitive, p, self.fixed_share_ref)
        doctorates = np.array([c.doctorates_per_million for c in cp]) * self.population_m
        return doctorates / self.doctoral_completion / p.scale / at_ref**p.doctoral_capacity_elasticity

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
        """One year: the steps of :data:`circsim.sim.schedule.YEAR` in order, then the
        people leaving the population are removed."""
        now = self.this_year = begin_year(self, record)
        for step in YEAR:
            step.run(self, now)
        self.last_log = now.log
        self.pop.compact(~self.pop.gone)
        self.year += 1

    def indices(self, codes: list[str]) -> np.ndarray:
        """Model indices of countries named by code; a block split into parts names its parts."""
        parts = parts_of(self.p.world)
        return np.array([self.codes.index(c) for code in codes for c in parts.get(code, (code,))])

    def occupied_posts(self) -> np.ndarray:
        """Occupied posts per country x sector, not counting overseas fellows (who hold no host post)."""
        return count_posts(self.pop.people)

    def record(self, now: YearState) -> None:
        """Step 9 of a recorded year: indicators, flows, the career panel."""
        self.cum_cost += now.cost_yen
        now.log.lever_cost = now.cost_yen
        if self.academics_start is None:  # the first recorded year: the base of academic_posts_index
            occupied = self.occupied_posts()
            self.academics_start = (occupied[:, Sector.ACAD_PERM] + occupied[:, Sector.ACAD_FIXED]).astype(float)
        self.latest = observation.compute(self, now.log, self.cum_cost.copy())
        self._ind_years.append(self.year)
        self._ind_values.append(self.latest)
        self._flow_years.append(self.year)
        self._flow_rows.append(observation.flows(self, now.log))
        if self.careers is not None:
            self.careers.record(self)

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
