"""Directions the data show, reproduced by baseline runs (2004-2030, scale 200, three
seeds averaged): Japan's fixed-term share rises while operating grants fall, Japan
sends fewer researchers on long visits abroad than in 2004-2005, and Japan's
international co-authorship share is below the UK's, Germany's and France's.

And the checks that would have caught what a review found wrong in an earlier model:
Japan's diaspora made of people who were never in Japan, returnees that drift to zero,
US doctoral intake counting professional doctorates, academic posts growing with the
whole of Japan's external money, co-authorship shares falling where they rose, and
Japan's academics getting younger where Japan's aged."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from circsim.sim.model import CirculationModel
from circsim.workbench.targets import read_targets
from simkit import JP, run, series

SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def baseline() -> dict:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        models = [run(s, 200, 2030) for s in SEEDS]
    return {"models": models, "warnings": [w for w in caught if issubclass(w.category, RuntimeWarning)]}


def _mean(models: list[CirculationModel], indicator: str, first: int, last: int, country: str = "JP") -> float:
    return float(np.mean([series(m, indicator, country).loc[first:last].mean() for m in models]))


def test_baseline_runs_cover_2004_to_2030(baseline):
    for m in baseline["models"]:
        assert series(m, "researchers").index.tolist() == list(range(2004, 2031))
        assert m.levers == {}


def test_operating_grants_fall_from_2004_to_2019(baseline):
    jp = baseline["models"][0].country_list[JP]
    assert jp.base_index(2019) < 0.95 * jp.base_index(2004)
    assert jp.base_funding_yen(2019) < jp.base_funding_yen(2004)


def test_japan_fixed_term_share_rises_from_2004_to_2019(baseline):
    models = baseline["models"]
    start, end = _mean(models, "fixed_term_share", 2004, 2004), _mean(models, "fixed_term_share", 2019, 2019)
    assert end > start + 0.05
    for m in models:
        assert series(m, "fixed_term_share").loc[2019] > series(m, "fixed_term_share").loc[2004]


def test_japan_permanent_academic_posts_shrink_with_operating_grants(baseline):
    models = baseline["models"]
    assert _mean(models, "researchers_acad_perm", 2019, 2019) < _mean(models, "researchers_acad_perm", 2004, 2004)


def test_japan_long_visits_abroad_fall_below_their_2004_2005_level(baseline):
    models = baseline["models"]
    early = _mean(models, "visits_abroad_long", 2004, 2005)
    late = _mean(models, "visits_abroad_long", 2015, 2019)
    assert late < early
    assert early > 0


def test_japan_international_coauthorship_share_is_below_uk_de_fr_in_2022(baseline):
    models = baseline["models"]
    jp = _mean(models, "intl_coauthorship_share", 2022, 2022)
    for code in ("UK", "DE", "FR"):
        other = _mean(models, "intl_coauthorship_share", 2022, 2022, code)
        assert jp < other, code
    assert 0 < jp < 1


def test_baseline_runs_raise_no_numerical_warnings(baseline):
    assert [str(w.message) for w in baseline["warnings"]] == []


# --- the circulation the statistics show ---------------------------------------------------


def test_japan_has_the_smallest_diaspora_of_the_countries_surveyed(baseline):
    """GlobSci (Franzoni et al. 2012): Japan the smallest diaspora of the 16 countries,
    the US 5%. Nationals abroad are people who came from home (a nationality is a country
    of origin), so the diaspora follows where foreign entrants really come from."""
    models = baseline["models"]
    jp = _mean(models, "nationals_abroad_share", 2011, 2011)
    for code in ("US", "UK", "DE", "FR"):
        assert jp < _mean(models, "nationals_abroad_share", 2011, 2011, code), code
    assert 0 < jp < 0.05


def test_japan_returnees_keep_coming_home(baseline):
    """Returnees are defined by nationality for everyone, so they cannot drift to zero
    as the people present at the start are replaced."""
    models = baseline["models"]
    early, late = _mean(models, "returnees", 2004, 2009), _mean(models, "returnees", 2025, 2030)
    assert early > 0 and late > 0.3 * early


def test_japan_academic_posts_grow_far_less_than_external_money(baseline):
    """External funds grew 3.8-fold (FY2004-2023) but pay only part of the posts: national
    universities' faculty grew 6% to FY2016 (the last observed year), while external money
    had more than doubled. The earlier model, posts following the whole of the money, grew
    them 37%; this bound (the target plus its 5-point tolerance) would have caught it."""
    m = baseline["models"][0]
    assert m.country_list[JP]._series_index("external_funds_index", 2016, log=True) > 2
    target = _posts_target_2016()
    assert _mean(baseline["models"], "academic_posts_index", 2016, 2016) < target.value + target.tolerance


@pytest.mark.xfail(
    strict=True,
    reason="the calibration with bilateral co-authorship (2026-12-07) gives 0.98 in 2016 against 1.06 "
    "(docs/ODD.md 'Calibration status'); strict: a passing run fails, so the mark goes when a "
    "calibration holds the target again",
)
def test_japan_academic_posts_2016_within_the_target_tolerance(baseline):
    """Japan's academic posts index in FY2016 within the target's tolerance (5 points of 1.0636)."""
    target = _posts_target_2016()
    assert abs(_mean(baseline["models"], "academic_posts_index", 2016, 2016) - target.value) < target.tolerance


def _posts_target_2016():
    """The FY2016 row of Japan's academic posts index in targets.csv."""
    (target,) = (
        read_targets().query("indicator == 'academic_posts_index' and country == 'JP' and year == 2016").itertuples()
    )
    return target


@pytest.mark.xfail(
    strict=True,
    reason="the committed estimate's Japanese academics get younger: under 40 0.34 (2007) to 0.56 (2019) "
    "against the data's 0.284 to 0.221 (docs/ODD.md, \"Japan's academics' age\"); strict: a passing run "
    "fails, so the mark goes when the model ages Japan's academia",
)
def test_japan_academics_share_under_40_does_not_rise(baseline):
    """Japan's faculty aged: the share under 40 fell from 28.4% (FY2007, national universities)
    to 22.1% (FY2019, all universities). A model whose academia gets younger, as one that
    drew the start-year permanent staff around 50 and let the young take their posts, fails."""
    models = baseline["models"]
    assert _mean(models, "academic_share_under40", 2019, 2019) <= _mean(models, "academic_share_under40", 2007, 2007)


def test_international_coauthorship_rises_in_japan_and_europe(baseline):
    """NISTEP: the co-authored shares of Japan, the UK, Germany and France all rose."""
    models = baseline["models"]
    for code in ("JP", "UK", "DE", "FR"):
        before = _mean(models, "intl_coauthorship_share", 2004, 2005, code)
        after = _mean(models, "intl_coauthorship_share", 2014, 2015, code)
        assert after > before + 0.01, code


def test_us_doctorates_are_research_doctorates_within_15_percent_of_the_sed(baseline):
    """The US pipeline counts research doctorates (NSF's SED), not NISTEP's ~94k of every
    kind: each SED year inside the runs is matched within 15%."""
    sed = read_targets().query("indicator == 'doctorates' and country == 'US' and year <= 2030")
    assert len(sed) >= 9
    for t in sed.itertuples():
        simulated = _mean(baseline["models"], "doctorates", t.year, t.year, "US")
        assert abs(simulated - t.value) <= 0.15 * t.value, (t.year, simulated, t.value)


def test_papers_are_within_a_quarter_of_nistep_fractional_counts(baseline):
    """Papers are fractional counts at each country's money per academic (OECD HERD): Japan's
    and the US's NISTEP counts are matched within 25% in every target year (the model once
    made five times Japan's papers, then half the US's)."""
    papers = read_targets().query("indicator == 'papers' and country in ('JP', 'US')")
    assert len(papers) >= 10
    for t in papers.itertuples():
        simulated = _mean(baseline["models"], "papers", t.year, t.year, t.country)
        assert abs(simulated - t.value) <= 0.25 * t.value, (t.country, t.year, simulated, t.value)
