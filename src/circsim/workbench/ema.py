"""A result store as EMA Workbench's pair ``(experiments, outcomes)``.

EMA Workbench's analyses (PRIM, CART, feature scoring, its plots) take the pair that its
``perform_experiments`` returns: ``experiments``, a DataFrame with one row per experiment,
a column per uncertainty and the columns ``scenario``, ``policy`` and ``model``
(categories), and ``outcomes``, a dict of numpy arrays with one row per experiment. In
EMA's terms a circsim *scenario* (a policy package) is a **policy**, and a design point
of the uncertainties is a **scenario**; an experiment is one run (a design point x a
replicate x a package)::

    experiments, outcomes = load_ema("results/discover", country="JP")
    outcomes["researchers"]   # runs x years, the years in outcomes["TIME"] (as EMA's time series)

Only finished runs are loaded, in the store's plan order. Nothing here needs EMA
Workbench itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..sim.indicators import INDICATORS
from .store import ResultStore, open_store

#: The ``model`` column of every experiment.
MODEL_NAME = "circsim"
#: The outcome that holds each row's years (EMA's name for a time series' time axis).
TIME = "TIME"
#: The run columns that identify a run; the uncertainty values follow them.
RUN_KEYS = ["run_id", "scenario", "point", "replicate"]


def as_store(store: ResultStore | str | Path) -> ResultStore:
    """An open store, from a store or its path."""
    return store if isinstance(store, ResultStore) else open_store(store)


def uncertainty_names(store: ResultStore) -> list[str]:
    """The uncertain parameters of the store's design points, in the experiment's order."""
    names: dict[str, None] = {}
    for run in store.manifest["runs"].values():
        names.update(dict.fromkeys(run.get("values") or {}))
    return list(names)


def cases(store: ResultStore, scenarios: list[str] | None = None) -> pd.DataFrame:
    """The finished runs (of ``scenarios``, default all) in plan order: run_id, scenario,
    point, replicate, then one column per uncertainty."""
    runs = store.runs()
    known = list(dict.fromkeys(runs["scenario"]))
    for name in scenarios or []:
        if name not in known:
            raise InputError(
                "no such scenario in the store", source=str(store.path), key="scenario", value=name,
                allowed=", ".join(known),
            )  # fmt: skip
    done = runs[(runs["status"] == "done") & (runs["scenario"].isin(scenarios or known))]
    if done.empty:
        raise InputError(
            "holds no finished run of these scenarios", source=str(store.path), allowed="a store with finished runs"
        )
    return done[RUN_KEYS + uncertainty_names(store)].reset_index(drop=True)


def outcome_arrays(
    store: ResultStore, run_ids: pd.Series, country: str, indicators: list[str] | None = None
) -> dict[str, np.ndarray]:
    """Each indicator of ``country`` as an array of runs (in the order of ``run_ids``) x
    recorded years, and :data:`TIME`, the years of each row; a value the store did not
    keep is nan."""
    ind = store.indicators()
    countries = sorted(ind["country"].unique())
    if country not in countries:
        raise InputError(
            "country not recorded in this store", source=str(store.path), key="country", value=country,
            allowed=", ".join(countries),
        )  # fmt: skip
    recorded = [i for i in INDICATORS if i in set(ind["indicator"].unique())]
    wanted = recorded if indicators is None else indicators
    missing = [i for i in wanted if i not in recorded]
    if missing:
        raise InputError(
            "indicator not recorded in this store", source=str(store.path), key="outcome", value=missing[0],
            allowed=", ".join(recorded),
        )  # fmt: skip
    ind = ind[(ind["country"] == country) & ind["indicator"].isin(wanted)]
    years = np.array(sorted(ind["year"].unique()))
    table = ind.pivot_table(index="run_id", columns=["indicator", "year"], values="value", aggfunc="first")
    full = pd.MultiIndex.from_product([wanted, years], names=["indicator", "year"])
    table = table.reindex(index=run_ids, columns=full)
    shape = (len(run_ids), len(years))
    outcomes = {name: table[name].to_numpy(dtype=float).reshape(shape) for name in wanted}
    outcomes[TIME] = np.tile(years.astype(float), (len(run_ids), 1))
    return outcomes


def experiments_frame(runs: pd.DataFrame, uncertainties: list[str]) -> pd.DataFrame:
    """EMA's experiments table of ``runs`` (as :func:`cases` gives them): the uncertainty
    columns (text values as categories), then ``scenario`` (the design point), ``policy``
    (the circsim scenario) and ``model``."""
    out = runs[uncertainties].copy()
    for name in uncertainties:
        if out[name].dtype == object:
            out[name] = out[name].astype("category")
    out["scenario"] = pd.Categorical(runs["point"])
    out["policy"] = pd.Categorical(runs["scenario"])
    out["model"] = pd.Categorical([MODEL_NAME] * len(runs))
    return out


def load_ema(
    store: ResultStore | str | Path,
    country: str = "JP",
    indicators: list[str] | None = None,
    scenarios: list[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A store's finished runs as EMA Workbench's ``(experiments, outcomes)``.

    ``experiments`` has a row per run: the uncertainty values, ``scenario`` (the design
    point), ``policy`` (the circsim scenario, i.e. the policy package) and ``model``.
    ``outcomes`` maps each indicator (default: every recorded one) to an array of runs x
    years for ``country``, and ``TIME`` to the years. ``scenarios`` keeps only those
    circsim scenarios. Unknown names raise InputError naming what the store has.
    """
    store = as_store(store)
    runs = cases(store, scenarios)
    outcomes = outcome_arrays(store, runs["run_id"], country, indicators)
    return experiments_frame(runs, uncertainty_names(store)), outcomes
