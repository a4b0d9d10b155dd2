"""Policy levers: small objects, one per lever, each acting on a country's yearly state.

The names here are the keys of a scenario file's ``[levers.NAME]`` tables.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .base import Lever
from .collaboration_levers import JointResearchProgramme, OdaResearchPartnership
from .doctoral_levers import DiversePhdCareers, DoctoralStipends
from .funding_levers import BaseFunding, CompetitiveFunding, StartupSupport, UniversityFund
from .mobility_levers import (
    ContactWindow,
    EmbassyFellows,
    OverseasFellowships,
    ResearcherCommunities,
)
from .rules_levers import AdminLoadReduction, HiringValuesOverseas, OpenPermanentPosts


class Levers(BaseModel):
    """The levers of a scenario; each is absent (off) unless its table is given."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False)

    base_funding: BaseFunding | None = None
    competitive_funding: CompetitiveFunding | None = None
    overseas_fellowships: OverseasFellowships | None = None
    embassy_fellows: EmbassyFellows | None = None
    researcher_communities: ResearcherCommunities | None = None
    contact_window: ContactWindow | None = None
    hiring_values_overseas: HiringValuesOverseas | None = None
    open_permanent_posts: OpenPermanentPosts | None = None
    admin_load: AdminLoadReduction | None = None
    doctoral_stipends: DoctoralStipends | None = None
    phd_careers: DiversePhdCareers | None = None
    startup_support: StartupSupport | None = None
    joint_programme: JointResearchProgramme | None = None
    satreps: OdaResearchPartnership | None = None
    university_fund: UniversityFund | None = None

    def active(self) -> dict[str, Lever]:
        """Levers present and enabled, by name, in a fixed order."""
        return {name: lv for name in type(self).model_fields if (lv := getattr(self, name)) is not None and lv.enabled}


LEVER_NAMES = tuple(Levers.model_fields)

__all__ = ["LEVER_NAMES", "Lever", "Levers"]
