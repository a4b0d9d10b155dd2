"""Typed, validated parameters of the circulation model.

Three layers, all pydantic models that reject unknown names:

* :class:`ModelParams` — run settings and behavioural weights shared by all countries.
* :class:`CountryParams` — per-country figures and hiring rules; defaults are read from
  ``data/countries.csv`` (each row there carries its source), scenario files override them.
* lever settings — see :mod:`circsim.sim.levers`.

Behavioural weights have no direct data: each is marked *assumed*. The defaults here
are the raw values; those estimated by ``circsim calibrate`` are replaced by the values
of ``data/calibrated.toml`` under every scenario (``calibrated = false`` opts out; see
docs/ODD.md, "Calibrated parameters"). Units are in the names (``_per_year``, ``_yen``,
``_years``); logit and score weights are dimensionless.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .inputs import World

Share = Field(ge=0.0, le=1.0)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False)


class ModelParams(_Strict):
    """Run settings and behavioural parameters shared by every country."""

    # --- run ---------------------------------------------------------------------
    scale: float = Field(100.0, gt=0, le=1e5, description="real researchers per agent")
    start_year: int = Field(
        2004,
        ge=1990,
        le=2100,
        description="first recorded year (burn-in years run before it); 2004 = national-university incorporation, start of the operating-grant series [MEXT-OpGrants]",
    )
    end_year: int = Field(2040, ge=1990, le=2150, description="last simulated year")
    burn_in_years: int = Field(
        5,
        ge=0,
        le=50,
        description="years run before start_year at start-year funding, not recorded, so careers and ties settle; assumed",
    )
    focal_country: str = Field("JP", description="country whose headline numbers the DataCollector reports")
    world: World = Field(
        "regions",
        description="the rest of the world as the regions of data/regions.csv (regions) or as one block (block)",
    )

    # --- mechanism switches (all on in the baseline) -----------------------------------
    enable_long_visits: bool = Field(True, description="step 6: long visits abroad (travellers)")
    enable_returns: bool = Field(True, description="step 7: nationals abroad weighing a return home")
    enable_topic_diffusion: bool = Field(True, description="step 8: new topics spreading through ties")
    enable_information_frictions: bool = Field(
        True, description="vacancies abroad visible only with some probability; off = every vacancy is seen"
    )
    enable_on_the_job_search: bool = Field(True, description="employed researchers search for better posts")
    enable_intake_response: bool = Field(
        True, description="doctoral intake responds to career attractiveness; off = intake fixed at its base"
    )

    # --- demography (assumed, to calibrate) -------------------------------------
    retirement_age_years: int = Field(
        65, ge=50, le=80, description="age of retirement; 65 at Japanese national universities (assumed for all)"
    )
    doctoral_entry_age_years: float = Field(25.0, ge=18, le=40, description="mean age at doctoral entry; assumed")
    direct_entry_age_years: float = Field(
        25.0, ge=18, le=40, description="mean age of non-doctoral entrants to industry/government posts; assumed"
    )
    exit_rate_doctoral_per_year: float = Field(
        0.099,
        ge=0,
        lt=1,  # intake is sized from graduates: someone must graduate
        description="doctoral drop-out per year of a programme: 1 - 0.594 ** (1 / 5), the 59.4% ten-year "
        "completion of US STEM doctoral entrants over the US's 5 programme years (CGS Ph.D. Completion "
        "Project: engineering 64%, life sciences 63%, mathematics and physical sciences 55%, weighted by "
        "entrants 9,496 / 6,925 / 15,262) [CGS-2008]; the same hazard in every country",
    )
    exit_rate_acad_perm_per_year: float = Field(0.004, ge=0, le=1, description="assumed")
    exit_rate_acad_fixed_per_year: float = Field(0.03, ge=0, le=1, description="higher on short contracts; assumed")
    exit_rate_industry_per_year: float = Field(0.02, ge=0, le=1, description="assumed")
    exit_rate_government_per_year: float = Field(0.01, ge=0, le=1, description="assumed")
    exit_rate_startup_per_year: float = Field(0.06, ge=0, le=1, description="assumed")
    exit_rate_unemployed_per_year: float = Field(
        0.5,
        ge=0,
        le=1,
        description="first year without a post: most doctorate holders without a research post take other work within a year; assumed",
    )
    exit_rate_unemployed_increase_per_year: float = Field(
        0.15, ge=0, le=1, description="added per further year without a post; assumed"
    )
    reentry_rate_per_year: float = Field(
        0.02, ge=0, le=1, description="chance someone who left research seeks a post again; assumed"
    )
    left_tracking_years: int = Field(
        5, ge=1, le=40, description="years a leaver is followed (may re-enter) before leaving the population"
    )
    doctoral_intake_elasticity: float = Field(
        0.3, ge=0, le=5, description="elasticity of doctoral intake to career attractiveness; assumed"
    )
    doctoral_capacity_elasticity: float = Field(
        1.0,
        ge=0,
        le=5,
        description="elasticity of doctoral intake to the country's funded academic posts (supervisors and the grants that pay doctoral students), relative to the year of its doctorates figure; assumed",
    )
    doctoral_intake_lag_years: int = Field(
        3, ge=0, le=10, description="lag of intake behind perceived prospects; assumed"
    )
    attractiveness_smoothing: float = Field(
        0.3, gt=0, le=1, description="weight of the newest year in the smoothed career attractiveness; assumed"
    )
    direct_entry_fill_share: float = Field(
        0.9,
        ge=0,
        le=1,
        description="share of industry/government/startup vacancies left after the market that non-doctoral entrants fill; assumed",
    )
    nonacademic_market_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="share of industry/government/startup vacancies open to the researcher market (doctorate holders and researchers changing jobs); the rest are filled by non-doctoral entrants; assumed",
    )
    direct_entry_talent_mean: float = Field(
        -0.3, ge=-3, le=3, description="mean latent talent of non-doctoral entrants (doctoral entrants: 0); assumed"
    )

    # --- job market (assumed, to calibrate) --------------------------------------
    search_rate_acad_perm_per_year: float = Field(0.02, ge=0, le=1, description="on-the-job search; assumed")
    search_rate_acad_fixed_per_year: float = Field(0.15, ge=0, le=1, description="assumed")
    search_rate_industry_per_year: float = Field(0.03, ge=0, le=1, description="assumed")
    search_rate_government_per_year: float = Field(0.02, ge=0, le=1, description="assumed")
    search_rate_startup_per_year: float = Field(0.08, ge=0, le=1, description="assumed")
    options_per_seeker: int = Field(8, ge=1, le=40, description="best visible options a seeker applies to, in order")
    market_rounds_max: int = Field(40, ge=1, le=1000, description="cap on proposal rounds of deferred acceptance")
    vacancy_share_init: float = Field(
        0.03, ge=0, le=0.5, description="share of posts vacant at initialisation; assumed"
    )
    visibility_abroad_base: float = Field(
        0.03, ge=0, le=1, description="chance a vacancy abroad is visible with no ties or diaspora; assumed"
    )
    visibility_ties: float = Field(
        0.5, ge=0, le=5, description="visibility gained per unit tie to the country; assumed"
    )
    visibility_diaspora: float = Field(
        2.0,
        ge=0,
        le=50,
        description="visibility gained per unit co-national share of the country's researchers; assumed",
    )
    visibility_home_from_abroad: float = Field(
        0.35, ge=0, le=1, description="base chance home vacancies are visible to nationals abroad; assumed"
    )
    utility_security: float = Field(2.0, ge=-10, le=10, description="assumed")
    utility_log_pay: float = Field(1.0, ge=-10, le=10, description="assumed")
    utility_research_time: float = Field(2.0, ge=-10, le=10, description="per unit research-time share; assumed")
    utility_log_funding: float = Field(0.5, ge=-10, le=10, description="assumed")
    utility_home: float = Field(1.5, ge=-10, le=10, description="home bias; assumed")
    utility_diaspora: float = Field(
        1.0, ge=-10, le=50, description="utility of a full community of co-national researchers in the host; assumed"
    )
    community_half_share: float = Field(
        0.01,
        gt=0,
        le=1,
        description="co-nationals' share of a host's researchers at which their community's attraction is half its full value; assumed",
    )
    utility_ties: float = Field(0.5, ge=-10, le=10, description="assumed")
    utility_move_cost: float = Field(3.0, ge=0, le=20, description="fixed cost of an international move; assumed")
    utility_move_cost_per_decade_over_30: float = Field(0.5, ge=0, le=20, description="assumed")
    utility_move_cost_per_10000_km: float = Field(0.5, ge=0, le=20, description="assumed")
    utility_overseas_value: float = Field(
        1.0,
        ge=-10,
        le=10,
        description="weight of the expected value of overseas experience on a later return home; assumed",
    )
    utility_academia_taste: float = Field(
        1.0, ge=-10, le=10, description="doctorate holders' preference for academic posts; assumed"
    )
    utility_unemployed: float = Field(
        -1.0, ge=-50, le=50, description="reservation utility of staying without a post; assumed"
    )
    utility_switch_cost: float = Field(0.5, ge=0, le=20, description="cost of changing post for the employed; assumed")
    market_size_reference: float = Field(
        30000.0,
        gt=0,
        le=1e9,
        description="openings a year at which a market's size term log(openings / reference) is zero; "
        "assumed (Japan's market opened 26,000-36,000 a year in 2005-2011 at the default rules)",
    )
    hiring_merit: float = Field(1.0, ge=0, le=10, description="weight of talent in the hiring score; assumed")
    hiring_record: float = Field(0.6, ge=0, le=10, description="weight of log cumulative papers; assumed")
    hiring_noise: float = Field(0.5, ge=0, le=10, description="sd of employer-side noise; assumed")
    hiring_phd_bonus_nonacademic: float = Field(
        0.0,
        ge=-10,
        le=10,
        description="hiring-score bonus of doctorate holders in industry/government/startups; assumed",
    )
    overseas_experience_cap_years: float = Field(
        5.0, gt=0, le=40, description="overseas experience counted in hiring saturates here; assumed"
    )

    # --- sector attributes (assumed) ----------------------------------------------
    security_acad_perm: float = Field(1.0, ge=0, le=1, description="assumed")
    security_acad_fixed_base: float = Field(0.2, ge=0, le=1, description="plus 0.05 per mean contract year; assumed")
    security_industry: float = Field(0.7, ge=0, le=1, description="assumed")
    security_government: float = Field(0.9, ge=0, le=1, description="assumed")
    security_startup: float = Field(0.3, ge=0, le=1, description="assumed")
    pay_multiplier_acad_fixed: float = Field(0.8, gt=0, le=5, description="relative to permanent academic pay; assumed")
    pay_multiplier_industry: float = Field(1.3, gt=0, le=5, description="assumed")
    pay_multiplier_government: float = Field(1.0, gt=0, le=5, description="assumed")
    pay_multiplier_startup: float = Field(1.1, gt=0, le=5, description="assumed")
    research_time_government: float = Field(
        0.6, ge=0, le=1, description="research-time share at public institutes; assumed"
    )
    research_time_industry: float = Field(0.5, ge=0, le=1, description="assumed")
    research_time_startup: float = Field(0.5, ge=0, le=1, description="assumed")
    fixed_term_external_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of the start year's fixed-term posts paid from competitive/external funds (the rest from base funding): fixed-term posts follow (1 - share) * base_index + share * competitive_index, so external money turns into posts only for the part of the posts it pays; assumed, to calibrate",
    )
    academic_posts_adjustment_per_year: float = Field(
        0.3,
        gt=0,
        le=1,
        description="share of the gap between funded and current academic posts closed in a year: universities open and close posts with a lag (hiring rounds, permanent staff not dismissed); assumed",
    )
    permanent_posts_elasticity: float = Field(
        1.0,
        ge=0,
        le=3,
        description="elasticity of permanent posts to base funding; the 2007-13 fall of permanent posts (-7%, NISTEP 2015, RU11 universities [NISTEP-RM241]) tracks operating grants; assumed",
    )

    # --- temporary mobility: long visits abroad (assumed) -------------------------
    visit_logit_base: float = Field(
        -3.75, ge=-20, le=20, description="assumed, to calibrate against MEXT long-visit counts [MEXT-Kokusai-Koryu]"
    )
    visit_security: float = Field(0.8, ge=-10, le=10, description="assumed")
    visit_research_time: float = Field(
        8.0, ge=-50, le=50, description="per unit research-time share above 0.4; assumed"
    )
    visit_log_funding: float = Field(0.5, ge=-10, le=10, description="assumed")
    visit_ties: float = Field(0.6, ge=-10, le=10, description="per unit strongest foreign tie; assumed")
    visit_contract_risk: float = Field(
        1.0, ge=0, le=10, description="penalty in the last year of a fixed-term contract; assumed"
    )
    visit_insider_risk: float = Field(
        0.5,
        ge=0,
        le=10,
        description="penalty per unit insider preference at home (fear of losing one's place); assumed",
    )
    visit_weight_industry: float = Field(
        0.1, ge=0, le=1, description="relative visit propensity of industry/startup researchers; assumed"
    )
    visit_years: float = Field(
        0.5,
        gt=0,
        le=1,
        description="mean length of a long visit (over 30 days, MEXT's definition [MEXT-Kokusai-Koryu]), credited as overseas experience; assumed",
    )
    visit_tie_gain: float = Field(0.6, ge=0, le=5, description="tie gained with the host country per visit; assumed")

    # --- returns (assumed) --------------------------------------------------------
    return_logit_base: float = Field(-4.0, ge=-20, le=20, description="assumed")
    return_valuation: float = Field(
        1.0, ge=-10, le=10, description="per unit home valuation of overseas experience; assumed"
    )
    return_pull: float = Field(0.5, ge=-10, le=10, description="family/community pull; assumed")
    return_standing: float = Field(1.5, ge=-10, le=10, description="per unit domestic standing kept; assumed")

    # --- research production, ties, topics (assumed) ------------------------------
    papers_per_year: float = Field(
        0.45,
        gt=0,
        le=20,
        description="fractional papers of an academic in a year at reference conditions (a paper's credit shared among its authors, as in NISTEP's fractional counts [NISTEP-Indicators-2021]); assumed, to calibrate",
    )
    authors_per_paper_growth_per_year: float = Field(
        0.08,
        ge=-1,
        le=1,
        description="yearly growth of the mean authors per paper after the last year of its series: the 1988-2009 trend (series.csv [NSF-SEI-2008] [THE-2010-Authors]) continued; assumed",
    )
    papers_talent: float = Field(0.4, ge=0, le=5, description="log-papers per sd of talent; assumed")
    papers_research_time_elasticity: float = Field(1.0, ge=0, le=5, description="assumed")
    papers_funding_elasticity: float = Field(0.3, ge=0, le=5, description="assumed")
    papers_stability: float = Field(0.15, ge=-5, le=5, description="log-papers bonus of a permanent post; assumed")
    papers_weight_industry: float = Field(
        0.015,
        ge=0,
        le=1,
        description="publication rate of industry researchers relative to academics: most of a country's papers come from universities; assumed, to calibrate",
    )
    papers_weight_government: float = Field(0.5, ge=0, le=1, description="assumed")
    papers_weight_startup: float = Field(0.03, ge=0, le=1, description="assumed")
    impact_talent: float = Field(0.5, ge=0, le=5, description="log-impact per sd of talent; assumed")
    impact_international: float = Field(
        0.6, ge=0, le=5, description="log-impact gain of international co-authorship; assumed"
    )
    impact_research_time: float = Field(1.0, ge=0, le=10, description="per unit research-time share; assumed")
    impact_log_funding: float = Field(0.3, ge=0, le=5, description="assumed")
    impact_noise: float = Field(0.5, ge=0, le=5, description="sd of yearly impact noise; assumed")
    intl_coauthor_per_tie: float = Field(
        0.15,
        ge=0,
        le=100,
        description="pull of a foreign partner pool per unit of tie with its country, relative to the pull of the home pool of the same size; assumed, to calibrate",
    )
    foreign_partner_base: float = Field(
        0.007,
        ge=0,
        le=10,
        description="pull of a foreign partner pool without any tie with its country, relative to the home pool of the same size; assumed, to calibrate",
    )
    partner_pool_elasticity: float = Field(
        0.5,
        ge=0,
        le=2,
        description="elasticity of a partner pool's pull to the country's output: below 1, a large system finds fewer of its co-authors at home than its size alone would give; assumed, to calibrate",
    )
    tie_decay_per_year: float = Field(0.15, ge=0, le=1, description="assumed")
    tie_move_gain: float = Field(1.0, ge=0, le=5, description="tie kept with the country one leaves; assumed")
    tie_colocation_gain: float = Field(
        0.3, ge=0, le=20, description="yearly tie gain per unit foreign-colleague share; assumed"
    )
    tie_openness_gain: float = Field(0.05, ge=0, le=5, description="yearly tie gain per unit collab_openness; assumed")
    standing_gain_per_year: float = Field(0.2, ge=0, le=1, description="domestic standing gained at home; assumed")
    standing_decay_abroad_per_year: float = Field(
        0.3, ge=0, le=1, description="domestic standing lost per year abroad; assumed"
    )
    topics_per_year: int = Field(20, ge=0, le=1000, description="new research topics per year at the frontier; assumed")
    topic_diffusion_internal: float = Field(
        1.0, ge=0, le=50, description="per-year adoption rate from within the country; assumed"
    )
    topic_diffusion_external: float = Field(
        0.35, ge=0, le=100, description="per-year adoption rate through international ties; assumed"
    )
    topic_threshold: float = Field(
        0.5, gt=0, lt=1, description="adoption share at which a country has taken up a topic; assumed"
    )
    topic_seed_share: float = Field(0.05, gt=0, lt=1, description="adoption share in the originating country; assumed")
    topic_substeps_per_year: int = Field(12, ge=1, le=365, description="time resolution of topic diffusion")
    topic_tracking_years: int = Field(12, ge=1, le=100, description="topics are followed this long")

    @model_validator(mode="after")
    def _check_topics(self) -> ModelParams:
        if self.topic_seed_share >= self.topic_threshold:
            raise ValueError(
                f"topic_seed_share ({self.topic_seed_share}) must be below topic_threshold ({self.topic_threshold})"
            )
        return self

    @field_validator("end_year")
    @classmethod
    def _check_years(cls, end_year: int, info: ValidationInfo) -> int:
        start = info.data.get("start_year")
        if start is not None and end_year < start:
            raise ValueError(f"must not be before start_year ({start})")
        return end_year


class CountryParams(_Strict):
    """Figures and rules of one country; defaults come from ``data/countries.csv``."""

    researchers_fte: float = Field(
        gt=0, description="FTE researchers in researchers_ref_year; one agent is `scale` of them"
    )
    researchers_ref_year: int = Field(ge=1950, le=2100)
    growth_data_per_year: float = Field(ge=-0.5, le=0.5)
    growth_projection_per_year: float = Field(ge=-0.5, le=0.5)
    share_university: float = Share
    share_government: float = Share
    startup_share_of_business: float = Share
    fixed_term_share_init: float = Share
    foreign_share_init: float = Field(ge=0, lt=1)
    intl_doctoral_share: float = Share
    doctoral_years: int = Field(ge=1, le=10)
    doctorates_per_million: float = Field(ge=0, le=5000)
    doctorates_ref_year: int = Field(ge=1950, le=2100, description="year of the doctorates_per_million figure")
    pay_index: float = Field(gt=0, le=10)
    research_time_share: float = Field(gt=0, le=1)
    funding_per_researcher_rel: float | None = Field(
        None,
        gt=0,
        le=10,
        description="academic research money per academic relative to the US in the start year, for a country without a HERD series in series.csv (with one, the level is computed from it)",
    )
    base_money_share: float = Share
    overseas_valuation: float = Field(ge=-5, le=5)
    insider_preference: float = Field(ge=0, le=10)
    foreign_permanent_penalty: float = Field(ge=0, le=50)
    renewal_prob: float = Share
    fixed_term_cap_years: int = Field(ge=1, le=99)
    fixed_term_cap_from_year: int = Field(ge=1900, le=2200)
    cap_conversion_prob: float = Share
    collab_openness: float = Field(ge=0, le=10)

    @model_validator(mode="after")
    def _check_shares(self) -> CountryParams:
        if self.share_university + self.share_government > 1:
            raise ValueError("share_university + share_government must not exceed 1")
        return self
