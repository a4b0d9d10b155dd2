"""Collaboration levers: joint research programmes whose calls fund cross-border teams,
with the members of a multinational programme (Horizon Europe) or with ODA partner
countries (SATREPS)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import Field

from ..groups import categorical_rows, stochastic_round
from ..sectors import Sector, is_academic
from ..steps.demography import add_entrants
from .base import Lever, competitive_pick

if TYPE_CHECKING:
    from ..country import Country
    from ..model import CirculationModel


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
    researchers come to the country as visitors or to posts. Each active team also
    brings ``partner_students_per_team`` doctoral students a year from its member
    country into the country's doctoral programmes (nationals of the member, who may
    return home after the doctorate by the usual routes). The model keeps no team
    membership, so the ties a project builds over its duration are credited when it
    starts. Cost: the membership fee and the country's funding of its active teams.
    """

    partners_field: ClassVar[str | None] = "members"

    members: list[str] = Field(
        ["UK", "DE", "FR", "OHI"], min_length=1, description="the programme's member countries (OHI: the other EU)"
    )
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
    partner_students_per_team: float = Field(
        0.0, ge=0, le=100, description="doctoral students a year from the member country per active team; none"
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
        members, weight = self._member_weights(m)
        academics = ~pop.gone & is_academic(pop.sector)
        eligible = np.flatnonzero(academics & (pop.country == home))
        n = min(int(stochastic_round(self.teams_per_year * self.researchers_per_team / scale, m.rng)), eligible.size)
        rows = competitive_pick(m, eligible, n)
        partner = self._draw_members(m, n)
        pop.ties[partner, rows] += self.tie_gain_per_year * self.duration_years
        expected = self.teams_per_year * self.partner_researchers_per_team * weight / weight.sum() / scale
        picked = []
        for member, k in zip(members, stochastic_round(expected, m.rng), strict=True):
            there = np.flatnonzero(academics & (pop.country == member))
            picked.append(competitive_pick(m, there, min(int(k), there.size)))
        others = np.concatenate(picked).astype(np.int64)
        pop.ties[home, others] += self.tie_gain_per_year * self.duration_years
        return rows, partner, others

    def _member_weights(self, m: CirculationModel) -> tuple[np.ndarray, np.ndarray]:
        """The members' model indices and their weights: their share of the world's
        top-10% papers (``frontier_weight``), every member kept reachable."""
        members = m.indices(self.members)
        return members, m.frontier_weight[members] + 1e-12

    def _draw_members(self, m: CirculationModel, n: int) -> np.ndarray:
        """``n`` members drawn with :meth:`_member_weights`."""
        members, weight = self._member_weights(m)
        return members[categorical_rows(np.broadcast_to(weight, (n, members.size)), m.rng)]

    def active_teams(self, m: CirculationModel) -> float:
        """Teams running this year: those formed in the last ``duration_years``."""
        return self.teams_per_year * min(m.year - self.start_year + 1, self.duration_years)

    def admit_students(self, m: CirculationModel, ctry: Country) -> slice:
        """This year's doctoral students from the members, brought by the active teams:
        doctoral entrants in the country with a member's nationality (drawn as the teams'
        members are). Returns their rows."""
        n = int(stochastic_round(self.active_teams(m) * self.partner_students_per_team / m.p.scale, m.rng))
        host = np.full(n, ctry.index)
        rows = add_entrants(m, host, Sector.DOCTORAL, np.zeros(n), m.p.doctoral_entry_age_years, 21, 0.0,
                            doctoral_left=m.doctoral_years[host])  # fmt: skip
        m.pop.nationality[rows] = self._draw_members(m, n)
        m.pop.standing[rows] = 0.0  # foreigners start without domestic standing (as add_entrants gives them)
        return rows

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Form this year's teams and admit their students; cost is the fee and the active
        teams' funding."""
        self.form_teams(m, ctry)
        self.admit_students(m, ctry)
        return self.membership_fee_yen + self.active_teams(m) * self.cost_per_team_year_yen


class OdaResearchPartnership(JointResearchProgramme):
    """Science diplomacy through ODA: joint research projects with developing countries,
    as SATREPS (JST and JICA, since FY2008: about 12 projects selected a year, 3-5 years,
    about 100 million yen a project a year [JST-SATREPS]). The mechanism of
    :class:`JointResearchProgramme`, with partner countries instead of programme members
    and no membership fee."""

    members: list[str] = Field(
        ["SEA", "SAS", "AFR", "LAM"], min_length=1, description="the partner countries (ODA recipients' regions)"
    )
    teams_per_year: float = Field(
        12, ge=0, le=1e5, description="new projects a year (SATREPS selects about 12 a year [JST-SATREPS])"
    )
    researchers_per_team: int = Field(5, ge=1, le=100, description="the country's researchers in a project; assumed")
    partner_researchers_per_team: int = Field(
        5, ge=0, le=100, description="researchers in the partner country in a project; assumed"
    )
    duration_years: int = Field(5, ge=1, le=10, description="project length (SATREPS: 3-5 years [JST-SATREPS])")
    partner_students_per_team: float = Field(
        1.0, ge=0, le=100,
        description="doctoral students a year from the partner country per active project (JICA trainees); assumed",
    )  # fmt: skip
    membership_fee_yen: float = Field(0.0, ge=0, description="none")
    cost_per_team_year_yen: float = Field(
        1.0e8, ge=0, description="about 100 million yen a project a year, JST and JICA together [JST-SATREPS]"
    )
