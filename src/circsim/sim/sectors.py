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
