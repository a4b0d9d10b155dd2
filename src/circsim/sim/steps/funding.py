"""Step 2: funding to posts, and vacancies.

Base (block) money pays permanent academic posts, competitive / external money pays
fixed-term posts, business and government R&D pay industry and public-institute posts,
and startup posts follow business R&D (plus the startup lever). Posts scale with their
funding index to a stream-specific elasticity from the posts at the start year.
"""

from __future__ import annotations

import numpy as np

from ..country import CountryArrays
from ..sectors import N_SECTORS, Sector


def posts_from_funding(ref_posts: np.ndarray, ca: CountryArrays, eps_perm: float, eps_fixed: float) -> np.ndarray:
    """Funded posts per country x sector (agent units, float) for the year.

    ``ref_posts`` are the posts at the start year, when every index is 1.
    """
    posts = ref_posts.copy()
    posts[:, Sector.ACAD_PERM] *= ca.base_index**eps_perm
    posts[:, Sector.ACAD_FIXED] *= ca.competitive_index**eps_fixed
    posts[:, Sector.INDUSTRY] *= ca.business_index
    posts[:, Sector.STARTUP] *= ca.business_index
    posts[:, Sector.GOVERNMENT] *= ca.government_index
    return posts + ca.extra_posts


def occupancy(country: np.ndarray, sector: np.ndarray, holds_post: np.ndarray, n_countries: int) -> np.ndarray:
    """Occupied posts per country x sector (agent units) among rows where ``holds_post``."""
    idx = country[holds_post].astype(np.int64) * N_SECTORS + sector[holds_post]
    return np.bincount(idx, minlength=n_countries * N_SECTORS).reshape(n_countries, N_SECTORS)


def vacancies(posts: np.ndarray, occupied: np.ndarray) -> np.ndarray:
    """Open posts: funded minus occupied, never negative (permanent staff are not
    dismissed when funding falls; the posts close as they leave)."""
    return np.maximum(posts - occupied, 0)
