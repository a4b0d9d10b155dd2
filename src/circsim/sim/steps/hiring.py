"""Employers' side of the job market: the hiring score of an applicant for a post.

    score = w_merit*talent + w_record*log(1 + papers) + valuation[c]*experience
            + insider[c]*standing*[nationality = c]
            - foreign_penalty[c]*[permanent post]*[nationality != c]
            + phd_bonus[c]*[doctorate]*[non-academic post] + noise

``experience`` is overseas experience in years, saturating at
``overseas_experience_cap_years`` and scaled to 0..1. ``standing`` is domestic network
standing at home, which decays while abroad: the insider preference is why researchers
fear losing their place at home.
"""

from __future__ import annotations

import numpy as np

from ..country import CountryArrays
from ..params import ModelParams
from . import market_kernels


def merit(p: ModelParams, talent: np.ndarray, papers_cum: np.ndarray) -> np.ndarray:
    """Applicant merit from talent and publication record."""
    return p.hiring_merit * talent + p.hiring_record * np.log1p(papers_cum)


def hiring_score(
    ca: CountryArrays,
    p: ModelParams,
    merit_i: np.ndarray,
    nat: np.ndarray,
    years_abroad: np.ndarray,
    standing: np.ndarray,
    has_phd: np.ndarray,
    cell_country: np.ndarray,
    cell_col: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Hiring score of each application: applicant attributes and the country and
    post column (0 permanent, 1 fixed-term, 2+ non-academic) of the cell applied to,
    all as arrays of the same length."""
    apps = market_kernels.Applications(merit_i, nat, years_abroad, standing, has_phd, cell_country, cell_col)
    employers = market_kernels.EmployerWeights(
        ca.overseas_valuation,
        ca.insider_preference,
        ca.foreign_permanent_penalty,
        p.hiring_phd_bonus_nonacademic + ca.phd_hiring_bonus,
        np.float32(p.overseas_experience_cap_years),
    )
    score = market_kernels.hiring_score(apps, employers)
    return score + p.hiring_noise * rng.standard_normal(score.shape)
