"""Sectors a researcher can be in (the `sector` state of the population)."""

from enum import IntEnum

import numpy as np


class Sector(IntEnum):
    """Career states. Values index the columns of the posts table."""

    DOCTORAL = 0
    ACAD_PERM = 1
    ACAD_FIXED = 2
    INDUSTRY = 3
    GOVERNMENT = 4
    STARTUP = 5
    UNEMPLOYED = 6
    LEFT = 7  # left research; rarely re-entered


N_SECTORS = len(Sector)

#: Sectors that are posts paid by some funding stream.
POST_SECTORS = np.array(
    [Sector.ACAD_PERM, Sector.ACAD_FIXED, Sector.INDUSTRY, Sector.GOVERNMENT, Sector.STARTUP],
    dtype=np.int8,
)

SECTOR_NAMES = {s.value: s.name.lower() for s in Sector}

#: Posts tables of the job market are (country x N_POST), columns in POST_SECTORS order.
N_POST = len(POST_SECTORS)
#: Their academic (permanent, fixed-term) and non-academic (industry, government, startup) columns.
ACADEMIC_POST_COLUMNS = slice(0, 2)
NONACADEMIC_POST_COLUMNS = slice(2, N_POST)
#: The same non-academic posts as columns of a (country x sector) table.
NONACADEMIC_SECTORS = slice(int(Sector.INDUSTRY), int(Sector.STARTUP) + 1)


#: The post sectors are the contiguous values ACAD_PERM..STARTUP.
POST_SLICE = slice(int(Sector.ACAD_PERM), int(Sector.STARTUP) + 1)


def post_columns(table: np.ndarray) -> np.ndarray:
    """The post-sector columns of a (country x sector) table, as a new C-ordered
    (country x N_POST) array."""
    return table[:, POST_SLICE].copy()


def per_sector(params: object, pattern: str) -> np.ndarray:
    """Array indexed by sector value of the parameters named ``pattern`` with the
    sector's name filled in (``"exit_rate_{}_per_year"``); 0 where no such parameter."""
    return np.array([getattr(params, pattern.format(s.name.lower()), 0.0) for s in Sector])


def is_post(sector: np.ndarray) -> np.ndarray:
    """True where a sector value is a funded post."""
    return (sector >= Sector.ACAD_PERM) & (sector <= Sector.STARTUP)


def is_academic(sector: np.ndarray) -> np.ndarray:
    """True where a sector value is an academic post."""
    return (sector == Sector.ACAD_PERM) | (sector == Sector.ACAD_FIXED)
