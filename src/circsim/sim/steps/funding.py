"""Step 2: funding to posts, and vacancies.

Base (block) money pays permanent academic posts, competitive / external money pays
fixed-term posts (together with base money, :func:`circsim.sim.country.academic_post_multipliers`),
business and government R&D pay industry and public-institute posts, and startup posts
follow business R&D (plus the startup lever). Academic posts follow their money with a
lag.
"""

from __future__ import annotations

import numpy as np

from ..country import CountryArrays, academic_post_multipliers
from ..params import ModelParams
from ..sectors import N_SECTORS, Sector

#: The academic columns of a (country x sector) post table: permanent, fixed-term.
ACADEMIC = [Sector.ACAD_PERM, Sector.ACAD_FIXED]


def posts_from_funding(
    ref_posts: np.ndarray, ca: CountryArrays, p: ModelParams, academic: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Funded posts per country x sector (agent units, float) for the year, and the
    academic posts (C x 2: permanent, fixed-term) carried to the next year.

    ``ref_posts`` are the posts at the start year, when every index is 1. Academic posts
    close a share ``academic_posts_adjustment_per_year`` of the gap between last year's
    posts (``academic``) and the posts this year's money pays (universities hire in yearly
    rounds and do not dismiss permanent staff); other posts follow their money at once.
    Lever posts (``extra_posts``) come on top.
    """
    perm, fixed = academic_post_multipliers(
        ca.base_index, ca.competitive_index, p.permanent_posts_elasticity, p.fixed_term_external_share
    )
    target = ref_posts[:, ACADEMIC] * np.stack([perm, fixed], axis=1)
    academic = academic + p.academic_posts_adjustment_per_year * (target - academic)
    posts = ref_posts.copy()
    posts[:, ACADEMIC] = academic
    posts[:, Sector.INDUSTRY] *= ca.business_index
    posts[:, Sector.STARTUP] *= ca.business_index
    posts[:, Sector.GOVERNMENT] *= ca.government_index
    return posts + ca.extra_posts, academic


def occupancy(country: np.ndarray, sector: np.ndarray, holds_post: np.ndarray, n_countries: int) -> np.ndarray:
    """Occupied posts per country x sector (agent units) among rows where ``holds_post``."""
    idx = country[holds_post].astype(np.int64) * N_SECTORS + sector[holds_post]
    return np.bincount(idx, minlength=n_countries * N_SECTORS).reshape(n_countries, N_SECTORS)


def vacancies(posts: np.ndarray, occupied: np.ndarray) -> np.ndarray:
    """Open posts: funded minus occupied, never negative (permanent staff are not
    dismissed when funding falls; the posts close as they leave)."""
    return np.maximum(posts - occupied, 0)
