"""Calibration: emulators, implausibility, the calibration layer under scenarios, bad
calibration files, and identifiability (known parameter values recovered from data the
model itself generated)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from circsim.cli.main import main
from circsim.errors import InputError
from circsim.sim import inputs
from circsim.sim.model import CirculationModel
from circsim.sim.scenario import country_params, scenario_from_dict
from circsim.workbench.calibrate import calibrate, implausibility, kth_largest, load_calibration, to_unit
from circsim.workbench.calibration_outputs import calibrated_toml
from circsim.workbench.emulators import fit_quadratic

BASELINE = (Path(__file__).parents[2] / "scenarios" / "baseline.toml").as_posix()


def test_quadratic_regression_recovers_a_quadratic_surface():
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, size=(60, 2))
    y = np.column_stack([1 + 2 * u[:, 0] - u[:, 1] ** 2 + 0.5 * u[:, 0] * u[:, 1], 3 - u[:, 1]])
    em = fit_quadratic(u, y + rng.normal(0, 0.01, size=y.shape))
    assert em.kind == "full"
    test = rng.uniform(-1, 1, size=(200, 2))
    truth = np.column_stack([1 + 2 * test[:, 0] - test[:, 1] ** 2 + 0.5 * test[:, 0] * test[:, 1], 3 - test[:, 1]])
    assert np.abs(em.predict(test) - truth).max() < 0.05
    assert np.all(em.variance < 0.001)  # leave-one-out residuals at the noise level (sd 0.01)


def test_quadratic_variance_reflects_misfit_and_falls_back_to_fewer_terms():
    rng = np.random.default_rng(1)
    u = rng.uniform(-1, 1, size=(8, 3))
    em = fit_quadratic(u, np.sin(4 * u[:, :1]))
    assert em.kind == "linear"  # 8 points cannot support 10 quadratic terms
    assert em.variance[0] > 0.05


def test_quadratic_regression_ignores_missing_outputs():
    u = np.linspace(-1, 1, 20)[:, None]
    y = (2 * u).copy()
    y[3] = np.nan
    em = fit_quadratic(u, y)
    assert np.isfinite(em.coef).all()
    assert np.allclose(em.predict(np.array([[0.5]])), 1.0, atol=1e-3)


def test_kth_largest():
    v = np.array([[1.0, 5.0, 3.0], [9.0, 2.0, 4.0]])
    assert kth_largest(v, 1).tolist() == [5.0, 9.0]
    assert kth_largest(v, 2).tolist() == [3.0, 4.0]
    assert kth_largest(v, 10).tolist() == [1.0, 2.0]


# --- the calibration layer ---------------------------------------------------------


@pytest.fixture
def calibration_file(tmp_path, monkeypatch):
    path = tmp_path / "calibrated.toml"
    path.write_text(
        "[parameters.model]\nvisit_logit_base = -3.1\n[parameters.countries.JP]\nrenewal_prob = 0.45\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(inputs, "CALIBRATED_FILE", path)
    return path


def test_scenarios_lie_over_the_calibrated_values(calibration_file):
    scen = scenario_from_dict({})
    assert scen.model.visit_logit_base == -3.1
    assert country_params(scen)["JP"].renewal_prob == 0.45
    own = scenario_from_dict({"model": {"visit_logit_base": -4.0}, "countries": {"JP": {"renewal_prob": 0.7}}})
    assert own.model.visit_logit_base == -4.0 and country_params(own)["JP"].renewal_prob == 0.7
    raw = scenario_from_dict({"calibrated": False})
    assert raw.model.visit_logit_base == -3.75  # the params.py default
    assert CirculationModel(rng=0, scale=50000, burn_in_years=0, end_year=2004).p.visit_logit_base == -3.1


def test_a_rewritten_calibration_file_is_read_again(calibration_file):
    assert scenario_from_dict({}).model.visit_logit_base == -3.1
    calibration_file.write_text("[parameters.model]\nvisit_logit_base = -3.3\n", encoding="utf-8")
    assert scenario_from_dict({}).model.visit_logit_base == -3.3


def test_a_bad_calibration_file_names_itself(calibration_file):
    calibration_file.write_text("[parameters.model]\nvisit_logit_base = 99.0\n", encoding="utf-8")
    with pytest.raises(InputError, match="visit_logit_base"):
        scenario_from_dict({})
    calibration_file.write_text("[parameters.levers]\nx = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match=str(calibration_file)):
        scenario_from_dict({})


# --- calibration files -------------------------------------------------------------


def _write_calibration(tmp_path: Path, body: str, **top) -> Path:
    head = {"name": "cal", "baseline": BASELINE, "calibrated": False, "replicates": 1, "seed": 5, "scale": 400,
            "end_year": 2013, **top}  # fmt: skip
    lines = [
        f"{k} = {v!r}".replace("'", '"').replace("False", "false").replace("True", "true") for k, v in head.items()
    ]
    path = tmp_path / "cal.toml"
    path.write_text("\n".join(lines) + "\n[scenarios.baseline]\n" + body, encoding="utf-8")
    return path


RANGES = """
[uncertainties."countries.JP.collab_openness"]
low = 0.1
high = 1.0
[uncertainties.fixed_term_external_share]
low = 0.2
high = 0.9
"""


@pytest.mark.parametrize(
    ("top", "body", "message"),
    [
        ({"calibrated": True}, RANGES, "calibrated"),
        ({}, RANGES + "[scenarios.other]\n", "exactly one scenario"),
        ({}, "[uncertainties.visit_logit_base]\nvalues = [-4.0, -3.5]\n", "prior range"),
        ({}, RANGES + "[calibration]\nwaves = 0\n", "calibration.waves"),
        ({}, RANGES + "[calibration]\nwavez = 2\n", "calibration.wavez"),
        ({}, RANGES + '[calibration]\ntargets = "missing.csv"\n', "calibration.targets"),
    ],
)
def test_bad_calibration_files_exit_2_naming_the_key(tmp_path, capsys, top, body, message):
    path = _write_calibration(tmp_path, body, **top)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out"), "--write", str(tmp_path / "c.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("circsim: error:") and message in err and "Traceback" not in err
    assert not (tmp_path / "c.toml").exists()


def test_a_horizon_without_targets_exits_2(tmp_path, capsys):
    (tmp_path / "late.csv").write_text(
        "indicator,country,year,value,tolerance,status,group,source\npapers,JP,2030,1,1,target,papers,x\n",
        encoding="utf-8",
    )
    path = _write_calibration(tmp_path, RANGES + '[calibration]\ntargets = "late.csv"\n', end_year=2020)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out"), "--write", str(tmp_path / "c.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("circsim: error:") and "no target lies inside the horizon" in err


def test_budget_sets_points_per_wave_and_too_small_a_budget_is_refused(tmp_path):
    path = _write_calibration(tmp_path, RANGES + "[calibration]\nwaves = 2\n")
    assert load_calibration(path, budget=40).settings.points_per_wave == 20
    with pytest.raises(InputError, match="budget too small"):
        load_calibration(path, budget=3)


# --- identifiability ---------------------------------------------------------------

TRUTH = {"countries.JP.collab_openness": 0.5, "fixed_term_external_share": 0.8}


def _synthetic_targets(path: Path) -> pd.DataFrame:
    """Targets the model itself generates at TRUTH (mean of 3 seeds), with tolerances of
    two replicate standard deviations (at least 0.01)."""
    runs = []
    for seed in (101, 102, 103):
        m = CirculationModel(rng=seed, scale=400, end_year=2013, calibrated=False, **TRUTH)
        m.run()
        ind = m.indicators()
        runs.append(ind[ind["country"] == "JP"].set_index(["indicator", "year"])["value"])
    sims = pd.concat(runs, axis=1)
    rows = []
    # nine years of co-authorship: Japan's openness moves about half of its co-authorship
    # (its partners meet it halfway, ODD 7.8), so three years left it loosely pinned
    coauthorship_years = tuple(range(2005, 2014))
    for indicator, years in (("intl_coauthorship_share", coauthorship_years), ("fixed_term_share", (2009, 2011, 2013))):
        for y in years:
            v = sims.loc[(indicator, y)]
            rows.append({"indicator": indicator, "country": "JP", "year": y, "value": float(v.mean()),
                         "tolerance": float(max(2 * v.std(), 0.01)), "status": "target", "group": indicator[:8],
                         "source": "synthetic"})  # fmt: skip
    targets = pd.DataFrame(rows)
    targets.to_csv(path, index=False)
    return targets


@pytest.mark.integration
def test_calibration_recovers_known_parameters_from_synthetic_data(tmp_path):
    _synthetic_targets(tmp_path / "synthetic.csv")
    # one of the 12 targets may miss by more than 3 sd (the second-largest implausibility,
    # as in Vernon et al. 2010): with the largest, the noise of 12 correlated targets ruled
    # the truth itself out in 3 of 13 synthetic data sets (seed triples 101-103 to 1401-1403)
    body = RANGES + '[calibration]\nwaves = 3\npoints_per_wave = 12\nmisfits_allowed = 1\ntargets = "synthetic.csv"\n'
    body += "confirm_points = 3\nconfirm_replicates = 2\n"
    cal = load_calibration(_write_calibration(tmp_path, body))
    result = calibrate(cal, tmp_path / "out", executor="serial", progress=False, log=lambda _: None)
    # Bounds with a margin over 12 synthetic data sets (seeds 101-1203, 2026-12-07): the
    # truth's implausibility 1.2-2.6 (cut-off 3), the last NROY share 0.13-0.24 of the box,
    # each parameter's 5-95% NROY range 0.36-0.57 of its prior, estimates 0.00-0.15 of it off
    truth = to_unit(np.array([[TRUTH[name] for name in cal.names]]), cal.bounds)
    assert implausibility(result, truth, result.waves)[0] <= cal.settings.cutoff  # the truth is not ruled out
    assert result.waves[-1].nroy_share < 0.35  # the data ruled out most of the prior box
    spread = result.spread().set_index("parameter")
    for name, true in TRUTH.items():
        row = spread.loc[name]
        width = row.prior_high - row.prior_low
        assert row.nroy_p95 - row.nroy_p05 < 0.7 * width, (name, row.to_dict())  # and narrowed each parameter
        assert abs(result.estimate[name] - true) < 0.2 * width, (name, result.estimate)
    written = tomllib.loads(calibrated_toml(result, "test"))
    assert written["parameters"]["countries"]["JP"]["collab_openness"] == pytest.approx(
        result.estimate["countries.JP.collab_openness"], 1e-3
    )
    assert written["provenance"]["runs"] == sum(w.runs for w in result.waves) + 3 * 2  # and the confirmation
    assert len(result.confirmed) == 3 and (tmp_path / "out" / "confirm" / "manifest.json").is_file()
    assert set(written["discrepancy"]) == {f"intl_coauthorship_share JP {y}" for y in range(2005, 2014)} | {
        f"fixed_term_share JP {y}" for y in (2009, 2011, 2013)}  # fmt: skip


def _two_targets(path: Path, groups: tuple[str, str] = ("careers", "coauthorship")) -> None:
    """Two targets of 2008 in ``groups``."""
    pd.DataFrame({
        "indicator": ["fixed_term_share", "intl_coauthorship_share"], "country": ["JP", "JP"], "year": [2008, 2008],
        "value": [0.25, 0.3], "tolerance": [0.05, 0.08], "status": ["target", "target"], "group": list(groups),
        "source": ["test", "test"],
    }).to_csv(path, index=False)  # fmt: skip


TINY = (
    RANGES
    + """[calibration]
waves = 2
points_per_wave = 3
confirm_points = 1
confirm_replicates = 1
targets = "t.csv"
"""
)


@pytest.mark.integration
def test_calibrate_holdout_writes_a_calibration_file_the_model_and_validate_then_use(
    tmp_path, monkeypatch, capsys, tiny_store
):
    _two_targets(tmp_path / "t.csv")
    path = _write_calibration(tmp_path, TINY, scale=5000, end_year=2008)
    written, out = tmp_path / "calibrated.toml", tmp_path / "out"
    argv = ["calibrate", str(path), "--out", str(out), "--write", str(written), "--executor", "serial"]
    assert main([*argv, "--quiet", "--holdout", "--budget", "6"]) == 0  # 2 waves x 3 points x 1 replicate
    printed = capsys.readouterr().out
    assert "in-sample: the estimate holds" in printed and "out-of-sample (group k-fold): " in printed
    doc = tomllib.loads(written.read_text(encoding="utf-8"))
    assert set(doc) == {"parameters", "provenance", "discrepancy", "spread"}
    provenance = doc["provenance"]
    assert provenance["command"].startswith("circsim ") and provenance["in_sample_targets"] == 2
    assert provenance["out_of_sample_targets"] == 2 and provenance["holdout_groups"] == ["careers", "coauthorship"]
    assert set(doc["spread"]) == {"countries.JP.collab_openness", "fixed_term_external_share"}
    for name in ("points.csv", "confirmed.csv", "spread.csv", "discrepancy.csv", "nroy.csv", "nroy.png", "summary.md",
                 "emulators.csv", "degeneracy.csv", "holdout.csv", "holdout-folds.csv"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    holdout = pd.read_csv(out / "holdout.csv")
    assert holdout["group"].tolist() == ["careers", "coauthorship"]
    assert holdout["out_of_sample_holds"].sum() == provenance["out_of_sample_held"]
    # each fold ran its own later waves and confirmation; wave 1 is the full calibration's
    assert (out / "holdout" / "careers" / "wave-2" / "manifest.json").is_file()
    assert (out / "holdout" / "coauthorship" / "confirm" / "manifest.json").is_file()
    assert not (out / "holdout" / "careers" / "wave-1").exists()
    monkeypatch.setattr(inputs, "CALIBRATED_FILE", written)
    model = CirculationModel(rng=0, scale=50000, burn_in_years=0, end_year=2004)
    assert model.p.fixed_term_external_share == doc["parameters"]["model"]["fixed_term_external_share"]
    # the written uncertainties are valid experiment uncertainties
    snippet = tomllib.loads((out / "uncertainties.toml").read_text(encoding="utf-8"))
    assert set(snippet["uncertainties"]) == set(doc["spread"])
    # and validate prints the calibration's out-of-sample score
    assert main(["validate", "--store", str(tiny_store), "--out", str(tmp_path / "validate")]) == 0
    assert f"out-of-sample (group k-fold, from the calibration of {provenance['date'][:10]}): " in (
        capsys.readouterr().out
    )


def test_holdout_needs_two_target_groups(tmp_path, capsys):
    _two_targets(tmp_path / "t.csv", ("careers", "careers"))
    path = _write_calibration(tmp_path, TINY, scale=5000, end_year=2008)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out"), "--holdout", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"circsim: error: {tmp_path / 't.csv'}: key 'group': the group k-fold needs targets of at")
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()


@pytest.mark.integration
def test_calibrate_screen_ranks_parameters_by_target_group(tmp_path, capsys):
    _two_targets(tmp_path / "t.csv")
    screening = "[screening]\ntrajectories = 2\n[screening.candidates.utility_move_cost]\nlow = 2.0\nhigh = 4.0\n"
    path = _write_calibration(tmp_path, TINY + screening, scale=5000, end_year=2008)
    out = tmp_path / "out"
    argv = ["calibrate", str(path), "--screen", "--out", str(out), "--executor", "serial", "--quiet"]
    assert main(argv) == 0
    summary = pd.read_csv(out / "screening-groups.csv")
    assert set(summary["parameter"]) == {"countries.JP.collab_openness", "fixed_term_external_share",
                                         "utility_move_cost"}  # fmt: skip
    assert {"group careers", "group coauthorship", "largest", "free", "influential"} <= set(summary.columns)
    assert summary.loc[summary["parameter"] == "utility_move_cost", "free"].tolist() == [False]
    assert len(pd.read_csv(out / "screening.csv")) == 2 * 3  # targets x parameters
    assert (out / "screening.png").stat().st_size > 0 and "utility_move_cost" in capsys.readouterr().out
    assert not (tmp_path / "calibrated.toml").exists()
