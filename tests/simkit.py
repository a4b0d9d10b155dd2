"""Helpers shared by the test modules: tiny models with hand-built populations, and
short simulation runs read through the public tables.

A *tiny* model has a very coarse scale and no burn-in, so building it is instant; the
tests then replace its population by hand-made rows and call one mechanism directly.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from circsim.sim.country import stack_states
from circsim.sim.inputs import load_regions
from circsim.sim.model import CirculationModel
from circsim.sim.population import Population
from circsim.sim.sectors import N_POST, Sector
from circsim.sim.steps.choice import build_context, diaspora_counts

CODES: tuple[str, ...] = tuple(r.code for r in load_regions())
N_COUNTRIES = len(CODES)
JP, US, UK, DE, FR = (CODES.index(c) for c in ("JP", "US", "UK", "DE", "FR"))

#: Post columns of the market's (country x N_POST) capacity tables.
PERM, FIXED, INDUSTRY, GOVERNMENT, STARTUP = range(N_POST)


def tiny_model(seed: int = 0, **overrides: Any) -> CirculationModel:
    """A model that builds in milliseconds: one agent per 50,000 researchers, no burn-in."""
    return CirculationModel(rng=seed, scale=50000, burn_in_years=0, end_year=2005, **overrides)


def set_population(m: CirculationModel, n: int = 0, **values: Any) -> slice:
    """Replace the model's population by ``n`` hand-built rows."""
    m.pop = Population(m.n_countries)
    rows = m.pop.append(n, **values) if n else slice(0, 0)
    return rows


def add_rows(m: CirculationModel, n: int, **values: Any) -> np.ndarray:
    """Append ``n`` rows to the model's population; returns their indices."""
    rows = m.pop.append(n, **values)
    return np.arange(rows.start, rows.stop)


def _ties_person_major() -> bool:
    probe = Population(N_COUNTRIES)
    probe.append(1)
    return probe.ties.shape == (1, N_COUNTRIES)


_PERSON_MAJOR = _ties_person_major()


def ties(pop: Population) -> np.ndarray:
    """The population's ties as a writable (person x country) view, whatever the storage layout."""
    return pop.ties if _PERSON_MAJOR else pop.ties.T


def no_ties(n: int) -> np.ndarray:
    """An (n x country) block of zero ties, for ``Population.append``."""
    return np.zeros((n, N_COUNTRIES), dtype=np.float32)


def restack(m: CirculationModel) -> None:
    """Recompute the stacked country arrays from the countries' current states."""
    m.this_year.countries = stack_states(m.country_list, m.p, m.fixed_share_ref)


def start_policy_year(m: CirculationModel, year: int | None = None) -> None:
    """Step 1 without levers: every country resets its state for the year; stack them."""
    y = m.year if year is None else year
    for ctry in m.country_list:
        ctry.start_year(y)
    restack(m)


def build_market(m: CirculationModel) -> None:
    """The year's market context from the current population and country arrays."""
    m.this_year.market = build_context(m.this_year.countries, m.p, diaspora_counts(m.pop), m.distance_km)


def capacity(cells: dict[tuple[int, int], int]) -> np.ndarray:
    """A (country x post column) vacancy table with the given open posts, 0 elsewhere."""
    cap = np.zeros((N_COUNTRIES, N_POST), dtype=np.int64)
    for (c, col), k in cells.items():
        cap[c, col] = k
    return cap


def posts_table(m: CirculationModel, cells: dict[tuple[int, Sector], float]) -> np.ndarray:
    """A (country x sector) funded-posts table: occupied posts plus the given extras."""
    posts = m.occupied_posts().astype(float)
    for (c, s), k in cells.items():
        posts[c, s] += k
    return posts


def run(seed: int, scale: float, end_year: int, **overrides: Any) -> CirculationModel:
    """Run a model from the default start year to ``end_year``."""
    return CirculationModel(rng=seed, scale=scale, end_year=end_year, **overrides).run()


def series(m: CirculationModel, indicator: str, country: str = "JP") -> pd.Series:
    """One indicator of one country as a Series indexed by year."""
    df = m.indicators()
    sel = (df["indicator"] == indicator) & (df["country"] == country)
    return df.loc[sel].set_index("year")["value"].sort_index()


def window_mean(m: CirculationModel, indicator: str, first: int, last: int, country: str = "JP") -> float:
    """Mean of an indicator over the years ``first..last`` (inclusive)."""
    s = series(m, indicator, country)
    return float(s.loc[first:last].mean())


def seed_mean(models: list[CirculationModel], indicator: str, first: int, last: int, country: str = "JP") -> float:
    """Window mean averaged over several runs (seeds)."""
    return float(np.mean([window_mean(m, indicator, first, last, country) for m in models]))


def toml_value(v) -> str:
    """A TOML literal for a Python value (None as an empty string; nan and inf allowed)."""
    if v is None:
        return '""'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml_value(x)}" for k, x in v.items()) + "}"


def to_toml(data: dict) -> str:
    """TOML text for a nested dict: top-level keys one per line, tables inline."""
    return "".join(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}\n" for k, v in data.items())
