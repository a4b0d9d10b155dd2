"""Scenario validation: every bad input becomes an InputError naming the key and what is
allowed; overrides by dotted and double-underscore paths; the shipped baseline loads."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circsim.errors import InputError
from circsim.sim.inputs import calibrated_values
from circsim.sim.levers import LEVER_NAMES, Levers
from circsim.sim.model import CirculationModel
from circsim.sim.params import CountryParams, ModelParams
from circsim.sim.scenario import Scenario, apply_overrides, load_scenario, scenario_from_dict, with_overrides
from simkit import CODES, JP, toml_value

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"


def _error(data: dict) -> InputError:
    with pytest.raises(InputError) as info:
        scenario_from_dict(data)
    return info.value


# --- the shipped scenario ----------------------------------------------------------------


def test_baseline_scenario_loads():
    scen = load_scenario(BASELINE)
    assert isinstance(scen, Scenario)
    assert scen.name == "baseline"
    assert scen.model.start_year == 2004 and scen.model.end_year >= 2040
    assert scen.levers.active() == {}


def test_baseline_scenario_builds_a_model():
    m = CirculationModel(rng=0, scenario=load_scenario(BASELINE), scale=20000, end_year=2005).run()
    assert m.p.scale == 20000
    assert set(m.indicators()["year"]) == {2004, 2005}


def test_default_scenario_is_valid():
    raw = scenario_from_dict({"calibrated": False})
    assert raw.model == ModelParams()
    assert raw.levers == Levers()
    calibrated = calibrated_values().get("model", {})
    scen = scenario_from_dict({})
    assert scen.model == ModelParams(**calibrated)  # the default lies over the calibrated values
    assert scen.levers == Levers()


def test_calibrated_false_as_a_model_keyword_runs_on_the_raw_defaults():
    """The keyword decides what lies underneath: the raw defaults, not the calibrated
    values with the flag turned off."""
    raw = CirculationModel(rng=0, scale=20000, end_year=2004, calibrated=False)
    assert raw.p == ModelParams(scale=20000, end_year=2004) and not raw.spec.calibrated
    calibrated = CirculationModel(rng=0, scale=20000, end_year=2004)
    assert calibrated.p == ModelParams(**{**calibrated_values().get("model", {}), "scale": 20000, "end_year": 2004})


def test_calibrated_cannot_be_flipped_on_a_built_scenario():
    built = scenario_from_dict({})
    with pytest.raises(InputError) as info:
        with_overrides(built, {"calibrated": not built.calibrated})
    assert info.value.key == "calibrated" and "set calibrated in the scenario file" in str(info.value)
    assert with_overrides(built, {"calibrated": built.calibrated}).model == built.model  # the same value is fine


# --- unknown names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "key", "allowed_word"),
    [
        ({"bogus": 1}, "bogus", "levers"),
        ({"model": {"scael": 100}}, "model.scael", "scale"),
        ({"countries": {"JP": {"renewal_probability": 0.5}}}, "countries.JP.renewal_probability", "renewal_prob"),
        ({"levers": {"base_fundin": {}}}, "levers.base_fundin", "base_funding"),
        (
            {"levers": {"overseas_fellowships": {"fellows": 10}}},
            "levers.overseas_fellowships.fellows",
            "fellows_per_year",
        ),
    ],
)
def test_unknown_names_are_rejected_with_the_allowed_names(data, key, allowed_word):
    err = _error(data)
    assert err.key == key
    assert f"'{key}'" in str(err)
    assert allowed_word in str(err) and allowed_word in (err.allowed or "")


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"countries": {"XX": {"renewal_prob": 0.5}}}, "countries.XX"),
        ({"levers": {"admin_load": {"country": "Japan"}}}, "levers.admin_load.country"),
        ({"model": {"focal_country": "EU"}}, "model.focal_country"),
    ],
)
def test_unknown_country_codes_are_rejected_with_the_known_codes(data, key):
    err = _error(data)
    assert err.key == key
    assert all(code in str(err) for code in CODES)


# --- wrong types and values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "key", "allowed"),
    [
        ({"model": {"scale": "coarse"}}, "model.scale", "number"),
        ({"model": {"scale": [100]}}, "model.scale", "number"),
        ({"model": {"end_year": "soon"}}, "model.end_year", "integer"),
        ({"countries": {"JP": {"renewal_prob": "often"}}}, "countries.JP.renewal_prob", "number"),
        ({"levers": {"base_funding": {"target_year": 2030.5}}}, "levers.base_funding.target_year", "integer"),
        ({"levers": {"admin_load": {"enabled": "perhaps"}}}, "levers.admin_load.enabled", "true or false"),
        ({"levers": {"overseas_fellowships": {"guarantee": "maybe"}}}, "levers.overseas_fellowships.guarantee", "none"),
        ({"name": 5}, "name", "str"),
    ],
)
def test_wrong_types_are_rejected(data, key, allowed):
    err = _error(data)
    assert err.key == key
    assert f"'{key}'" in str(err)
    assert allowed in str(err)  # "should be a valid integer" or "; allowed: an integer"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"model": {"scale": True}}, "model.scale"),
        ({"countries": {"JP": {"renewal_prob": False}}}, "countries.JP.renewal_prob"),
    ],
)
def test_booleans_are_not_numbers(data, key):
    # In TOML `scale = true` is a type error; silently reading it as 1 real researcher per
    # agent would build a model a hundred times larger than the default.
    assert _error(data).key == key


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"model": 5}, "model"),
        ({"countries": {"JP": 5}}, "countries.JP"),
        ({"levers": {"base_funding": 5}}, "levers.base_funding"),
    ],
)
def test_a_value_where_a_table_belongs_is_rejected(data, key):
    err = _error(data)
    assert err.key == key
    assert any(word in (err.allowed or "").lower() for word in ("table", "dict", "mapping"))


@pytest.mark.parametrize(
    ("data", "key", "bound"),
    [
        ({"model": {"scale": 0}}, "model.scale", "> 0"),
        ({"model": {"scale": -5}}, "model.scale", "> 0"),
        ({"model": {"exit_rate_doctoral_per_year": 1.0}}, "model.exit_rate_doctoral_per_year", "< 1"),
        ({"model": {"start_year": 1800}}, "model.start_year", ">= 1990"),
        ({"countries": {"JP": {"renewal_prob": -0.1}}}, "countries.JP.renewal_prob", ">= 0"),
        ({"countries": {"DE": {"doctoral_years": 0}}}, "countries.DE.doctoral_years", ">= 1"),
        (
            {"levers": {"overseas_fellowships": {"duration_years": 0}}},
            "levers.overseas_fellowships.duration_years",
            ">= 1",
        ),
        (
            {"levers": {"admin_load": {"target_research_time_share": 1.2}}},
            "levers.admin_load.target_research_time_share",
            "<= 1",
        ),
    ],
)
def test_out_of_range_values_are_rejected_with_the_bounds(data, key, bound):
    err = _error(data)
    assert err.key == key
    assert bound in (err.allowed or "")
    assert bound in str(err)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"model": {"scale": math.nan}}, "model.scale"),
        ({"model": {"utility_home": math.nan}}, "model.utility_home"),
        ({"levers": {"startup_support": {"yen_per_year": math.inf}}}, "levers.startup_support.yen_per_year"),
        (
            {"levers": {"overseas_fellowships": {"cost_per_fellow_year_yen": math.inf}}},
            "levers.overseas_fellowships.cost_per_fellow_year_yen",
        ),
        ({"levers": {"base_funding": {"cost_per_permanent_post_year_yen": math.inf}}}, None),
    ],
)
def test_non_finite_numbers_are_rejected(data, key):
    # TOML has `nan` and `inf`; neither is a usable amount of money or a weight
    err = _error(data)
    assert key is None or err.key == key


def test_end_year_before_start_year_is_rejected():
    err = _error({"model": {"start_year": 2010, "end_year": 2005}})
    assert "end_year" in str(err) and "start_year" in str(err)


def test_inconsistent_country_shares_are_rejected():
    err = _error({"countries": {"JP": {"share_university": 0.8, "share_government": 0.5}}})
    assert "countries.JP" in str(err) and "share_university" in str(err)


# --- files ---------------------------------------------------------------------------------


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_scenario(tmp_path / "nope.toml")


def test_invalid_toml_is_an_input_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[model\nscale = 1\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert str(path) in str(info.value)


def test_errors_in_a_file_name_the_file_and_key(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[levers.admin_load]\nstart_year = 2026\ntarget_yeer = 2030\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert str(path) in msg and "levers.admin_load.target_yeer" in msg and "target_year" in msg


def test_a_valid_file_with_levers(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "fellows"\n[model]\nscale = 500\n[countries.JP]\ninsider_preference = 0.5\n'
        '[levers.overseas_fellowships]\nstart_year = 2027\nguarantee = "fixed"\n'
    )
    scen = load_scenario(path)
    assert scen.name == "fellows" and scen.model.scale == 500
    assert scen.countries["JP"]["insider_preference"] == 0.5
    lever = scen.levers.active()["overseas_fellowships"]
    assert lever.start_year == 2027 and lever.guarantee == "fixed" and lever.country == "JP"


# --- overrides -------------------------------------------------------------------------------


def test_overrides_by_dotted_and_double_underscore_paths():
    data = apply_overrides(
        {"model": {"scale": 50}},
        {
            "end_year": 2030,
            "levers.overseas_fellowships.fellows_per_year": 500,
            "countries__JP__insider_preference": 0.25,
            "model__burn_in_years": 2,
        },
    )
    scen = scenario_from_dict(data)
    assert scen.model.scale == 50 and scen.model.end_year == 2030 and scen.model.burn_in_years == 2
    assert scen.levers.overseas_fellowships.fellows_per_year == 500
    assert scen.countries["JP"]["insider_preference"] == 0.25


def test_overrides_do_not_modify_their_input():
    data = {"model": {"scale": 50}}
    apply_overrides(data, {"model.scale": 10})
    assert data == {"model": {"scale": 50}}


def test_overrides_on_top_of_a_file():
    scen = load_scenario(BASELINE, {"scale": 700, "levers__admin_load__start_year": 2030})
    assert scen.model.scale == 700
    assert scen.levers.admin_load.start_year == 2030


def test_model_keyword_overrides_reach_the_model():
    m = CirculationModel(
        rng=0,
        scale=50000,
        burn_in_years=0,
        end_year=2005,
        countries__JP__renewal_prob=0.9,
        **{"levers.contact_window.start_year": 2005, "utility_home": 2.5},
    )
    assert m.p.utility_home == 2.5
    assert m.country_list[JP].params.renewal_prob == 0.9
    assert "contact_window" in m.levers


def test_unknown_override_is_an_input_error():
    with pytest.raises(InputError) as info:
        CirculationModel(rng=0, scale=50000, burn_in_years=0, end_year=2005, bogus_weight=1.0)
    assert "bogus_weight" in str(info.value)
    with pytest.raises(InputError) as info:
        CirculationModel(rng=0, scale=50000, end_year=2005, **{"levers.admin_load.target": 0.5})
    assert "levers.admin_load.target" in str(info.value)


def test_override_through_a_non_table_is_an_input_error():
    with pytest.raises(InputError) as info:
        apply_overrides({"model": {"scale": 5}}, {"model.scale.unit": 1})
    assert "model.scale" in str(info.value)


@pytest.mark.parametrize("key", ["", ".", "__", " . "])
def test_empty_override_path_is_an_input_error(key):
    with pytest.raises(InputError):
        load_scenario(BASELINE, {key: 1})


# --- property tests: malformed input never escapes as another exception -----------------------

MODEL_KEYS = list(ModelParams.model_fields)
COUNTRY_KEYS = list(CountryParams.model_fields)
LEVER_KEYS = {name: list(Levers.model_fields[name].annotation.__args__[0].model_fields) for name in LEVER_NAMES}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["JP", "US", "none", "fixed", "permanent", "1e3", "2030"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _table(node: dict, key: str) -> dict:
    """The sub-table ``node[key]``, created (or replacing a non-table value) if needed."""
    if not isinstance(node.get(key), dict):
        node[key] = {}
    return node[key]


@st.composite
def scenario_dicts(draw):
    """A scenario dict with a few valid, misspelt, mistyped or out-of-range entries."""
    data: dict = {}
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(["model", "country", "lever", "top", "table"]))
        value = draw(values)
        if where == "model":
            key = draw(st.sampled_from(MODEL_KEYS) | st.text(min_size=1, max_size=8))
            _table(data, "model")[key] = value
        elif where == "country":
            code = draw(st.sampled_from([*CODES, "XX", "jp"]))
            key = draw(st.sampled_from(COUNTRY_KEYS) | st.text(min_size=1, max_size=8))
            _table(_table(data, "countries"), code)[key] = value
        elif where == "lever":
            name = draw(st.sampled_from([*LEVER_NAMES, "bogus_lever"]))
            key = draw(st.sampled_from(LEVER_KEYS.get(name, ["enabled"])) | st.text(min_size=1, max_size=8))
            _table(_table(data, "levers"), name)[key] = value
        elif where == "top":
            data[draw(st.sampled_from(["name", "description", "model", "countries", "levers", "extra"]))] = value
        else:
            data[draw(st.sampled_from(["model", "countries", "levers"]))] = value
    return data


def _accepts_or_input_error(fn, *args) -> None:
    try:
        fn(*args)
    except InputError as err:
        assert str(err)  # a readable message
    # any other exception propagates and fails the test


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_dicts())
def test_malformed_scenario_dicts_raise_only_input_errors(data):
    _accepts_or_input_error(scenario_from_dict, data)


def _to_toml(data: dict) -> str:
    lines, tables = [], []
    for key, val in data.items():
        if isinstance(val, dict):
            tables.append(([key], val))
        else:
            lines.append(f'"{key}" = {toml_value(val)}')
    while tables:
        path, table = tables.pop(0)
        lines.append("[" + ".".join(f'"{p}"' for p in path) + "]")
        for key, val in table.items():
            if isinstance(val, dict) and path[0] in ("countries", "levers") and len(path) == 1:
                tables.append(([*path, key], val))
            else:
                lines.append(f'"{key}" = {toml_value(val)}')
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=scenario_dicts(), junk=st.sampled_from(["", "\n[model", "\nscale = = 1", "\n\x00", "\nname = 1\nname = 2"]))
def test_malformed_toml_files_raise_only_input_errors(tmp_path, data, junk):
    path = tmp_path / "scenario.toml"
    path.write_text(_to_toml(data) + junk, encoding="utf-8")
    _accepts_or_input_error(load_scenario, path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_input_errors(tmp_path, raw):
    path = tmp_path / "scenario.toml"
    path.write_bytes(raw)
    _accepts_or_input_error(load_scenario, path)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.one_of(
            st.text(alphabet="._abcJPlevrsmodeutyin", max_size=14),
            st.sampled_from(["scale", "model.scale", "countries.JP.renewal_prob", "levers__admin_load__start_year"]),
        ),
        values,
        max_size=3,
    )
)
def test_malformed_overrides_raise_only_input_errors(overrides):
    _accepts_or_input_error(load_scenario, BASELINE, overrides)


def test_numpy_scalars_are_accepted_where_python_values_are():
    """Samplers (EMA Workbench, SALib, mesa.batch_run over numpy arrays) hand numpy scalars."""
    import mesa

    m = CirculationModel(
        rng=np.int64(3),
        scale=np.float64(20000),
        end_year=np.int64(2005),
        enable_returns=np.True_,
        **{"levers.contact_window.enabled": np.bool_(True), "countries.JP.renewal_prob": np.float32(0.5)},
    )
    assert type(m.p.scale) is float and m.p.end_year == 2005 and m.p.enable_returns is True
    assert "contact_window" in m.levers
    rows = mesa.batch_run(
        CirculationModel,
        parameters={"scale": np.array([20000.0, 30000.0]), "end_year": 2005, "burn_in_years": np.int64(0)},
        rng=[1],
        max_steps=1,
        number_processes=1,
        display_progress=False,
    )
    assert len(rows) == 2 and all(r["researchers"] > 0 for r in rows)
