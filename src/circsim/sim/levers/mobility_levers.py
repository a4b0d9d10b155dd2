"""Mobility levers: overseas fellowships for young researchers, science & technology
fellows at embassies, support for researcher communities abroad, and a unified contact
window for researchers abroad."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from ..groups import categorical_rows, stochastic_round
from ..sectors import Sector, is_post
from .base import Lever, competitive_pick

if TYPE_CHECKING:
    from ..country import Country
    from ..model import CirculationModel

GUARANTEE_SECTOR = {"none": -1, "fixed": int(Sector.ACAD_FIXED), "permanent": int(Sector.ACAD_PERM)}


class OverseasFellowships(Lever):
    """Fellowships abroad for young researchers, optionally with a post guaranteed at home.

    Each year the best-ranked eligible nationals (doctorate within ``max_years_since_phd``
    years, on a fixed-term post or without one, at home) leave for a host abroad chosen
    by their ties and the hosts' share of top-cited papers. Fellows do not take a host
    post. At the end, with a guarantee they return to a lever-funded home post of the
    guaranteed kind for ``guarantee_post_years``; without one they look for a post
    where they are.
    """

    fellows_per_year: float = Field(1000, ge=0, le=1e6, description="new fellowships a year (real people)")
    duration_years: int = Field(2, ge=1, le=10)
    max_years_since_phd: int = Field(5, ge=0, le=40, description="eligibility")
    guarantee: Literal["none", "fixed", "permanent"] = Field("none", description="post guaranteed at home on return")
    guarantee_post_years: int = Field(5, ge=1, le=40, description="years the guaranteed post is funded")
    cost_per_fellow_year_yen: float = Field(
        7.0e6,
        ge=0,
        description="stipend and travel; assumed (JSPS-style overseas fellowships pay roughly 4.5-6 million yen a year plus travel)",
    )
    cost_per_guaranteed_post_year_yen: float = Field(8.0e6, ge=0, description="assumed")

    def guaranteed_posts(self, m: CirculationModel, ctry: Country) -> np.ndarray:
        """Guaranteed posts held (or taken up this year) at home, per sector (agent units):
        returned fellows within their guaranteed years, still on a post of the guaranteed kind."""
        pop, home = m.pop, ctry.index
        mine = ~pop.gone & (pop.nationality == home) & (pop.guaranteed_until >= m.year)
        kind = GUARANTEE_SECTOR[self.guarantee]
        held = mine & (pop.country == home) & (pop.fellow_until == 0) & (pop.sector == kind)
        incoming = mine & (pop.fellow_until == m.year - 1) & (pop.fellow_guarantee >= 0)  # return this year
        out = np.zeros(len(Sector))
        out += np.bincount(pop.sector[held], minlength=len(Sector))
        out += np.bincount(pop.fellow_guarantee[incoming].astype(np.int64), minlength=len(Sector))
        out[[Sector.DOCTORAL, Sector.UNEMPLOYED, Sector.LEFT]] = 0
        return out

    def award(self, m: CirculationModel, ctry: Country) -> np.ndarray:
        """Select this year's fellows and send them abroad. Returns their rows."""
        pop, rng, home = m.pop, m.rng, ctry.index
        eligible = np.flatnonzero(
            ~pop.gone
            & (pop.nationality == home)
            & (pop.country == home)
            & (pop.phd_year >= 0)
            & (m.year - pop.phd_year <= self.max_years_since_phd)
            & (pop.fellow_until == 0)
            & ((pop.sector == Sector.ACAD_FIXED) | (pop.sector == Sector.UNEMPLOYED))
        )
        n = min(int(stochastic_round(self.fellows_per_year / m.p.scale, rng)), eligible.size)
        if n == 0:
            return eligible[:0]
        rows = competitive_pick(m, eligible, n)
        weights = pop.ties[:, rows].T + m.frontier_weight[None, :]
        weights[:, home] = 0.0
        host = categorical_rows(weights, rng).astype(np.int8)
        end = m.year + self.duration_years - 1
        pop.move(rows, host, Sector.ACAD_FIXED, year=m.year, tie_gain=m.p.tie_move_gain)
        pop.contract_end[rows] = end
        pop.fellow_until[rows] = end
        pop.fellow_guarantee[rows] = GUARANTEE_SECTOR[self.guarantee]
        pop.guaranteed_until[rows] = end + self.guarantee_post_years if self.guarantee != "none" else 0
        return rows

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Award fellowships, fund guaranteed posts; cost is fellows abroad plus posts."""
        self.award(m, ctry)
        posts = self.guaranteed_posts(m, ctry)
        ctry.state.extra_posts += posts
        pop = m.pop
        fellows = np.count_nonzero(~pop.gone & (pop.nationality == ctry.index) & (pop.fellow_until >= m.year))
        return m.p.scale * (
            fellows * self.cost_per_fellow_year_yen + posts.sum() * self.cost_per_guaranteed_post_year_yen
        )


def by_nationals_abroad(m: CirculationModel, ctry: Country, total: float) -> np.ndarray:
    """``total`` spread over host countries in proportion to the country's nationals
    holding or seeking a post there."""
    pop = m.pop
    in_research = is_post(pop.sector) | (pop.sector == Sector.UNEMPLOYED)
    abroad = ~pop.gone & (pop.nationality == ctry.index) & (pop.country != ctry.index) & in_research
    nationals = np.bincount(pop.country[abroad], minlength=m.n_countries).astype(float)
    if nationals.sum() == 0:
        return nationals
    return total * nationals / nationals.sum()


def _saturating(units: np.ndarray, scale: float) -> np.ndarray:
    return 1.0 - np.exp(-units / scale)


class EmbassyFellows(Lever):
    """Science & technology fellows at embassies. Allocated to host countries in
    proportion to the nationals working or looking for work there, they raise the visibility of home
    vacancies to those nationals and strengthen their ties with home, and, as an
    intelligence function that follows the host's research, open a channel by which new
    topics there reach home (topic diffusion, step 8), each saturating with the number
    of fellows per host. MOFA had S&T fellows at 6 missions and S&T officers at 53 in
    2022-23 [MOFA-ST-Fellows-2023]."""

    fellows: int = Field(30, ge=0, le=10000, description="fellows posted abroad")
    visibility_gain: float = Field(0.3, ge=0, le=1, description="maximum extra visibility of home vacancies; assumed")
    tie_gain: float = Field(0.2, ge=0, le=5, description="maximum extra yearly tie gain with home; assumed")
    intelligence_gain: float = Field(
        0.05,
        ge=0,
        le=1,
        description="maximum channel by which new topics in a host reach home, in units of the share of home papers co-authored with the host; assumed",
    )
    fellows_scale: float = Field(5.0, gt=0, description="fellows per host reaching 63% of the maximum effect; assumed")
    cost_per_fellow_year_yen: float = Field(2.0e7, ge=0, description="salary and posting allowances; assumed")

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Raise visibility and tie gains abroad and watch the hosts' research; cost is
        fellows x cost."""
        effect = _saturating(by_nationals_abroad(m, ctry, self.fellows), self.fellows_scale)
        ctry.state.home_visibility_abroad += self.visibility_gain * effect
        ctry.state.home_tie_gain_abroad += self.tie_gain * effect
        ctry.state.topic_watch += self.intelligence_gain * effect
        return self.fellows * self.cost_per_fellow_year_yen


class ResearcherCommunities(Lever):
    """Support for associations of the country's researchers abroad, such as the network of
    Japanese researcher communities that UJA links (24 communities in 2015, 50+ in 2020
    [UJA-2020]). Associations are spread over host countries in proportion to the
    nationals holding or seeking a post there; in each host a supported community counts
    as up to ``presence_gain`` larger in the host's attraction for the country's
    researchers (the community term of the job market's utility), saturating with the
    associations per host."""

    associations: int = Field(
        50, ge=0, le=10000, description="associations supported (UJA: 50+ communities in 2020 [UJA-2020])"
    )
    presence_gain: float = Field(
        0.5, ge=0, le=10, description="most a host's supported community counts larger than its size; assumed"
    )
    associations_scale: float = Field(
        10.0, gt=0, description="associations per host reaching 63% of the maximum effect; assumed"
    )
    cost_per_association_year_yen: float = Field(1.0e7, ge=0, description="a coordinator, meetings and travel; assumed")

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Raise the presence of supported communities; cost is associations x cost."""
        effect = _saturating(by_nationals_abroad(m, ctry, self.associations), self.associations_scale)
        ctry.state.community_support += self.presence_gain * effect
        return self.associations * self.cost_per_association_year_yen


class ContactWindow(Lever):
    """A single contact window for researchers abroad: home vacancies become more
    visible to nationals in every host country."""

    visibility_gain: float = Field(0.1, ge=0, le=1, description="extra visibility of home vacancies; assumed")
    cost_per_year_yen: float = Field(3.0e8, ge=0, description="portal and staff; assumed")

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Raise visibility in every host."""
        ctry.state.home_visibility_abroad += self.visibility_gain
        return self.cost_per_year_yen
