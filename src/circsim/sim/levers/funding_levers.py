"""Funding levers: base-funding trajectory, competitive-funding trajectory and contract
length, startup support, the university fund."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from ..sectors import Sector
from .base import Lever

if TYPE_CHECKING:
    from ..country import Country
    from ..model import CirculationModel


class BaseFunding(Lever):
    """Restore base (block) funding — operating grants in Japan — to a target level by a
    target year, ramping linearly from the start year; never below the baseline path."""

    target_vs_2004: float = Field(
        1.0,
        gt=0,
        le=10,
        description="target base funding relative to its 2004 level (1.0 = the FY2004 operating grants, 12,415 億円 [MEXT-OpGrants])",
    )
    target_year: int = Field(2030, ge=1990, le=2150, description="year the target is reached")
    cost_per_permanent_post_year_yen: float = Field(
        1.0e7, ge=0, description="used for the cost where no operating-grant series exists; assumed"
    )

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Raise the base-funding index; cost is the extra money (or extra posts x cost)."""
        s = ctry.state
        start_level = ctry.base_index(self.start_year)  # indices are relative to the model's start year
        goal = self.target_vs_2004 * ctry.base_index(2004)
        target = start_level + (goal - start_level) * self.ramp(m.year, self.target_year)
        extra = max(target - s.base_index, 0.0)
        s.base_index += extra
        money = ctry.base_funding_yen(m.p.start_year)
        if money is not None:
            return extra * money
        extra_posts = m.ref_posts[ctry.index, Sector.ACAD_PERM] * extra * m.p.scale
        return extra_posts * self.cost_per_permanent_post_year_yen


class CompetitiveFunding(Lever):
    """Scale competitive / external academic funds and set a minimum fixed-term contract
    length."""

    multiplier: float = Field(1.0, gt=0, le=10, description="factor on the competitive-funds path")
    min_contract_years: int = Field(0, ge=0, le=20, description="shortest fixed-term contract allowed (0 = no floor)")
    funding_at_start_yen: float = Field(
        1.0e11,
        ge=0,
        description="competitive/external academic funds in the start year, for costing; assumed (about 1,000 億円 at national universities in FY2004)",
    )

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Scale the competitive index and floor contract lengths; cost is the extra money."""
        s = ctry.state
        extra = s.competitive_index * (self.multiplier - 1.0)
        s.competitive_index += extra
        s.min_contract_years = max(s.min_contract_years, self.min_contract_years)
        return extra * self.funding_at_start_yen


class StartupSupport(Lever):
    """Public money for research-intensive startups: it pays startup research posts that
    hire through the researchers' job market (doctorate holders, returners, researchers
    changing post), not the non-doctoral entrants who fill most startup vacancies, so it
    changes who enters startups as well as how many posts there are."""

    yen_per_year: float = Field(1.0e10, ge=0, description="yearly support (100 億円 default)")
    cost_per_post_year_yen: float = Field(1.5e7, gt=0, description="cost of one startup research post a year; assumed")

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Add startup posts paid by the support, open to the researchers' market."""
        posts = self.yen_per_year / self.cost_per_post_year_yen / m.p.scale
        ctry.state.extra_posts[Sector.STARTUP] += posts
        ctry.state.market_posts[Sector.STARTUP] += posts
        return self.yen_per_year


class UniversityFund(Lever):
    """Endowment income for universities of international research excellence (Japan's
    university fund of about 10 trillion yen, paying out from FY2024 [Kyodo-2025-UnivFund]).

    The model has no universities, so the grant acts on the country's totals:
    ``post_share`` of it pays permanent academic posts (lever posts on top of the funded
    ones, filled by the ordinary academic hiring), ``support_share`` pays support staff
    whose work frees research time (the academic research-time share rises by the
    research FTE freed over the country's academics), and the fund's posts are open to
    international hiring (the penalty on foreign nationals for permanent posts falls by
    the fund posts' share of the country's permanent posts). The rest (doctoral support,
    facilities) is paid but not modelled.
    """

    yen_per_year: float = Field(
        2.78e10, ge=0, le=1e13,
        description="yearly grants (278 億円: about 154 億円 to Tohoku [Kyodo-2025-UnivFund] and 124 億円 to the Institute of Science Tokyo [Yomiuri-2025-ScienceTokyo])",
    )  # fmt: skip
    post_share: float = Field(
        0.5, ge=0, le=1,
        description="share paying permanent posts; assumed (the grants go mainly to personnel costs [Jiji-2024-Tohoku])",
    )  # fmt: skip
    support_share: float = Field(
        0.3, ge=0, le=1,
        description="share paying support staff who free research time; assumed (Tohoku plans about 1,100 more support staff [Jiji-2024-Tohoku])",
    )  # fmt: skip
    cost_per_post_year_yen: float = Field(1.0e7, gt=0, description="cost of one permanent post a year; assumed")
    cost_per_fte_year_yen: float = Field(
        8.0e6, gt=0, description="support staff cost per full-time-equivalent of research time freed; assumed"
    )

    @model_validator(mode="after")
    def _shares(self) -> UniversityFund:
        total = self.post_share + self.support_share
        if total > 1.0:
            raise ValueError(f"post_share + support_share is {total:g}; allowed: at most 1 (shares of one grant)")
        return self

    def apply(self, m: CirculationModel, ctry: Country) -> float:
        """Add the fund's permanent posts, free research time, open the posts abroad; cost
        is the grant."""
        s = ctry.state
        posts = self.yen_per_year * self.post_share / self.cost_per_post_year_yen / m.p.scale  # agent units
        s.extra_posts[Sector.ACAD_PERM] += posts
        held = m.occupied_posts()[ctry.index]
        academics = (held[Sector.ACAD_PERM] + held[Sector.ACAD_FIXED]) * m.p.scale
        freed = self.yen_per_year * self.support_share / self.cost_per_fte_year_yen
        s.research_time_share = min(s.research_time_share + freed / max(academics, 1.0), 1.0)
        permanent = held[Sector.ACAD_PERM] + posts
        s.foreign_permanent_penalty *= 1.0 - min(posts / max(permanent, 1.0), 1.0)
        return self.yen_per_year
