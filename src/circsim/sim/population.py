"""Researchers as a population of numpy arrays (one row per agent).

Each agent stands for ``scale`` real researchers. Fields are declared once in
:data:`FIELDS`; the population grows by :meth:`Population.append` and shrinks by
:meth:`Population.compact`. Careers change through a few named transitions used by
every step and lever: :meth:`Population.move` (taking a post, at home or abroad),
:meth:`Population.release` (a post ends) and :meth:`Population.leave_research`. No
Python loop over researchers anywhere.

Per-country fields (ties) are stored country-major, shape (countries, people): sums
and maxima over countries then run over contiguous rows, many times faster than over
a short last axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import population_kernels
from .sectors import Sector


@dataclass(frozen=True)
class Field:
    """One state array: dtype, fill value for new rows, whether it has a column per country."""

    dtype: type
    default: float | int | bool
    per_country: bool = False
    doc: str = ""


FIELDS: dict[str, Field] = {
    "pid": Field(np.int64, -1, doc="unique person id"),
    "gone": Field(np.bool_, False, doc="leaves the population at the end of this year"),
    "nationality": Field(np.int8, -1, doc="country index of nationality: the country of origin, where education began"),
    "country": Field(np.int8, -1, doc="country index where the person works or studies"),
    "sector": Field(np.int8, 0, doc="circsim.sim.sectors.Sector"),
    "age": Field(np.int16, 25, doc="years"),
    "phd_year": Field(np.int16, -1, doc="year of doctorate, -1 if none"),
    "phd_country": Field(np.int8, -1, doc="country index of the doctorate, -1 if none"),
    "doctoral_left": Field(np.int8, 0, doc="years of doctoral study left"),
    "contract_end": Field(
        np.int16, 0, doc="last year of the current fixed-term contract (it ends before the next year's market)"
    ),
    "fixed_years": Field(
        np.int16, 0, doc="consecutive fixed-term years in the current country since its cap rule started (for the cap)"
    ),
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
    "fellow_until": Field(np.int16, 0, doc="last year abroad of an overseas fellowship, 0 if none"),
    "fellow_guarantee": Field(np.int8, -1, doc="sector guaranteed at home on return, -1 if none"),
    "guaranteed_until": Field(np.int16, 0, doc="last year of a lever-funded guaranteed post at home, 0 if none"),
    "ties": Field(np.float32, 0.0, per_country=True, doc="collaboration ties with each country (country x person)"),
}


class People(NamedTuple):
    """Live views of the population fields the compiled kernels read or write (in the
    order of :data:`FIELDS`): the one argument through which they see the population
    (``pop.people``). Valid until the population grows or shrinks, like ``pop.<field>``.
    Only these fields, so that each kernel unboxes (and numba compiles the unboxing of)
    no more arrays than it needs; a kernel that needs another field adds it here."""

    gone: np.ndarray
    nationality: np.ndarray
    country: np.ndarray
    sector: np.ndarray
    age: np.ndarray
    doctoral_left: np.ndarray
    contract_end: np.ndarray
    fixed_years: np.ndarray
    talent: np.ndarray
    years_abroad: np.ndarray
    visit_dest: np.ndarray
    standing: np.ndarray
    papers: np.ndarray
    papers_cum: np.ndarray
    impact: np.ndarray
    intl: np.ndarray
    last_move_year: np.ndarray
    unemployed_years: np.ndarray
    left_year: np.ndarray
    fellow_until: np.ndarray
    ties: np.ndarray


# unsigned integer of each field width, for moving rows as raw bits
_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


class Population:
    """Struct of arrays holding every researcher; ``pop.<field>`` is a view of the live rows.

    Arrays are over-allocated and grown geometrically, so yearly entries do not copy
    the whole population.
    """

    def __init__(self, n_countries: int, capacity: int = 1024) -> None:
        self.n_countries = n_countries
        self.next_pid = 0
        self._n = 0
        self._buf: dict[str, np.ndarray] = {}
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        for name, f in FIELDS.items():
            shape = (self.n_countries, capacity) if f.per_country else (capacity,)
            buf = np.empty(shape, dtype=f.dtype)
            old = self._buf.get(name)
            if old is not None:
                buf[..., : self._n] = old[..., : self._n]
            self._buf[name] = buf
        self._capacity = capacity

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["_buf"][name][..., : self.__dict__["_n"]]
        except KeyError:
            raise AttributeError(name) from None

    def __len__(self) -> int:
        return self._n

    @property
    def people(self) -> People:
        """Views of the live rows of the fields the compiled kernels use (no copies).

        Kept between calls while the rows and buffers stay the same (a year calls some 30
        kernels; building the views each time would cost more than most of the calls):
        made again after rows are added or dropped, or the buffers reallocated (all at once).
        """
        kept = self.__dict__.get("_people")
        if kept is None or kept.gone.shape[0] != self._n or kept.gone.base is not self._buf["gone"]:
            kept = self._people = People(*(self._buf[name][..., : self._n] for name in People._fields))
        return kept

    def append(self, n: int, **values: np.ndarray | float | int) -> slice:
        """Add ``n`` rows; unspecified fields take their default. Per-country fields take
        (n x countries) arrays. Returns the new rows' slice."""
        unknown = set(values) - set(FIELDS)
        if unknown or "pid" in values:
            raise KeyError(f"cannot set population fields: {sorted(unknown | ({'pid'} & set(values)))}")
        start, end = self._n, self._n + n
        if end > self._capacity:
            # room for four times the rows: np.empty's untouched pages cost no memory, and a
            # run that grows to under four times its start never copies every row again
            self._allocate(max(4 * end, self._capacity * 2))
        for name, f in FIELDS.items():
            buf = self._buf[name]
            if name == "pid":
                buf[start:end] = np.arange(self.next_pid, self.next_pid + n)
            elif f.per_country:
                buf[:, start:end] = np.asarray(values.get(name, f.default), dtype=f.dtype).T
            else:
                buf[start:end] = values.get(name, f.default)
        self._n = end
        self.next_pid += n
        return slice(start, end)

    def compact(self, keep: np.ndarray) -> None:
        """Drop every row where ``keep`` is False (people leaving the population).

        Rows kept beyond the new length move into the holes left in front, so only a
        few percent of the rows are copied; row order changes deterministically.
        """
        holes, movers, k = population_kernels.compaction_moves(keep, self._n)
        for buf in self._buf.values():
            # moved as unsigned integers of the field's width: one compiled kernel per width
            population_kernels.move_columns(buf.reshape(-1, buf.shape[-1]).view(_UINT[buf.itemsize]), holes, movers)
        self._n = k

    # --- career transitions ---------------------------------------------------------
    def move(
        self, rows: np.ndarray, country: np.ndarray, sector: np.ndarray | int, *, year: int, tie_gain: float
    ) -> None:
        """``rows`` take a post (``sector``) in ``country``: the one operation for a change
        of post, at home or abroad (hires, returns, conversions, overseas fellowships).

        An international move is counted (``moves``, ``last_move_year``) and leaves a tie
        of ``tie_gain`` with the country left; ties with the country of work are zero
        (ties are international only). Holding a post ends a spell without one
        (``unemployed_years``) and any time out of research (``left_year``). Contract terms are the caller's
        (:mod:`circsim.sim.steps.contracts`).
        """
        old = self.country[rows]
        moved = country != old
        mv = rows[moved]
        self.ties[old[moved], mv] += tie_gain
        self.moves[mv] += 1
        self.last_move_year[mv] = year
        self.country[rows] = country
        self.sector[rows] = sector
        self.unemployed_years[rows] = 0
        self.left_year[rows] = -1
        self.ties[country, rows] = 0.0

    def release(self, rows: np.ndarray) -> None:
        """``rows`` lose their post (or fellowship) and look for one where they are."""
        self.sector[rows] = Sector.UNEMPLOYED
        self.unemployed_years[rows] = 0

    def leave_research(self, rows: np.ndarray, year: int) -> None:
        """``rows`` leave research in ``year``, freeing their posts and fellowships."""
        self.sector[rows] = Sector.LEFT
        self.left_year[rows] = year
        self.contract_end[rows] = 0
        self.fellow_until[rows] = 0
        self.fellow_guarantee[rows] = -1
        self.doctoral_left[rows] = 0
