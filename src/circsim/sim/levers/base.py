"""What every policy lever shares: a country, a start year, an on/off switch, and a
yearly ``apply`` that modifies the country's :class:`~circsim.sim.country.PolicyState`
(or acts on the population) and returns the year's cost in yen."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from ..country import Country
    from ..model import CirculationModel


class Lever(BaseModel):
    """Base of all levers. Subclasses add their settings and implement :meth:`apply`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False)

    enabled: bool = Field(True, description="switch the lever on or off")
    country: str = Field("JP", description="country code the lever acts in")
    start_year: int = Field(2026, ge=1990, le=2150, description="first year the lever acts (policy year)")

    def active(self, year: int) -> bool:
        """Whether the lever acts in ``year``."""
        return self.enabled and year >= self.start_year

    #: the field that lists the countries the lever acts with besides its own, if any
    partners_field: ClassVar[str | None] = None

    def partners(self) -> list[str]:
        """Country codes the lever acts with besides its own (none by default)."""
        return list(getattr(self, self.partners_field)) if self.partners_field else []

    def ramp(self, year: int, target_year: int) -> float:
        """Fraction of the way from the start year to ``target_year`` (0..1, linear)."""
        span = max(target_year - self.start_year + 1, 1)
        return min(max((year - self.start_year + 1) / span, 0.0), 1.0)

    def apply(self, m: CirculationModel, ctry: Country) -> float:  # pragma: no cover - abstract
        """Act on ``ctry`` in the model's current year; return the year's cost in yen."""
        raise NotImplementedError


def competitive_pick(m: CirculationModel, eligible: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` of ``eligible`` (rows) a competitive selection picks: ranked by talent
    with a noisy review."""
    rank = m.pop.talent[eligible] + 0.5 * m.rng.standard_normal(eligible.size)
    return eligible[np.argsort(-rank)[:n]]
