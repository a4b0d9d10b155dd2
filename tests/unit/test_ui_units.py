"""The unit beside every lever setting on the live page: what each one measures, and
never "people" for something that is not people (a tie gain is a tie strength a year)."""

from __future__ import annotations

import pytest

from circsim.ui.controls import lever_controls, unit

#: The unit of every numeric lever setting, as an analyst should read it beside the field.
EXPECTED = {
    "start_year": "calendar year",
    "target_year": "calendar year",
    "target_vs_2004": "",  # a factor on the 2004 level
    "cost_per_permanent_post_year_yen": "yen/year",
    "multiplier": "",
    "min_contract_years": "years",
    "funding_at_start_yen": "yen/year",
    "fellows_per_year": "people/year",
    "duration_years": "years",
    "max_years_since_phd": "years",
    "guarantee_post_years": "years",
    "cost_per_fellow_year_yen": "yen/year",
    "cost_per_guaranteed_post_year_yen": "yen/year",
    "fellows": "people",
    "visibility_gain": "",
    "tie_gain": "tie strength/year",
    "intelligence_gain": "",
    "fellows_scale": "people",
    "associations": "associations",
    "presence_gain": "",
    "associations_scale": "associations",
    "cost_per_association_year_yen": "yen/year",
    "cost_per_year_yen": "yen/year",
    "target_weight": "",
    "ramp_years": "years",
    "penalty": "",
    "target_research_time_share": "share",
    "cost_per_fte_year_yen": "yen/year",
    "stipends": "people",
    "stipend_yen_per_year": "yen/year",
    "intake_effect": "",
    "dropout_effect": "",
    "hiring_bonus": "",
    "access_multiplier": "",
    "yen_per_year": "yen/year",
    "cost_per_post_year_yen": "yen/year",
    "teams_per_year": "teams/year",
    "researchers_per_team": "people",
    "partner_researchers_per_team": "people",
    "tie_gain_per_year": "tie strength/year",
    "partner_students_per_team": "people/year",
    "membership_fee_yen": "yen/year",
    "cost_per_team_year_yen": "yen/year",
    "post_share": "share",
    "support_share": "share",
}
#: Names that count people (the only ones whose unit may be people).
PEOPLE = ("fellows", "stipends", "researchers", "students")

NUMERIC = {
    c.key: c
    for controls in lever_controls().values()
    for c in controls
    if c.kind in ("slider_int", "slider_float", "text")
}


def test_every_numeric_lever_setting_has_its_unit_checked():
    names = {key.rsplit(".", 1)[-1] for key in NUMERIC}
    assert names == set(EXPECTED)  # a new lever setting: say its unit here (and in NAMED_UNITS if needed)


@pytest.mark.parametrize("key", sorted(NUMERIC))
def test_lever_setting_unit_and_label(key: str):
    name = key.rsplit(".", 1)[-1]
    expected = EXPECTED[name]
    assert unit(name) == expected
    label = NUMERIC[key].label
    assert label.endswith(f"({expected})") if expected else not label.endswith(")")
    if "people" in expected:
        assert any(word in name for word in PEOPLE), f"{name} counts no people"
    if name.endswith("per_year"):
        assert expected.endswith("/year"), f"{name} is a rate: its unit says a year"


def test_a_tie_gain_is_a_tie_strength_a_year_not_people():
    key = "levers.joint_programme.tie_gain_per_year"
    assert NUMERIC[key].label == "tie gain per year (tie strength/year)"
    assert "people" not in NUMERIC["levers.satreps.teams_per_year"].label
