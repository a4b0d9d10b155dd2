"""Compiled (numba) loops of step 6, long visits abroad (:mod:`circsim.sim.steps.visits`):
the logit of a visit and the draws (rules in :mod:`circsim.sim.kernel_common`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..kernel_common import ACAD_FIXED, ACAD_PERM, jit
from ..population import People


class VisitWeights(NamedTuple):
    """Terms of the logit of a long visit."""

    cell_logit: np.ndarray  # (C x N_POST) country x post part
    ties: np.float32  # per unit of the strongest tie (numpy's float32 product)
    contract_risk: float  # subtracted in a fixed-term contract's last year
    insider_risk: np.ndarray  # per country, subtracted at home


@jit
def visit_logit(people: People, rows: np.ndarray, w: VisitWeights, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Logit of starting a long visit for the post holders in ``rows``, and their post
    column ``col = sector[rows] - ACAD_PERM``::

        c = country[rows]
        ending = (sector[rows] == ACAD_FIXED) & (contract_end[rows] <= year)
        ((w.cell_logit[c, col] + w.ties * ties[:, rows].max(axis=0)) - w.contract_risk * ending)
        - w.insider_risk[c] * (nationality[rows] == c)
    """
    country, sector, nationality, contract_end = people.country, people.sector, people.nationality, people.contract_end
    ties, cell_logit, insider_risk = people.ties, w.cell_logit, w.insider_risk
    n_c = ties.shape[0]
    logit = np.empty(rows.size)
    col = np.empty(rows.size, np.int64)
    for j in range(rows.size):
        r = rows[j]
        c = country[r]
        k = sector[r] - ACAD_PERM
        col[j] = k
        strongest = ties[0, r]
        for d in range(1, n_c):
            if ties[d, r] > strongest:
                strongest = ties[d, r]
        ending = sector[r] == ACAD_FIXED and contract_end[r] <= year
        logit[j] = (
            (cell_logit[c, k] + np.float64(w.ties * strongest)) - w.contract_risk * np.float64(ending)
        ) - insider_risk[c] * np.float64(nationality[r] == c)
    return logit, col


@jit
def visits_drawn(rows: np.ndarray, u: np.ndarray, e: np.ndarray, weight: np.ndarray, col: np.ndarray) -> np.ndarray:
    """The ``rows`` whose draw ``u`` is below their visit chance: ``rows[u < 1.0 / (1.0 + e)
    * weight[col]]`` (:func:`circsim.sim.groups.logistic` given ``e = exp(-clip(logit))``)."""
    out = np.empty(rows.size, np.int64)
    k = 0
    for j in range(rows.size):
        if u[j] < 1.0 / (1.0 + e[j]) * weight[col[j]]:
            out[k] = rows[j]
            k += 1
    return out[:k]
