"""Countries / regions: few Mesa Agents holding funding streams, hiring rules and levers.

Each year :meth:`Country.start_year` resets the country's :class:`PolicyState` to the
baseline read from its data series; active levers then modify that state
(:mod:`circsim.sim.levers`). The vectorized mechanisms read the states of all countries
stacked into arrays by :func:`stack_states`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import mesa
import numpy as np

from ..errors import InputError
from .inputs import Region, has_series, load_contract_lengths, series_value
from .params import CountryParams, ModelParams
from .sectors import N_SECTORS

#: Higher-education expenditure on R&D, constant prices and PPP (data/series.csv)
HERD = "herd_real"


@dataclass
class PolicyState:
    """A country's effective funding and rules in the current year (after levers)."""

    base_index: float  # base (block) funding, start year = 1
    competitive_index: float  # competitive / external academic funds, start year = 1
    business_index: float  # business R&D
    government_index: float  # government R&D
    research_time_share: float  # academic research-time share
    overseas_valuation: float  # hiring-score weight of overseas experience
    insider_preference: float  # hiring-score weight of domestic standing
    foreign_permanent_penalty: float  # hiring-score penalty, foreign nationals on permanent posts
    renewal_prob: float
    fixed_term_cap_years: int  # 99 = no binding cap
    cap_conversion_prob: float
    # real academic money per funded post beyond what the funding indices carry, start
    # year = 1: the OECD HERD trend over the researcher path where no funding series exists
    money_trend: float = 1.0
    min_contract_years: int = 0  # floor on fixed-term contract length (lever)
    doctoral_intake_multiplier: float = 1.0  # doctoral support levers raise intake
    doctoral_dropout_multiplier: float = 1.0  # and lower drop-out
    phd_hiring_bonus: float = 0.0  # hiring-score bonus of PhDs outside academia (diverse careers)
    nonacademic_access: float = 1.0  # multiplier on the share of non-academic vacancies open to the market
    extra_posts: np.ndarray = field(default_factory=lambda: np.zeros(N_SECTORS))  # agent units
    # of extra_posts, those that hire researchers through the market, never non-doctoral entrants
    market_posts: np.ndarray = field(default_factory=lambda: np.zeros(N_SECTORS))  # agent units
    # information channels for nationals abroad, per host country (embassy fellows, contact window)
    home_visibility_abroad: np.ndarray | None = None  # extra visibility of home vacancies
    home_tie_gain_abroad: np.ndarray | None = None  # extra yearly tie gain with home
    # watch on each host country's research (embassy fellows as intelligence): an extra
    # channel by which new topics there reach home, in the units of a co-authorship share
    topic_watch: np.ndarray | None = None
    # support for the country's researcher communities abroad, per host: a supported
    # community counts as (1 + support) times its size in the host's attraction
    community_support: np.ndarray | None = None
    lever_cost_yen: dict[str, float] = field(default_factory=dict)  # this year's cost of each active lever


class Country(mesa.Agent):
    """A country or region. Its researchers live in the model's population arrays."""

    def __init__(self, model: mesa.Model, index: int, region: Region, params: CountryParams) -> None:
        super().__init__(model)
        self.index = index
        self.code = region.code
        self.region = region
        self.params = params
        self.contract_years, self.contract_probs = load_contract_lengths(region.code)
        #: academic money per academic relative to the reference country in the start year
        #: (set by the model from :meth:`money_per_academic`, see :func:`money_levels`)
        self.money_level = 1.0
        self.state: PolicyState = self.baseline_state(model.p.start_year)

    # --- funding series --------------------------------------------------------------
    def growth_index(self, year: int) -> float:
        """Researcher-post growth path relative to the start year: historical growth up
        to the last data year, projected growth after it."""
        p, start = self.params, self.model.p.start_year
        args = (p.researchers_ref_year, p.growth_data_per_year, p.growth_projection_per_year)
        return growth_path(year, *args) / growth_path(start, *args)

    def _series_index(self, name: str, year: int, *, log: bool) -> float:
        if not has_series(name, self.code):
            return self.growth_index(year)
        start = self.model.p.start_year
        return series_value(name, self.code, year, log=log) / series_value(name, self.code, start, log=log)

    def base_index(self, year: int) -> float:
        """Base funding (operating grants where a series exists) relative to the start year."""
        return self._series_index("operating_grants", year, log=False)

    def money_per_academic(self) -> float | None:
        """Real academic research money (OECD HERD, constant PPP $ millions) per academic
        of the input path (FTE researchers x university share) in the start year, or None
        without a HERD series."""
        if not has_series(HERD, self.code):
            return None
        p, start = self.params, self.model.p.start_year
        path = growth_path(start, p.researchers_ref_year, p.growth_data_per_year, p.growth_projection_per_year)
        academics = p.researchers_fte * p.share_university * path
        return series_value(HERD, self.code, start, log=True) / academics

    def money_trend(self, year: int) -> float:
        """Academic money per funded post relative to the start year beyond the funding
        indices: where the country has its own funding series (Japan's operating grants,
        which the funding levers move) they carry it all (1); elsewhere the funding indices
        follow the researcher path, so the real HERD trend over that path."""
        if has_series("operating_grants", self.code) or not has_series(HERD, self.code):
            return 1.0
        start = self.model.p.start_year
        herd = series_value(HERD, self.code, year, log=True) / series_value(HERD, self.code, start, log=True)
        return herd / self.growth_index(year)

    def base_funding_yen(self, year: int) -> float | None:
        """Base funding in yen where an operating-grant series exists (億円 x 1e8)."""
        if not has_series("operating_grants", self.code):
            return None
        return series_value("operating_grants", self.code, year) * 1e8

    def research_time_share(self, year: int) -> float:
        """Academic research-time share: MEXT series where it exists, else the constant."""
        if has_series("research_time_share", self.code):
            return series_value("research_time_share", self.code, year)
        return self.params.research_time_share

    def contract_length_probs(self) -> tuple[np.ndarray, np.ndarray]:
        """Fixed-term contract lengths after this year's minimum length, with probabilities."""
        return np.maximum(self.contract_years, self.state.min_contract_years), self.contract_probs

    def mean_contract_years(self) -> float:
        """Mean fixed-term contract length this year."""
        years, probs = self.contract_length_probs()
        return float(years @ probs)

    def baseline_state(self, year: int) -> PolicyState:
        """The country's funding and rules in ``year`` with no lever active."""
        p = self.params
        cap_on = year >= p.fixed_term_cap_from_year
        return PolicyState(
            base_index=self.base_index(year),
            competitive_index=self._series_index("external_funds_index", year, log=True),
            business_index=self.growth_index(year),
            government_index=self.growth_index(year),
            research_time_share=self.research_time_share(year),
            overseas_valuation=p.overseas_valuation,
            insider_preference=p.insider_preference,
            foreign_permanent_penalty=p.foreign_permanent_penalty,
            renewal_prob=p.renewal_prob,
            fixed_term_cap_years=p.fixed_term_cap_years if cap_on else 99,
            cap_conversion_prob=p.cap_conversion_prob if cap_on else 0.0,
            money_trend=self.money_trend(year),
            home_visibility_abroad=np.zeros(len(self.model.regions)),
            home_tie_gain_abroad=np.zeros(len(self.model.regions)),
            topic_watch=np.zeros(len(self.model.regions)),
            community_support=np.zeros(len(self.model.regions)),
        )

    def start_year(self, year: int) -> None:
        """Step 1 (funding and policy), baseline part: reset this year's state."""
        self.state = self.baseline_state(year)


def money_levels(countries: list[Country], reference: str = "US") -> None:
    """Set each country's ``money_level``: its HERD per academic in the start year over
    the reference country's (the first with a series if the reference is absent), or its
    assumed ``funding_per_researcher_rel`` where there is no HERD series or none to
    compare with. InputError for a country with neither."""
    per = {c.code: c.money_per_academic() for c in countries}
    ref = per.get(reference) or next((v for v in per.values() if v), None)
    for c in countries:
        if per[c.code] is not None and ref:
            c.money_level = per[c.code] / ref
        elif c.params.funding_per_researcher_rel is not None:
            c.money_level = c.params.funding_per_researcher_rel
        else:
            raise InputError(
                "a country needs academic research money: a HERD series or a level",
                key=f"countries.{c.code}.funding_per_researcher_rel",
                value="not set",
                allowed=f"a number > 0 (no {HERD} series for {c.code} in series.csv)",
            )


def growth_path(year: int, ref_year: int, g_data: float, g_proj: float) -> float:
    """Growth path level: ``(1+g_data)`` per year up to ``ref_year``, ``(1+g_proj)`` after."""
    return (1 + g_data) ** (min(year, ref_year) - ref_year) * (1 + g_proj) ** max(year - ref_year, 0)


@dataclass
class CountryArrays:
    """All countries' states stacked into arrays (index = country index)."""

    base_index: np.ndarray
    competitive_index: np.ndarray
    business_index: np.ndarray
    government_index: np.ndarray
    research_time_share: np.ndarray
    overseas_valuation: np.ndarray
    insider_preference: np.ndarray
    foreign_permanent_penalty: np.ndarray
    renewal_prob: np.ndarray
    fixed_term_cap_years: np.ndarray
    cap_conversion_prob: np.ndarray
    money_trend: np.ndarray
    min_contract_years: np.ndarray
    doctoral_intake_multiplier: np.ndarray
    doctoral_dropout_multiplier: np.ndarray
    phd_hiring_bonus: np.ndarray
    nonacademic_access: np.ndarray
    extra_posts: np.ndarray  # (C, S)
    market_posts: np.ndarray  # (C, S)
    home_visibility_abroad: np.ndarray  # (C home, C host)
    home_tie_gain_abroad: np.ndarray  # (C home, C host)
    topic_watch: np.ndarray  # (C home, C host)
    community_support: np.ndarray  # (C nationality, C host)
    mean_contract_years: np.ndarray
    pay_index: np.ndarray
    funding_rel: np.ndarray  # academic money per academic, relative
    research_money: np.ndarray  # the same without the funding indices: level x HERD trend
    academic_post_index: np.ndarray  # funded academic posts relative to the start year (before any lag)
    collab_openness: np.ndarray


def academic_post_multipliers(
    base_index: np.ndarray, competitive_index: np.ndarray, eps_perm: float, external_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Funded permanent and fixed-term academic posts relative to the start year.

    Permanent posts follow base money (``base_index ** eps_perm``); fixed-term posts are
    paid partly from base money and partly (``external_share``) from competitive/external
    money, each part in proportion to its stream, so a growing external stream adds posts
    only for the part of the posts it pays.
    """
    return base_index**eps_perm, (1.0 - external_share) * base_index + external_share * competitive_index


def academic_post_index(
    base_index: np.ndarray, competitive_index: np.ndarray, p: ModelParams, fixed_share: np.ndarray
) -> np.ndarray:
    """Funded academic posts (permanent and fixed-term) relative to the start year, with
    ``fixed_share`` the start-year fixed-term share of them."""
    perm, fixed = academic_post_multipliers(
        base_index, competitive_index, p.permanent_posts_elasticity, p.fixed_term_external_share
    )
    return (1.0 - fixed_share) * perm + fixed_share * fixed


def stack_states(countries: list[Country], p: ModelParams, fixed_share_ref: np.ndarray) -> CountryArrays:
    """Stack every country's current :class:`PolicyState` and fixed figures into arrays.

    Academic money per academic (``funding_rel``): the country's start-year level relative
    to the reference country (``money_level``, from OECD HERD per academic) times the
    academic money (base and competitive streams weighted by their start-year shares,
    ``base_money_share``) over the funded academic posts (``fixed_share_ref``: each
    country's fixed-term share of its start-year academic posts), times the HERD trend
    where the funding indices do not carry the money (``money_trend``).
    """
    names = [f.name for f in fields(PolicyState) if f.name != "lever_cost_yen"]
    stacked = {n: np.array([getattr(c.state, n) for c in countries]) for n in names}
    base, comp = stacked["base_index"], stacked["competitive_index"]
    base_share = np.array([c.params.base_money_share for c in countries])
    money = base_share * base + (1.0 - base_share) * comp
    posts = academic_post_index(base, comp, p, fixed_share_ref)
    research_money = np.array([c.money_level for c in countries]) * stacked["money_trend"]
    return CountryArrays(
        **stacked,
        mean_contract_years=np.array([c.mean_contract_years() for c in countries]),
        pay_index=np.array([c.params.pay_index for c in countries]),
        funding_rel=research_money * money / posts,
        research_money=research_money,
        academic_post_index=posts,
        collab_openness=np.array([c.params.collab_openness for c in countries]),
    )
