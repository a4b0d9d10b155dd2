"""Directions the data show, reproduced by baseline runs (2004-2030, scale 200, three
seeds averaged): Japan's fixed-term share rises while operating grants fall, Japan
sends fewer researchers on long visits abroad than in 2004-2005, and Japan's
international co-authorship share is below the UK's, Germany's and France's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from circsim.sim.model import CirculationModel
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
