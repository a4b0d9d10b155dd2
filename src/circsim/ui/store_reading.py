"""Reading only what the compare page shows from a result store.

The store's own reader (:meth:`ResultStore.indicators`) reads every country of every run:
4.6 million rows, 2-3 s, for the shipped store of 204 runs. The page shows one country
at a time, so it checks every part against the journal first (:meth:`ResultStore.verify`:
a damaged store is refused as the store's reader refuses it) and then reads that
country's rows only (pyarrow filters while reading, over all parts at once): about a
tenth of the time. Everything is read once per store version (a store object of
:func:`circsim.ui.comparison.load_store`) and country, and shared by every session.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ..errors import InputError
from ..workbench.store import ResultStore

#: Columns of the store's indicators parts.
COLUMNS = ["run_id", "year", "country", "indicator", "value"]


@cache
def verified(store: ResultStore) -> ResultStore:
    """``store`` if every finished run's parts are intact; an InputError naming the first
    damaged part otherwise (with what the store's reader would say to do)."""
    damaged = next(((rid, problem) for rid, problem in store.verify().items() if problem), None)
    if damaged:
        raise InputError(
            f"run {damaged[0]}: {damaged[1]}",
            source=str(store.path),
            allowed="an intact store: 'circsim verify' lists the damage, 'circsim batch --resume' re-runs it",
        )
    return store


def _parts(store: ResultStore) -> ds.Dataset | None:
    """The indicators parts of the finished runs, as one dataset (None if there are none)."""
    files = [store.path / "indicators.parquet" / f"{rid}.parquet" for rid in verified(store).done()]
    files = [str(f) for f in files if f.is_file()]  # a run may have kept no indicators
    return ds.dataset(files, format="parquet") if files else None


def _read(store: ResultStore, what: str, read: Callable[[ds.Dataset], pa.Table]) -> pa.Table | None:
    """``read(dataset)``, a damaged file (of a store without checksums) an InputError."""
    parts = _parts(store)
    if parts is None:
        return None
    try:
        return read(parts)
    except (OSError, pa.ArrowException) as exc:
        folder = str(store.path / "indicators.parquet")
        raise InputError(f"unreadable {what} ({type(exc).__name__})", source=folder) from None


@cache
def countries(store: ResultStore) -> list[str]:
    """The countries recorded in the store, in the order of its first part."""
    table = _read(store, "countries", lambda parts: parts.to_table(columns=["country"]))
    return [] if table is None else pc.unique(table.column("country")).to_pylist()


@cache
def country_indicators(store: ResultStore, country: str) -> pd.DataFrame:
    """The indicators table of the store's finished runs, ``country``'s rows only."""
    table = _read(store, "indicators", lambda parts: parts.to_table(filter=pc.field("country") == country))
    return pd.DataFrame(columns=COLUMNS) if table is None else table.to_pandas()


class CountryResults:
    """A store's results for one country, which :func:`circsim.workbench.compare.compare`
    and :func:`circsim.workbench.figures.fan` read as they read a store (its ``path``,
    ``manifest``, ``runs()`` and ``indicators()``)."""

    def __init__(self, store: ResultStore, country: str) -> None:
        self.path = store.path
        self.manifest = store.manifest
        self._runs = store.runs()
        self._indicators = country_indicators(store, country)
        done = self._runs[self._runs["status"] == "done"]
        #: The country's run values with their scenario, for the fan charts.
        self.values = self._indicators.merge(done[["run_id", "scenario"]], on="run_id")

    def runs(self) -> pd.DataFrame:
        """The store's runs."""
        return self._runs

    def indicators(self) -> pd.DataFrame:
        """The store's indicators table, this country's rows only."""
        return self._indicators


@cache
def country_results(store: ResultStore, country: str) -> CountryResults:
    """The country's :class:`CountryResults` of ``store`` (a store object is one version)."""
    return CountryResults(store, country)
