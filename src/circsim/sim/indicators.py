"""The indicators: what the model records for every country and year.

Indicator names are part of the public interface; each is defined in
``docs/indicators.md``. Counts are in real people (agents x scale).
"""

from __future__ import annotations

INDICATORS: tuple[str, ...] = (
    "researchers",
    "researchers_acad_perm",
    "researchers_acad_fixed",
    "researchers_industry",
    "researchers_government",
    "researchers_startup",
    "doctoral_students",
    "unemployed",
    "nationals_abroad",
    "visits_abroad_long",
    "visits_received_long",
    "fixed_term_share",
    "fixed_term_share_under40",
    "overseas_experience_share",
    "overseas_experience_share_under40",
    "foreign_share",
    "phd_intake",
    "doctorates_per_million",
    "new_phd_placement_rate",
    "phd_dest_acad_perm",
    "phd_dest_acad_fixed",
    "phd_dest_industry",
    "phd_dest_government",
    "phd_dest_startup",
    "phd_dest_unemployed",
    "phd_dest_abroad",
    "return_rate",
    "exits_from_research",
    "papers",
    "top10_share",
    "top10_papers",
    "top10_rank",
    "intl_coauthorship_share",
    "network_centrality",
    "topic_lag_years",
    "stayers",
    "inflows",
    "outflows",
    "returnees",
    "travellers",
    "migrants",
    "lever_cost_yen",
    "lever_cost_cum_yen",
)

#: Indicators reported for the focal country by the Mesa DataCollector.
HEADLINE: tuple[str, ...] = (
    "researchers",
    "nationals_abroad",
    "visits_abroad_long",
    "fixed_term_share_under40",
    "overseas_experience_share",
    "foreign_share",
    "phd_intake",
    "return_rate",
    "papers",
    "top10_share",
    "intl_coauthorship_share",
    "network_centrality",
    "lever_cost_yen",
)
