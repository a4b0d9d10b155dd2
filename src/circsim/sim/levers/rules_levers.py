"""Rule levers: how hiring values overseas experience, opening permanent posts to
foreign researchers, and cutting administrative load."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..sectors import is_academic
from .base import Lever

if TYPE_CHECKING:
    from ..country import Country
    from ..model import CirculationModel


class HiringValuesOverseas(Lever):
    """Hiring that values overseas experience: the hiring-score weight of overseas
    experience moves to a target over a few years."""

    target_weight: float = Field(0.6, ge=-5, le=5, description="hiring-score weight of overseas experience")
    ramp_years: int = Field(3, ge=1, le=50, description="years to reach the target")
    cost_per_year_yen: float = Field(1.0e8, ge=0, description="guidelines, evaluation and monitoring; assumed")

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Move the valuation weight towards the target."""
        s = ctry.state
        s.overseas_valuation += (self.target_weight - s.overseas_valuation) * self.ramp(
            m.year, self.start_year + self.ramp_years - 1
        )
        return self.cost_per_year_yen


class OpenPermanentPosts(Lever):
    """Open permanent posts to foreign researchers: lower the hiring-score penalty on
    foreign nationals for permanent posts."""

    penalty: float = Field(0.0, ge=0, le=50, description="remaining penalty (0 = fully open)")
    cost_per_year_yen: float = Field(
        5.0e8, ge=0, description="recruitment abroad, support services, English-language administration; assumed"
    )

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Set the penalty (never raising it)."""
        s = ctry.state
        s.foreign_permanent_penalty = min(s.foreign_permanent_penalty, self.penalty)
        return self.cost_per_year_yen


class AdminLoadReduction(Lever):
    """Cut administrative load: raise the academic research-time share to a target by a
    target year (the 2002 share, 46.5%, by default; MEXT FTE survey [MEXT-FTE]), paid for
    by support staff."""

    target_research_time_share: float = Field(
        0.465, gt=0, le=1, description="research-time share reached (MEXT FTE survey 2002: 0.465 [MEXT-FTE])"
    )
    target_year: int = Field(2030, ge=1990, le=2150)
    cost_per_fte_year_yen: float = Field(
        8.0e6, ge=0, description="support staff cost per full-time-equivalent of research time freed; assumed"
    )

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Raise the research-time share; cost is the research time freed x staff cost."""
        s = ctry.state
        start = ctry.research_time_share(self.start_year)
        target = start + (self.target_research_time_share - start) * self.ramp(m.year, self.target_year)
        gain = max(target - s.research_time_share, 0.0)
        s.research_time_share += gain
        academics = (
            np.count_nonzero(~m.pop.gone & is_academic(m.pop.sector) & (m.pop.country == ctry.index)) * m.p.scale
        )
        return gain * academics * self.cost_per_fte_year_yen
