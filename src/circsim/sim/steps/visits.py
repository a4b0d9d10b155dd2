"""Step 6: temporary mobility — long visits abroad (travellers).

People holding a post start a long visit (over 30 days, MEXT's definition) with

    logit P = base + w_sec*security + (w_rt*(research_time - 0.4) + w_fund*log funding)*[academic]
              + w_ties*max foreign tie - w_risk*[this is a fixed-term contract's last year]
              - w_insider*insider_preference[home]*[at home]

times a sector weight for industry and startups (``visit_weight_industry``). The host is drawn with weights
(ties with the host + the host's share of top-cited papers). A visit builds ties with
the host, adds overseas experience, costs some domestic standing, and the visitor
comes back to their post.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..groups import categorical_rows, logistic
from ..kernel_common import post_holders
from . import visits_kernels
from .choice import security

#: Post columns where academic research time (administrative load) and funding apply.
ACADEMIC_COLUMNS = np.array([1.0, 1.0, 0.0, 0.0, 0.0])

if TYPE_CHECKING:
    from ..model import CirculationModel


def _visit_terms(m: CirculationModel, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logit of a long visit for each of ``rows`` (post holders), their post column, and
    the sector weights (indexed by column) the chance is multiplied by."""
    pop, p, ca = m.pop, m.p, m.this_year.countries
    # country x sector part of the logit, looked up once per researcher
    cell_logit = (
        p.visit_logit_base
        + p.visit_security * security(ca, p)
        + p.visit_research_time * (ca.research_time_share - 0.4)[:, None] * ACADEMIC_COLUMNS
        + p.visit_log_funding * np.log(ca.funding_rel)[:, None] * ACADEMIC_COLUMNS
    )
    weight = np.array([1.0, 1.0, p.visit_weight_industry, 1.0, p.visit_weight_industry])
    visit_weights = visits_kernels.VisitWeights(
        cell_logit, np.float32(p.visit_ties), p.visit_contract_risk, p.visit_insider_risk * ca.insider_preference
    )
    logit, col = visits_kernels.visit_logit(pop.people, rows, visit_weights, m.year)
    return logit, col, weight


def visit_probability(m: CirculationModel, rows: np.ndarray) -> np.ndarray:
    """Chance that each of ``rows`` (post holders) starts a long visit this year."""
    logit, col, weight = _visit_terms(m, rows)
    return logistic(logit) * weight[col]


def long_visits(m: CirculationModel) -> np.ndarray:
    """Draw this year's long visits. Returns the visiting rows (host in ``visit_dest``)."""
    pop, p, rng = m.pop, m.p, m.rng
    cand = post_holders(pop.people, True)
    u = rng.random(cand.size)
    logit, col, weight = _visit_terms(m, cand)
    # the logistic's exp in numpy, in place; the rest of visit_probability and the
    # comparison with the draws in one compiled pass
    np.exp(np.negative(np.clip(logit, -50, 50, out=logit), out=logit), out=logit)
    go = visits_kernels.visits_drawn(cand, u, logit, weight, col)
    if go.size == 0:
        return go
    weights = pop.ties[:, go].T + m.frontier_weight[None, :]
    weights[np.arange(go.size), pop.country[go]] = 0.0
    dest = categorical_rows(weights, rng).astype(np.int8)
    pop.visit_dest[go] = dest
    pop.visits[go] += 1
    pop.ties[dest, go] += p.visit_tie_gain
    abroad = dest != pop.nationality[go]
    pop.years_abroad[go[abroad]] += p.visit_years
    home = go[pop.nationality[go] == pop.country[go]]
    pop.standing[home] *= 1.0 - p.standing_decay_abroad_per_year * p.visit_years
    return go
