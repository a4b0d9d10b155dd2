"""Mobility and collaboration levers: overseas fellowships for young researchers, science
& technology fellows at embassies, support for researcher communities abroad, a unified
contact window for researchers abroad, and association to a multinational joint research
programme."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from ..groups import categorical_rows, stochastic_round
from ..sectors import Sector, is_academic, is_post
from .base import Lever

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
        rows = _competitive_pick(m, eligible, n)
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


def _competitive_pick(m: CirculationModel, eligible: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` of ``eligible`` a competitive selection picks: ranked by talent with a
    noisy review."""
    rank = m.pop.talent[eligible] + 0.5 * m.rng.standard_normal(eligible.size)
    return eligible[np.argsort(-rank)[:n]]


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


class JointResearchProgramme(Lever):
    """A joint research programme whose calls fund cross-border teams: association to a
    multinational programme (Horizon Europe: Japan concluded its association to Pillar II
    in December 2025 [EEAS-2025-HorizonEurope]) or bilateral projects with partner
    countries (SATREPS, with ODA partner countries [JST-SATREPS]).

    Each year ``teams_per_year`` new teams form, each with ``researchers_per_team``
    researchers on academic posts in the country and ``partner_researchers_per_team`` on
    academic posts in a member country, both picked by a competitive call (talent with a
    noisy review). A team's member country is drawn in proportion to the members'
    top-10% papers. Over the project's ``duration_years`` each researcher builds
    ``tie_gain_per_year`` of ties with the other side's country. Ties raise long visits
    there and the choice of it as host (step 6), co-authorship with it (step 8), and the
    visibility and pull of its vacancies in the job market (step 6), so partner
    researchers come to the country as visitors or to posts. The model keeps no team
    membership, so the ties a project builds over its duration are credited when it
    starts. Cost: the membership fee and the country's funding of its active teams.
    """

    partners_field: ClassVar[str | None] = "members"

    members: list[str] = Field(["UK", "DE", "FR"], min_length=1, description="the programme's member countries")
    teams_per_year: float = Field(
        40, ge=0, le=1e5,
        description="new teams a year with the country's researchers (order of magnitude: 169 Japanese participations in Horizon Europe, 2021-Oct 2025, before association [ScienceBusiness-2025])",
    )  # fmt: skip
    researchers_per_team: int = Field(3, ge=1, le=100, description="the country's researchers in a team; assumed")
    partner_researchers_per_team: int = Field(
        3, ge=0, le=100, description="researchers in the member country in a team; assumed"
    )
    duration_years: int = Field(3, ge=1, le=10, description="project length (JST SICORP: 3-5 years [JST-SICORP])")
    tie_gain_per_year: float = Field(
        0.3,
        ge=0,
        le=5,
        description="tie built with the other side's country per project year; assumed (a long visit builds 0.6)",
    )
    membership_fee_yen: float = Field(
        1.2e9,
        ge=0,
        description="yearly membership fee (Horizon Europe association: about 12 億円 in Japan's FY2026 budget [Yomiuri-2025-HorizonEurope])",
    )
    cost_per_team_year_yen: float = Field(
        2.0e7, ge=0,
        description="the country's funding of one team a year; assumed, within JST SICORP's 6-100 million yen a project a year [JST-SICORP]",
    )  # fmt: skip

    def form_teams(self, m: CirculationModel, ctry: Country) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This year's team members in the country (rows), the member country each is
        paired with, and the team members in the member countries (rows)."""
        pop, home, scale = m.pop, ctry.index, m.p.scale
        members = np.array([m.codes.index(c) for c in self.members])
        weight = m.frontier_weight[members] + 1e-12  # every member stays reachable
        academics = ~pop.gone & is_academic(pop.sector)
        eligible = np.flatnonzero(academics & (pop.country == home))
        n = min(int(stochastic_round(self.teams_per_year * self.researchers_per_team / scale, m.rng)), eligible.size)
        rows = _competitive_pick(m, eligible, n)
        partner = members[categorical_rows(np.broadcast_to(weight, (n, members.size)), m.rng)]
        pop.ties[partner, rows] += self.tie_gain_per_year * self.duration_years
        expected = self.teams_per_year * self.partner_researchers_per_team * weight / weight.sum() / scale
        picked = []
        for member, k in zip(members, stochastic_round(expected, m.rng), strict=True):
            there = np.flatnonzero(academics & (pop.country == member))
            picked.append(_competitive_pick(m, there, min(int(k), there.size)))
        others = np.concatenate(picked).astype(np.int64)
        pop.ties[home, others] += self.tie_gain_per_year * self.duration_years
        return rows, partner, others

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Form this year's teams; cost is the fee and the active teams' funding."""
        self.form_teams(m, ctry)
        active = self.teams_per_year * min(m.year - self.start_year + 1, self.duration_years)
        return self.membership_fee_yen + active * self.cost_per_team_year_yen


class OdaResearchPartnership(JointResearchProgramme):
    """Science diplomacy through ODA: joint research projects with developing countries,
    as SATREPS (JST and JICA, since FY2008: about 12 projects selected a year, 3-5 years,
    about 100 million yen a project a year [JST-SATREPS]). The mechanism of
    :class:`JointResearchProgramme`, with partner countries instead of programme members
    and no membership fee."""

    members: list[str] = Field(["ROW"], min_length=1, description="the partner countries")
    teams_per_year: float = Field(
        12, ge=0, le=1e5, description="new projects a year (SATREPS selects about 12 a year [JST-SATREPS])"
    )
    researchers_per_team: int = Field(5, ge=1, le=100, description="the country's researchers in a project; assumed")
    partner_researchers_per_team: int = Field(
        5, ge=0, le=100, description="researchers in the partner country in a project; assumed"
    )
    duration_years: int = Field(5, ge=1, le=10, description="project length (SATREPS: 3-5 years [JST-SATREPS])")
    membership_fee_yen: float = Field(0.0, ge=0, description="none")
    cost_per_team_year_yen: float = Field(
        1.0e8, ge=0, description="about 100 million yen a project a year, JST and JICA together [JST-SATREPS]"
    )
