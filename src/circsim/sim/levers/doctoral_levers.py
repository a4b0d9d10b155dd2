"""Doctoral levers: stipends for doctoral students, and diverse PhD careers (industry,
government and startups absorbing PhDs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..sectors import Sector
from .base import Lever

if TYPE_CHECKING:
    from ..country import Country
    from ..model import CirculationModel


class DoctoralStipends(Lever):
    """Stipends for doctoral students: the supported share raises doctoral intake and
    lowers drop-out."""

    stipends: float = Field(
        7500, ge=0, le=1e7, description="doctoral students supported at any time (real people); assumed scale"
    )
    stipend_yen_per_year: float = Field(
        2.9e6, ge=0, description="living stipend and research money per student a year; assumed"
    )
    intake_effect: float = Field(0.5, ge=0, le=10, description="relative intake gain at full coverage; assumed")
    dropout_effect: float = Field(0.5, ge=0, le=1, description="relative drop-out cut at full coverage; assumed")

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Set the intake and drop-out multipliers from the supported share."""
        students = (
            np.count_nonzero(~m.pop.gone & (m.pop.sector == Sector.DOCTORAL) & (m.pop.country == ctry.index))
            * m.p.scale
        )
        funded = min(self.stipends, students)
        share = funded / students if students else 0.0
        ctry.state.doctoral_intake_multiplier *= 1.0 + self.intake_effect * share
        ctry.state.doctoral_dropout_multiplier *= 1.0 - self.dropout_effect * share
        return funded * self.stipend_yen_per_year


class DiversePhdCareers(Lever):
    """Diverse PhD careers: industry, government and startups value doctorates more in
    hiring (placement programmes, internships, recognition of the degree)."""

    hiring_bonus: float = Field(0.5, ge=-10, le=10, description="hiring-score bonus of PhDs in non-academic posts")
    access_multiplier: float = Field(
        1.5, ge=0, le=10, description="factor on the share of non-academic vacancies open to researchers; assumed"
    )
    cost_per_year_yen: float = Field(5.0e9, ge=0, description="internship and placement programmes; assumed")

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Open more non-academic vacancies to PhDs and favour them in hiring."""
        ctry.state.phd_hiring_bonus += self.hiring_bonus
        ctry.state.nonacademic_access *= self.access_multiplier
        return self.cost_per_year_yen
