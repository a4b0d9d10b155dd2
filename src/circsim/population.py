"""Researchers as a population of numpy arrays (one row per agent).

Each agent stands for ``scale`` real researchers. Fields are declared once in
:data:`FIELDS`; the population grows by :meth:`Population.append` and shrinks by
:meth:`Population.compact`. No Python loop over researchers anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Field:
    """One state array: dtype, fill value for new rows, whether it has a column per country."""

    dtype: type
    default: float | int | bool
    per_country: bool = False
    doc: str = ""


FIELDS: dict[str, Field] = {
    "pid": Field(np.int64, -1, doc="unique person id"),
    "nationality": Field(np.int8, -1, doc="country index of nationality"),
    "country": Field(np.int8, -1, doc="country index where the person works or studies"),
    "first_country": Field(np.int8, -1, doc="country of first affiliation (doctorate or first post)"),
    "sector": Field(np.int8, 0, doc="circsim.sectors.Sector"),
    "age": Field(np.int16, 25, doc="years"),
    "phd_year": Field(np.int16, -1, doc="year of doctorate, -1 if none"),
    "doctoral_left": Field(np.int8, 0, doc="years of doctoral study left"),
    "contract_end": Field(np.int16, 0, doc="last year of the current fixed-term contract"),
    "fixed_years": Field(np.int16, 0, doc="consecutive fixed-term years in the current country (for the cap)"),
    "talent": Field(np.float32, 0.0, doc="latent talent, standard normal"),
    "years_abroad": Field(np.float32, 0.0, doc="overseas experience in years (outside nationality)"),
    "visit_dest": Field(np.int8, -1, doc="host country of this year's long visit, -1 if none"),
    "visits": Field(np.int16, 0, doc="number of long visits made"),
    "standing": Field(np.float32, 0.0, doc="domestic network standing at home, 0..1"),
    "papers": Field(np.float32, 0.0, doc="fractional papers this year"),
    "papers_cum": Field(np.float32, 0.0, doc="cumulative fractional papers"),
    "impact": Field(np.float32, 0.0, doc="log citation impact of this year's papers"),
    "intl": Field(np.float32, 0.0, doc="probability a paper this year has an international co-author"),
    "moves": Field(np.int16, 0, doc="number of international moves"),
    "last_move_year": Field(np.int16, -1, doc="year of the last international move"),
    "unemployed_years": Field(np.int8, 0, doc="consecutive years without a post"),
    "left_year": Field(np.int16, -1, doc="year the person left research, -1 if in research"),
    "fellow_until": Field(np.int16, 0, doc="last year of an overseas fellowship, 0 if none"),
    "fellow_guarantee": Field(np.int8, -1, doc="sector guaranteed at home on return, -1 if none"),
    "guaranteed_until": Field(np.int16, 0, doc="last year of a lever-funded guaranteed post at home, 0 if none"),
    "ties": Field(np.float32, 0.0, per_country=True, doc="collaboration ties with each country"),
}


class Population:
    """Struct of arrays holding every researcher; attribute access per field."""

    def __init__(self, n_countries: int) -> None:
        self.n_countries = n_countries
        self.next_pid = 0
        for name, f in FIELDS.items():
            shape = (0, n_countries) if f.per_country else (0,)
            setattr(self, name, np.zeros(shape, dtype=f.dtype))

    def __len__(self) -> int:
        return int(self.pid.shape[0])

    def append(self, n: int, **values: np.ndarray | float | int) -> slice:
        """Add ``n`` rows; unspecified fields take their default. Returns the new rows' slice."""
        unknown = set(values) - set(FIELDS) - {"pid"}
        if unknown:
            raise KeyError(f"unknown population fields: {sorted(unknown)}")
        start = len(self)
        for name, f in FIELDS.items():
            shape = (n, self.n_countries) if f.per_country else (n,)
            new = np.full(shape, f.default, dtype=f.dtype)
            if name == "pid":
                new[:] = np.arange(self.next_pid, self.next_pid + n)
            elif name in values:
                new[:] = values[name]
            setattr(self, name, np.concatenate([getattr(self, name), new]))
        self.next_pid += n
        return slice(start, start + n)

    def compact(self, keep: np.ndarray) -> None:
        """Drop every row where ``keep`` is False (people leaving the population)."""
        for name in FIELDS:
            setattr(self, name, getattr(self, name)[keep])

    def nbytes(self) -> int:
        """Memory held by the state arrays."""
        return sum(getattr(self, name).nbytes for name in FIELDS)
