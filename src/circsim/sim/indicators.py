"""The indicators: what the model records for every country and year, each declared once.

:data:`REGISTRY` holds every indicator with its display label, unit, kind, which
direction is better for the focal country (where a science-policy analyst would agree
on one), a one-line definition and where it is shown (headline, compared by default,
fan chart, interface panel). The command line, the comparison, the report, its figures
and the interface read it; ``docs/indicators.md`` details each definition as computed
in :mod:`circsim.sim.steps.observation` (a test keeps the two in step). Indicator names
are part of the public interface, and the order of :data:`INDICATORS` is the model's
output order. Counts are in real people (agents x scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from .units import SCALES, Scale, Unit, format_change, format_interval, format_level, format_tolerance

Kind = Literal["stock", "per year", "share", "rank", "index", "cumulative"]
KINDS: dict[Kind, str] = {
    "stock": "a count at the end of the year",
    "per year": "a count of events or output during the year; summed over the years it gives a cumulative total",
    "share": "a ratio of two counts of the year, from 0 to 1",
    "rank": "a position among the countries, 1 = first",
    "index": "a measure of the year that is neither a count nor a share (a centrality, a lag)",
    "cumulative": "a running total over the recorded years",
}
Better = Literal["higher", "lower"]
#: Partner countries of the co-authorship indicators ``intl_partner_share_<code>``: the
#: modelled countries (``data/countries.csv``; a test keeps the two in step)
PARTNER_CODES: tuple[str, ...] = ("JP", "US", "CN", "UK", "DE", "FR", "KR")
#: Panels of the interface's headline figure, in the order they are drawn.
Panel = Literal["careers and openness", "mobility", "doctorates", "top-10% cited papers"]
PANELS: tuple[Panel, ...] = get_args(Panel)


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it is, how its values are written, and where it is shown."""

    name: str
    label: str
    unit: Unit
    kind: Kind
    #: Which direction is better for the focal country; None where it depends on the
    #: policy aim (the comment at the declaration says why).
    better: Better | None
    definition: str
    #: Reported for the focal country by the Mesa DataCollector and the batch summary.
    headline: bool = False
    #: Compared by default (``circsim compare``, the report, the comparison page).
    compared: bool = False
    #: Fan chart in the report.
    fan: bool = False
    #: Panel of the interface's headline figure, if any.
    panel: Panel | None = None

    @property
    def per_year(self) -> bool:
        """Whether values add up over the years (a cumulative total is meaningful)."""
        return self.kind == "per year"

    @property
    def scale(self) -> Scale:
        """How values of this indicator are shown (factor, suffixes, chart unit)."""
        return SCALES[self.unit]

    def format(self, value: float) -> str:
        """A value of this indicator, e.g. ``35.5%``, ``4,086``, ``2,039 億円``."""
        return format_level(self.unit, value)

    def format_change(self, difference: float) -> str:
        """A signed difference (an effect), e.g. ``+1.7 pp``, ``-967``."""
        return format_change(self.unit, difference)

    def format_tolerance(self, tolerance: float) -> str:
        """A tolerance of an observed value, e.g. ``±5 pp``, ``±800``."""
        return format_tolerance(self.unit, tolerance)

    def format_interval(self, mean: float, lo: float, hi: float) -> str:
        """An effect with its interval, e.g. ``+1.73 [+1.21, +2.25] pp``."""
        return format_interval(self.unit, mean, lo, hi)


def _of_graduates(where: str) -> str:
    return f"Share of this year's graduates {where} at the end of the year, per country of graduation."


_DECLARED: tuple[Indicator, ...] = (
    # --- stocks
    Indicator("researchers", "Researchers", "people", "stock", "higher",
              "Post holders at the end of the year, per country of work.",
              headline=True, compared=True),
    # permanent posts are what base funding buys and what young researchers lack
    Indicator("researchers_acad_perm", "Permanent academics", "people", "stock", "higher",
              "Permanent academic post holders at the end of the year, per country of work.", compared=True),
    # more fixed-term academics is more research capacity but also more precarious careers
    Indicator("researchers_acad_fixed", "Fixed-term academics", "people", "stock", None,
              "Fixed-term academic post holders at the end of the year, per country of work "
              "(hosted overseas fellows included)."),
    # more doctorate holders in industry and startups is an explicit aim of Japan's science policy
    Indicator("researchers_industry", "Industry researchers", "people", "stock", "higher",
              "Industry post holders at the end of the year, per country of work."),
    # no policy aim for the size of government research: neither direction is better
    Indicator("researchers_government", "Government researchers", "people", "stock", None,
              "Government and public-institute post holders at the end of the year, per country of work."),
    Indicator("researchers_startup", "Startup researchers", "people", "stock", "higher",
              "Startup post holders at the end of the year, per country of work."),
    Indicator("doctoral_students", "Doctoral students", "people", "stock", "higher",
              "People in doctoral study at the end of the year, per country of study."),
    Indicator("unemployed", "Researchers without a post", "people", "stock", "lower",
              "People in research without a post at the end of the year, per country where they are."),
    # nationals abroad are both a loss to the home system and its links to the world's centres
    Indicator("nationals_abroad", "Nationals abroad", "people", "stock", None,
              "People in research (a post, doctoral study or looking for a post) outside their country of "
              "nationality (their country of origin) at the end of the year, per nationality.",
              headline=True, compared=True, fan=True, panel="mobility"),
    # a small diaspora means few links to the world's centres, a large one a loss to the home system
    Indicator("nationals_abroad_share", "Nationals abroad, share", "share", "share", None,
              "Share of the nationality's post holders who work outside their country of nationality, at the end "
              "of the year, per nationality."),
    # --- mobility
    Indicator("visits_abroad_long", "Long visits abroad", "visits", "per year", "higher",
              "Long visits (over 30 days) started this year, per visitor's country of work.",
              headline=True, compared=True, fan=True, panel="mobility"),
    Indicator("visits_received_long", "Long visits received", "visits", "per year", "higher",
              "Researchers received for over 30 days, as MEXT counts them: long visits hosted plus "
              "arrivals from abroad on fixed-term academic or government posts (postdocs, fellows)."),
    # --- careers and posts
    # more academic posts is more research capacity and more places for young researchers
    Indicator("academic_posts_index", "Academic posts, index", "index", "index", "higher",
              "Academics (permanent and fixed-term post holders) at the end of the year relative to the end of the "
              "start year, per country of work."),
    Indicator("fixed_term_share", "Fixed-term share", "share", "share", "lower",
              "Share of academics on a fixed-term post at the end of the year, per country of work.",
              panel="careers and openness"),
    Indicator("fixed_term_share_under40", "Fixed-term share, under 40", "share", "share", "lower",
              "Share of academics under 40 on a fixed-term post at the end of the year, per country of work.",
              headline=True, compared=True, fan=True, panel="careers and openness"),
    # Japan's Basic Plans aim to raise it (to 30% or more of university faculty)
    Indicator("academic_share_under40", "Academics under 40", "share", "share", "higher",
              "Share of academics (permanent and fixed-term post holders) under 40 at the end of the year, per "
              "country of work."),
    Indicator("overseas_experience_share", "Overseas experience", "share", "share", "higher",
              "Share of post holders who have spent time outside their country of nationality, at the end of "
              "the year, per country of work.",
              headline=True, compared=True, panel="careers and openness"),
    Indicator("overseas_experience_share_under40", "Overseas experience, under 40", "share", "share", "higher",
              "Share of post holders under 40 who have spent time outside their country of nationality, at the "
              "end of the year, per country of work."),
    Indicator("foreign_share", "Foreign share", "share", "share", "higher",
              "Share of post holders whose nationality differs from their country of work, at the end of the year, "
              "per country of work.",
              headline=True, compared=True),
    # --- doctorates
    Indicator("phd_intake", "Doctoral entrants", "people", "per year", "higher",
              "Doctoral entrants this year, per country of study (all nationalities).",
              headline=True, compared=True),
    Indicator("doctorates", "Doctorates", "people", "per year", "higher",
              "Doctorates awarded this year, per country of study (all nationalities)."),
    Indicator("doctorates_per_million", "Doctorates per million", "per million", "per year", "higher",
              "Doctorates awarded this year per million population, per country of study.", panel="doctorates"),
    Indicator("new_phd_placement_rate", "New PhDs in a post", "share", "share", "higher",
              _of_graduates("holding a post")),
    Indicator("phd_dest_acad_perm", "New PhDs: permanent academic", "share", "share", "higher",
              _of_graduates("on a permanent academic post")),
    # a fixed-term post is the usual first post after a doctorate, neither good nor bad in itself
    Indicator("phd_dest_acad_fixed", "New PhDs: fixed-term academic", "share", "share", None,
              _of_graduates("on a fixed-term academic post")),
    Indicator("phd_dest_industry", "New PhDs: industry", "share", "share", "higher",
              _of_graduates("in industry")),
    Indicator("phd_dest_government", "New PhDs: government", "share", "share", None,
              _of_graduates("in government or a public institute")),
    Indicator("phd_dest_startup", "New PhDs: startup", "share", "share", "higher",
              _of_graduates("in a startup")),
    Indicator("phd_dest_unemployed", "New PhDs: no post", "share", "share", "lower",
              _of_graduates("without a post")),
    # foreign doctorates who stay add to the host's research; those who leave carry ties back home
    Indicator("foreign_phd_stay_rate", "Foreign doctorates staying", "share", "share", None,
              "Share of the foreign nationals who earned their doctorate in the country five years earlier who are "
              "there at the end of the year, per country of the doctorate."),
    # going abroad after the doctorate builds links but may not come back
    Indicator("phd_dest_abroad", "New PhDs: abroad", "share", "share", None,
              "Share of this year's graduates whose country at the end of the year is not their country of "
              "graduation (any sector)."),
    # returns bring skills and ties home: the circulation the levers aim at
    Indicator("return_rate", "Return rate", "share", "share", "higher",
              "Share of the nationals in research abroad at the start of the year who moved back to their country "
              "of nationality during it, per nationality.",
              headline=True, compared=True, panel="careers and openness"),
    Indicator("exits_from_research", "Exits from research", "people", "per year", "lower",
              "People who left research this year by the exit hazard, per country of work at exit."),
    # --- research output and network
    Indicator("papers", "Papers", "papers", "per year", "higher",
              "Fractional papers of this year's post holders, per country of work.", headline=True, compared=True),
    Indicator("top10_share", "Top-10% share", "share", "share", "higher",
              "Share of the country's papers written by researchers at or above the world top-10% impact threshold.",
              headline=True, compared=True),
    Indicator("top10_papers", "Top-10% papers", "papers", "per year", "higher",
              "Papers of researchers at or above the world top-10% impact threshold, per country of work."),
    Indicator("top10_rank", "Top-10% papers rank", "rank", "rank", "lower",
              "Rank by top-10% papers among the modelled countries (1 = most); none for the rest of the world.",
              panel="top-10% cited papers"),
    Indicator("intl_coauthorship_share", "International co-authorship", "share", "share", "higher",
              "Expected share of the country's papers with an international co-author.",
              headline=True, compared=True, fan=True, panel="careers and openness"),
    # who a country writes with: science diplomacy and the rise of new systems move it, neither good nor bad
    *(
        Indicator(f"intl_partner_share_{code}", f"Co-authorship with {code}", "share", "share", None,
                  f"Share of the country's internationally co-authored papers with a co-author working in {code} "
                  "(whole count: a paper counts for each partner country on it); none for the country itself.")
        for code in PARTNER_CODES
    ),
    Indicator("network_centrality", "Network centrality", "index", "index", "higher",
              "Eigenvector centrality of the country in this year's collaboration network (the most central "
              "country has 1).",
              headline=True, compared=True),
    Indicator("topic_lag_years", "Topic lag behind the US", "years", "index", "lower",
              "Mean take-up time of new research topics minus that of the US, over topics finished in the last "
              "five years."),
    # --- OECD mobility classes (yearly)
    # staying is stability for some and immobility for others
    Indicator("stayers", "Stayers", "people", "stock", None,
              "Post holders at the end of the year who made no international move this year, per country of work."),
    Indicator("inflows", "Inflows", "people", "per year", "higher",
              "People who moved into the country this year and whose country of origin is another; counted in the "
              "destination."),
    # leaving is part of circulation as much as a loss
    Indicator("outflows", "Outflows", "people", "per year", None,
              "People who moved out of the country this year; counted in the origin."),
    Indicator("returnees", "Returnees", "people", "per year", "higher",
              "People who moved this year back into their country of origin; counted in the destination.",
              compared=True),
    Indicator("travellers", "Travellers", "visits", "per year", "higher",
              "Long visits sent plus long visits received this year."),
    # the volume of moves in and out: circulation and churn alike
    Indicator("migrants", "Migrants", "people", "per year", None,
              "International moves into and out of the country this year (inflows, returnees and outflows)."),
    # --- policy cost: the input that effects are weighed against (effect per 100 億円), not an outcome
    Indicator("lever_cost_yen", "Lever cost", "yen", "per year", None,
              "Cost of the levers acting in the country this year.", headline=True),
    Indicator("lever_cost_cum_yen", "Cumulative lever cost", "yen", "cumulative", None,
              "Cumulative lever cost over the recorded years up to this one."),
)  # fmt: skip

#: Every indicator by name, in the model's output order.
REGISTRY: dict[str, Indicator] = {i.name: i for i in _DECLARED}
INDICATORS: tuple[str, ...] = tuple(REGISTRY)


def names(**attributes: object) -> tuple[str, ...]:
    """Names of the indicators whose attributes have the given values, in registry order,
    e.g. ``names(compared=True)``, ``names(per_year=True)``, ``names(panel="mobility")``."""
    return tuple(i.name for i in _DECLARED if all(getattr(i, k) == v for k, v in attributes.items()))


#: Indicators reported for the focal country by the Mesa DataCollector.
HEADLINE: tuple[str, ...] = names(headline=True)
