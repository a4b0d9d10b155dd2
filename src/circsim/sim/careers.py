"""An opt-in career panel: the year-by-year state of a fixed sample of researchers.

The model keeps no history per researcher, so to follow careers (the interface's career
inspector, or an analysis of career paths) a :class:`CareerPanel` records, at the end of
every recorded year, a few fields of every researcher whose person id is a multiple of
``every``. The sample is chosen by id, not by a random draw, so switching the panel on
changes no random stream: a run with the panel gives the same indicators and flows as
one without it, for the same seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .sectors import SECTOR_NAMES

if TYPE_CHECKING:
    from .model import CirculationModel

#: Population fields recorded each year, in table order.
CAREER_FIELDS: tuple[str, ...] = ("pid", "nationality", "country", "sector", "age", "contract_end", "visit_dest")


class CareerPanel:
    """Records the state of the researchers with ``pid % every == 0`` each recorded year.

    Args:
        every: sample one person id in ``every`` (1 = everyone; memory grows with the
            sample x years).
    """

    def __init__(self, every: int) -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1 (got {every})")
        self.every = every
        self._years: list[int] = []
        self._rows: list[dict[str, np.ndarray]] = []

    def record(self, m: CirculationModel) -> None:
        """Record the sampled people present at the end of the model's current year
        (before people leaving the population are removed; those are left out)."""
        pop = m.pop
        rows = np.flatnonzero(~pop.gone & (pop.pid % self.every == 0))
        rows = rows[np.argsort(pop.pid[rows], kind="stable")]  # row order changes as people leave
        self._years.append(m.year)
        self._rows.append({name: getattr(pop, name)[rows].copy() for name in CAREER_FIELDS})

    def table(
        self, codes: list[str] | tuple[str, ...], pids: list[int] | None = None, years: list[int] | None = None
    ) -> pd.DataFrame:
        """One row per sampled person and recorded year (only ``pids`` and ``years`` if
        given): year, pid, nationality, country, sector (names), age, contract_end (last
        year of the current fixed-term contract; meaningful on fixed-term posts only),
        visit_dest (host of this year's long visit, '' if none)."""
        names = np.array([*codes, ""])  # index -1 (no visit) maps to ''
        sectors = np.array([SECTOR_NAMES[i] for i in range(len(SECTOR_NAMES))])
        chosen = [
            (year, rows if pids is None else {k: v[np.isin(rows["pid"], pids)] for k, v in rows.items()})
            for year, rows in zip(self._years, self._rows, strict=True)
            if years is None or year in years
        ]
        if not chosen:
            return pd.DataFrame(columns=["year", *CAREER_FIELDS])
        data = {name: np.concatenate([r[name] for _, r in chosen]) for name in CAREER_FIELDS}
        return pd.DataFrame(
            {
                "year": np.repeat([y for y, _ in chosen], [len(r["pid"]) for _, r in chosen]).astype(np.int64),
                "pid": data["pid"].astype(np.int64),
                "nationality": names[data["nationality"]],
                "country": names[data["country"]],
                "sector": sectors[data["sector"]],
                "age": data["age"].astype(np.int64),
                "contract_end": data["contract_end"].astype(np.int64),
                "visit_dest": names[data["visit_dest"]],
            }
        )

    @property
    def years(self) -> list[int]:
        """The years recorded so far."""
        return list(self._years)
