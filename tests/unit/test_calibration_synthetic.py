"""Calibration on synthetic problems with known answers: a cheap function of the
parameters stands in for the model (``calibrate(..., simulate=...)``). The emulator
choice (a Gaussian process where the response is not quadratic), the group k-fold (a
held-out target the other groups pin down holds; one nothing constrains, observed off
centre, does not; nothing of the held-out group leaks into its fold), the degeneracy
report (a planted ridge: only the sum of two parameters matters) and the Morris
screening (known elementary effects, in tolerances)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor

from circsim.errors import InputError
from circsim.workbench.calibrate import (
    Calibration,
    CalibrationResult,
    calibrate,
    history_match,
    load_calibration,
    target_keys,
)
from circsim.workbench.calibration_outputs import calibrated_toml, summary_md, write_outputs
from circsim.workbench.emulators import fit_emulator, fit_gp
from circsim.workbench.screening import (
    group_summary,
    screening_experiment,
    screening_table,
    verdict_lines,
    write_screening,
)
from circsim.workbench.validate import score_lines

BASELINE = (Path(__file__).parents[2] / "scenarios" / "baseline.toml").as_posix()
#: Three free parameters; the synthetic responses see them scaled to [-1, 1] as u0, u1, u2.
PRIOR = {"visit_logit_base": (-4.5, -3.0), "tie_move_gain": (0.3, 1.5), "topic_diffusion_external": (0.1, 0.8)}
Response = Callable[[np.ndarray], np.ndarray]


def _calibration(tmp_path: Path, targets: list[tuple[str, float, float]], extra: str = "", **settings) -> Calibration:
    """A calibration of PRIOR against synthetic targets (group, observed, tolerance), one a
    year from 2005 (indicator ``papers`` of Japan, which no test simulates); ``extra``:
    more tables for the file."""
    rows = [
        {"indicator": "papers", "country": "JP", "year": 2005 + k, "value": v, "tolerance": tol, "status": "target",
         "group": g, "source": "synthetic"}
        for k, (g, v, tol) in enumerate(targets)
    ]  # fmt: skip
    tmp_path.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(tmp_path / "synthetic.csv", index=False)
    table = {"waves": 2, "points_per_wave": 24, "misfits_allowed": 0, "candidates": 4000, "confirm_points": 3,
             "confirm_replicates": 2, "targets": "synthetic.csv", **settings}  # fmt: skip
    lines = [f'name = "synthetic"\nbaseline = "{BASELINE}"\ncalibrated = false\nreplicates = 2\nseed = 3',
             "end_year = 2013\n[scenarios.baseline]\n[calibration]"]  # fmt: skip
    lines += [f"{k} = {v!r}".replace("'", '"') for k, v in table.items()]
    for name, (low, high) in PRIOR.items():
        lines.append(f'[uncertainties."{name}"]\nlow = {low}\nhigh = {high}')
    path = tmp_path / "synthetic.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return load_calibration(path)


def _simulator(cal: Calibration, response: Response, noise: float = 0.01, calls: list[str] | None = None):
    """``response(u)`` (points x targets) plus replicate noise, as the simulation step."""
    bounds = cal.bounds

    def simulate(points: np.ndarray, replicates: int, seed: int, name: str) -> pd.DataFrame:
        if calls is not None:
            calls.append(name)
        u = 2 * (points - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0]) - 1
        rng = np.random.default_rng([seed, len(name), len(points)])
        keys = target_keys(cal.targets)
        frames = [
            pd.DataFrame(response(u) + rng.normal(0, noise, (len(u), len(keys))), columns=keys).assign(
                point=range(len(u)), replicate=r
            )
            for r in range(replicates)
        ]
        return pd.concat(frames).set_index(["point", "replicate"])

    return simulate


def _quiet(_: str) -> None:
    return None


# --- emulators ---------------------------------------------------------------------


def test_the_gp_is_chosen_where_the_response_is_not_quadratic():
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, size=(60, 2))
    wavy = np.sin(3 * u[:, 0]) * np.cos(2 * u[:, 1])
    em = fit_emulator(u, np.column_stack([wavy, 1 + u[:, 0] - 0.5 * u[:, 1]]) + rng.normal(0, 0.01, (60, 2)))
    assert em.use_gp[0] and em.cv_gp[0] < 0.1 * em.cv_quadratic[0]  # the quadratic cannot follow the waves
    test = rng.uniform(-1, 1, size=(200, 2))
    mean, var = em.predict(test)
    truth = np.sin(3 * test[:, 0]) * np.cos(2 * test[:, 1])
    assert np.sqrt(np.mean((mean[:, 0] - truth) ** 2)) < 0.05
    far = em.predict(np.array([[3.0, 3.0]]))[1][0, 0]  # outside the design: the GP says it does not know
    assert far > 20 * var[:, 0].mean()


def test_the_gp_leave_one_out_error_is_that_of_refitting_without_each_point():
    rng = np.random.default_rng(2)
    u = rng.uniform(-1, 1, size=(25, 2))
    y = np.sin(2 * u[:, 0]) + u[:, 1] ** 2 + rng.normal(0, 0.05, 25)
    gp, cv = fit_gp(u, y, restarts=0, seed=0)
    residuals = []
    for i in range(len(y)):
        rest = np.arange(len(y)) != i
        # the fitted kernel without point i (the mean is linear in y, so y's scale does not matter)
        one = GaussianProcessRegressor(gp.kernel_, optimizer=None, normalize_y=False).fit(u[rest], y[rest] - y.mean())
        residuals.append(y[i] - y.mean() - one.predict(u[i : i + 1])[0])
    assert cv == pytest.approx(np.mean(np.square(residuals)), rel=1e-6)


# --- the group k-fold ---------------------------------------------------------------

TRUTH = np.array([0.3, -0.2, 0.9])  # u0, u1, u2


def _kfold_response(u: np.ndarray) -> np.ndarray:
    """a: u0 and u1 each; b: their sum; c: u2, which nothing else sees."""
    return np.column_stack([u[:, 0], u[:, 1], u[:, 0] + u[:, 1], u[:, 2]])


KFOLD_TARGETS = [("a", TRUTH[0], 0.1), ("a", TRUTH[1], 0.1), ("b", TRUTH[0] + TRUTH[1], 0.1), ("c", TRUTH[2], 0.08)]


def test_the_group_kfold_scores_what_the_other_groups_pin_down(tmp_path):
    cal = _calibration(tmp_path, KFOLD_TARGETS)
    calls: list[str] = []
    simulate = _simulator(cal, _kfold_response, calls=calls)
    result = calibrate(cal, tmp_path / "out", "serial", log=_quiet, holdout=True, simulate=simulate)
    h = result.holdout.set_index("target")
    assert h["in_sample_holds"].all()  # the full calibration fits all four
    assert h.loc["papers JP 2007", "out_of_sample_holds"]  # b: u0 + u1, pinned down by a
    assert not h.loc["papers JP 2008", "out_of_sample_holds"]  # c: u2 observed at 0.9, seen by no other group
    assert h.loc["papers JP 2008", "group"] == "c"
    folds = result.folds.set_index("group")
    assert folds.loc["b", "held_out_hold"] == 1 and folds.loc["c", "held_out_hold"] == 0
    # the full estimate holds all four, so it holds each fold's fitted ones: the search-loss baseline
    assert (folds["fitted_hold_full"] == folds["fitted"]).all() and list(folds["fitted"]) == [2, 3, 3]
    assert abs(result.estimate["topic_diffusion_external"] - folds.loc["c", "topic_diffusion_external"]) > 0.05
    # wave 1 is shared: the folds simulate only their later waves and confirmations
    assert calls == ["wave-1", "wave-2", "confirm"] + [
        f"holdout/{g}/{step}" for g in "abc" for step in ("wave-2", "confirm")
    ]

    written = tomllib.loads(calibrated_toml(result, "test"))["provenance"]
    assert (written["in_sample_held"], written["in_sample_targets"]) == (4, 4)
    held = int(h["out_of_sample_holds"].sum())
    assert (written["out_of_sample_held"], written["out_of_sample_targets"]) == (held, 4)
    assert written["holdout_groups"] == ["a", "b", "c"]
    paths = {p.name for p in write_outputs(result, tmp_path / "out")}
    assert {"holdout.csv", "holdout-folds.csv", "emulators.csv", "degeneracy.csv", "summary.md"} <= paths
    table = pd.read_csv(tmp_path / "out" / "holdout.csv")
    assert list(table.columns) == ["group", "target", "observed", "tolerance", "in_sample_simulated",
                                   "in_sample_holds", "out_of_sample_simulated", "out_of_sample_holds",
                                   "plausible_points", "plausible_share_holding", "plausible_p05", "plausible_p95",
                                   "reachable"]  # fmt: skip
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert f"{held} of 4 targets hold out of sample, 4 in sample" in summary
    assert "fitted_hold_full" in summary

    calibration_file = tmp_path / "calibrated.toml"
    calibration_file.write_text(calibrated_toml(result, "test"), encoding="utf-8")
    patterns = pd.DataFrame({"status": ["target"] * 2, "holds": [True, False]})
    assert (
        f"from the calibration of {result.finished[:10]}): {held} of 4"
        in score_lines(patterns, True, calibration_file)[0]
    )


def test_the_kfold_tells_targets_the_others_leave_free_from_those_they_rule_out(tmp_path):
    """a: u0 at 0.3 and u1 (wide); c: u2; d: u0 again, at -0.8, against a. Held out, d is
    held at no point that a and c allow (unreachable); a's u1 target, seen by no other
    group, is held at some of the points c and d allow and not at others (reachable);
    a's u0 target at none of them; with c held out, a and d rule out every point, so
    nothing can be said of c (NA)."""
    targets = [("a", 0.3, 0.1), ("a", -0.2, 0.5), ("c", 0.9, 0.3), ("d", -0.8, 0.1)]
    cal = _calibration(tmp_path, targets)
    response = lambda u: np.column_stack([u[:, 0], u[:, 1], u[:, 2], u[:, 0]])  # noqa: E731
    result = calibrate(cal, tmp_path / "out", "serial", log=_quiet, holdout=True, simulate=_simulator(cal, response))
    h = result.holdout.set_index("target")
    d, a0, a1, c = "papers JP 2008", "papers JP 2005", "papers JP 2006", "papers JP 2007"
    assert h.loc[d, "plausible_points"] > 0 and h.loc[d, "plausible_share_holding"] == 0
    assert not h.loc[d, "reachable"] and not h.loc[d, "out_of_sample_holds"]
    assert not h.loc[a0, "reachable"]
    assert h.loc[a1, "reachable"] and 0 < h.loc[a1, "plausible_share_holding"] < 1
    assert h.loc[c, "plausible_points"] == 0 and pd.isna(h.loc[c, "reachable"])
    assert h.loc[d, "plausible_p05"] > 0.1  # what a allows of u0, far from d's -0.8
    folds = result.folds.set_index("group")
    missed = ~h["out_of_sample_holds"]
    assert folds["missed_unreachable"].sum() == (missed & (h["reachable"] == False)).sum() >= 2  # noqa: E712
    assert folds["missed_reachable"].sum() == (missed & (h["reachable"] == True)).sum()  # noqa: E712
    assert folds.loc["d", "missed_unreachable"] == 1 and folds.loc["c", "missed_reachable"] == 0
    # the best plausible point holds a's u1 target but never its u0 one, never d's, and c has no such point
    assert folds.loc["a", "best_plausible_hold"] == 1 and folds.loc["d", "best_plausible_hold"] == 0
    assert pd.isna(folds.loc["c", "best_plausible_hold"])
    write_outputs(result, tmp_path / "out")
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    unreachable = int(folds["missed_unreachable"].sum())
    assert "are held at some point the fold's own runs do not rule out (`reachable`), at a median" in summary
    assert f"{unreachable} are held at none" in summary
    assert "looking at its held-out targets (which no calibration may do), would hold 1 of 4" in summary
    written = tomllib.loads(calibrated_toml(result, "test"))["provenance"]
    assert written["out_of_sample_missed_unreachable"] == unreachable
    assert written["out_of_sample_best_plausible"] == 1
    calibration_file = tmp_path / "calibrated.toml"
    calibration_file.write_text(calibrated_toml(result, "test"), encoding="utf-8")
    patterns = pd.DataFrame({"status": ["target"], "holds": [True]})
    reachable = int(folds["missed_reachable"].sum())
    line = score_lines(patterns, True, calibration_file)[0]
    assert f"(of the misses, {reachable} reachable at plausible points of their fold, {unreachable} at none)" in line


def test_the_period_fold_predicts_later_targets_from_earlier_ones(tmp_path):
    """``holdout_after``: calibrated on the targets up to 2006 (a: u0 and u1), the 2007
    target (b: their sum) is predicted and the 2008 one (c: u2, unseen) is not."""
    targets = [*KFOLD_TARGETS[:3], ("c", -0.6, 0.05)]  # u2 far from where a fit blind to it lands
    cal = _calibration(tmp_path, targets, holdout_after=2006)
    calls: list[str] = []
    result = calibrate(cal, tmp_path / "out", "serial", log=_quiet, holdout=True,
                       simulate=_simulator(cal, _kfold_response, calls=calls))  # fmt: skip
    period = result.period.set_index("target")
    assert list(period.index) == ["papers JP 2007", "papers JP 2008"]
    assert period.loc["papers JP 2007", "out_of_sample_holds"]
    assert not period.loc["papers JP 2008", "out_of_sample_holds"]
    assert (result.period_fold["held_out"], result.period_fold["held_out_hold"]) == (2, 1)
    assert calls[-2:] == ["holdout/after-2006/wave-2", "holdout/after-2006/confirm"]
    written = tomllib.loads(calibrated_toml(result, "test"))["provenance"]
    assert (written["period_held"], written["period_targets"]) == (1, 2)
    write_outputs(result, tmp_path / "out")
    assert pd.read_csv(tmp_path / "out" / "holdout-period.csv")["out_of_sample_holds"].sum() == 1
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "calibrated on the 2 targets up to 2006, 1 of the 2 later targets hold" in summary
    best = result.period_fold["best_plausible_hold"]
    assert 1 <= best <= 2 and f"its held-out targets (which no calibration may do), would hold {best} of 2" in summary
    calibration_file = tmp_path / "calibrated.toml"
    calibration_file.write_text(calibrated_toml(result, "test"), encoding="utf-8")
    patterns = pd.DataFrame({"status": ["target"] * 2, "holds": [True, False]})
    assert "forward in time (targets after 2006, calibrated on the others): 1 of 2" in "".join(
        score_lines(patterns, True, calibration_file)
    )


def test_nothing_of_the_held_out_group_enters_its_fold(tmp_path):
    """The fold without group c is the same whatever c's observation says."""
    estimates = []
    for observed in (TRUTH[2], -0.7):
        targets = [*KFOLD_TARGETS[:3], ("c", observed, 0.08)]
        cal = _calibration(tmp_path / f"c{observed}", targets, waves=2, points_per_wave=16)
        fit = (cal.targets["group"] != "c").to_numpy()
        fold = history_match(cal, _simulator(cal, _kfold_response), fit, prefix="holdout/c/", log=_quiet)
        estimates.append(fold.estimate)
    assert estimates[0] == estimates[1]


# --- degeneracy --------------------------------------------------------------------


def test_degeneracy_finds_a_planted_ridge(tmp_path):
    """Only u0 + u1 matters to the first target and u2 to the second: the NROY sample lies
    on a ridge where u0 and u1 trade off, and u2 is pinned down."""
    cal = _calibration(tmp_path, [("ridge", 0.0, 0.1), ("other", 0.5, 0.1)], waves=3)
    simulate = _simulator(cal, lambda u: np.column_stack([u[:, 0] + u[:, 1], u[:, 2]]))
    result = calibrate(cal, tmp_path / "out", "serial", log=_quiet, simulate=simulate)
    pairs = result.degeneracy()
    assert len(pairs) == 1, pairs
    pair = pairs.iloc[0]
    assert {pair.parameter_a, pair.parameter_b} == {"visit_logit_base", "tie_move_gain"}
    assert pair.pearson < -0.8 and pair.spearman < -0.8
    kept = result.spread().set_index("parameter")["kept_share"]
    assert kept["topic_diffusion_external"] < 0.3  # pinned down by the second target
    assert kept["visit_logit_base"] > 0.6 and kept["tie_move_gain"] > 0.6  # each alone: barely
    written = tomllib.loads(calibrated_toml(result, "test"))
    assert len(written["provenance"]["degenerate_pairs"]) == 1
    assert 0 < written["spread"]["topic_diffusion_external"]["kept_share"] < 0.3


def _planted_nroy(cal: Calibration, clumps: list[tuple[int, tuple[float, float, float], bool]]) -> CalibrationResult:
    """A result whose NROY sample is planted: per clump (points, centre in prior-box
    shares, whether its first two parameters trade off along a ridge), independent
    normal scatter of sd 0.03 around the centre otherwise."""
    rng = np.random.default_rng(5)
    parts = []
    for n, centre, ridge in clumps:
        x = np.asarray(centre) + rng.normal(0, 0.03, (n, 3))
        if ridge:
            x[:, 1] = 2 * centre[1] - x[:, 0] + rng.normal(0, 0.005, n)  # u0 + u1 fixed
        parts.append(x)
    scaled = np.concatenate(parts)
    result = CalibrationResult(cal, np.ones(len(cal.targets), dtype=bool))
    result.nroy = cal.bounds[:, 0] + scaled * (cal.bounds[:, 1] - cal.bounds[:, 0])
    return result


def test_degeneracy_looks_within_clumps_of_the_nroy_sample(tmp_path):
    """Two separate clumps, each without any trade-off: over the whole sample the first
    two parameters correlate at ~0.97 (the offset between the clumps); within each they do
    not, so no pair is degenerate."""
    cal = _calibration(tmp_path, [("a", 0.0, 0.1)])
    result = _planted_nroy(cal, [(100, (0.8, 0.8, 0.5), False), (300, (0.2, 0.2, 0.5), False)])
    assert np.corrcoef(result.nroy[:, 0], result.nroy[:, 1])[0, 1] > 0.9
    labels = result.clumps()
    assert np.bincount(labels).tolist() == [300, 100]  # largest clump first
    assert labels[:100].tolist() == [1] * 100
    assert result.degeneracy().empty


def test_degeneracy_reports_a_ridge_inside_one_clump(tmp_path):
    """A trade-off inside the smaller clump is found there, with its clump and size; one
    compact cloud is kept whole."""
    cal = _calibration(tmp_path, [("a", 0.0, 0.1)])
    result = _planted_nroy(cal, [(300, (0.2, 0.2, 0.5), False), (100, (0.7, 0.7, 0.3), True)])
    pairs = result.degeneracy()
    assert len(pairs) == 1, pairs
    pair = pairs.iloc[0]
    assert {pair.parameter_a, pair.parameter_b} == {"visit_logit_base", "tie_move_gain"}
    assert pair.pearson < -0.9 and (pair.clump, pair.points) == (2, 100)
    single = _planted_nroy(cal, [(200, (0.5, 0.5, 0.5), False)])
    assert single.clumps().max() == 0


def test_the_summary_names_the_clumps_of_a_two_solution_calibration(tmp_path):
    """The first target sees only u0 squared (0.49: u0 = 0.7 or -0.7), the others pin u1
    and u2: the plausible region is two separate blobs, which the summary says, with the
    parameter that separates them."""
    cal = _calibration(tmp_path, [("a", 0.49, 0.15), ("b", 0.0, 0.1), ("c", 0.0, 0.1)], waves=3)
    simulate = _simulator(cal, lambda u: np.column_stack([u[:, 0] ** 2, u[:, 1], u[:, 2]]))
    result = calibrate(cal, tmp_path / "out", "serial", log=_quiet, simulate=simulate)
    labels = result.clumps()
    assert labels.max() == 1
    u0 = result.nroy[:, 0]
    sides = [np.sign(u0[labels == k] - np.mean(PRIOR["visit_logit_base"])) for k in (0, 1)]
    assert all(abs(side.mean()) == 1 for side in sides) and sides[0][0] != sides[1][0]  # one side each
    summary = summary_md(result)
    assert "falls in 2 separate clumps" in summary and "`visit_logit_base`" in summary


# --- Morris screening ---------------------------------------------------------------

SCREENING = """
[screening]
trajectories = 6
threshold = 0.5
[screening.candidates.utility_move_cost]
low = 2.0
high = 4.0
"""


def test_screening_measures_effects_in_tolerances_per_group(tmp_path):
    """Linear responses of the parameters scaled to [0, 1] (x): mu* is the slope, exactly."""
    cal = _calibration(tmp_path, [("steep", 0.0, 0.5), ("flat", 0.0, 1.0)], extra=SCREENING)
    exp = screening_experiment(cal)
    names = list(exp.spec.uncertainties)
    assert names == [*PRIOR, "utility_move_cost"] and len(exp.points) == 6 * 5
    box = np.array([[exp.spec.uncertainties[n].low, exp.spec.uncertainties[n].high] for n in names])
    x = (np.array([[p[n] for n in names] for p in exp.points]) - box[:, 0]) / (box[:, 1] - box[:, 0])
    values = np.column_stack([2.0 * x[:, 0] - 0.4 * x[:, 3], 0.1 * x[:, 1]])
    per_run = pd.DataFrame(values, columns=target_keys(cal.targets)).assign(point=range(len(x)), replicate=0)
    table = screening_table(cal, exp, per_run.set_index(["point", "replicate"]))
    mu = table.set_index(["target", "parameter"])["mu_star_per_tolerance"]
    assert mu[("papers JP 2005", "visit_logit_base")] == pytest.approx(4.0)  # 2.0 per range / tolerance 0.5
    assert mu[("papers JP 2005", "utility_move_cost")] == pytest.approx(0.8)
    assert mu[("papers JP 2006", "tie_move_gain")] == pytest.approx(0.1)
    assert mu[("papers JP 2006", "topic_diffusion_external")] == pytest.approx(0.0)
    summary = group_summary(table, cal.names, 0.5).set_index("parameter")
    assert summary.index[0] == "visit_logit_base" and summary.loc["visit_logit_base", "group steep"] == 4.0
    assert summary["influential"].to_dict() == {"visit_logit_base": True, "utility_move_cost": True,
                                                "tie_move_gain": False, "topic_diffusion_external": False}  # fmt: skip
    assert not summary.loc["utility_move_cost", "free"] and summary.loc["tie_move_gain", "free"]
    # both influential parameters move the "steep" group's target only; the others reach no group
    assert summary["only_in"].to_dict() == {"visit_logit_base": "steep", "utility_move_cost": "steep",
                                            "tie_move_gain": "", "topic_diffusion_external": ""}  # fmt: skip
    # linear responses: every elementary effect equal, so mu* is exact and every call is sure
    assert table["excess_low"].to_numpy() == pytest.approx(table["excess_per_tolerance"].to_numpy())
    assert summary["verdict"].to_dict() == {"visit_logit_base": "influential", "utility_move_cost": "influential",
                                            "tie_move_gain": "not influential",
                                            "topic_diffusion_external": "not influential"}  # fmt: skip
    paths = write_screening(table, group_summary(table, cal.names, 0.5), 0.5, tmp_path / "screen")
    assert all(p.stat().st_size > 0 for p in paths)


def test_a_verdict_is_uncertain_when_the_interval_of_mu_star_straddles_the_threshold():
    """Per parameter, the largest lower bound of its excess over the targets decides
    'influential', the largest upper bound 'not influential'; otherwise it is uncertain."""
    rows = [  # parameter, group, excess, low, high
        ("sure", "a", 2.0, 0.6, 3.0), ("sure", "b", 0.1, 0.0, 0.2),
        ("straddles", "a", 0.7, 0.2, 1.2), ("straddles", "b", 0.3, 0.0, 0.4),
        ("none", "a", 0.1, 0.0, 0.3), ("none", "b", 0.0, 0.0, 0.49),
        ("low_only", "a", 0.2, 0.0, 0.8), ("low_only", "b", 0.0, 0.0, 0.1),
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=["parameter", "group", "excess_per_tolerance", "excess_low", "excess_high"])
    summary = group_summary(table, ["sure", "none"], 0.5).set_index("parameter")
    assert summary["verdict"].to_dict() == {"sure": "influential", "straddles": "uncertain",
                                            "low_only": "uncertain", "none": "not influential"}  # fmt: skip
    # the point estimate still makes the influential column: 'straddles' reaches it, 'low_only' does not
    assert summary["influential"].to_dict() == {"sure": True, "straddles": True, "low_only": False, "none": False}
    assert summary.loc["sure", "largest_low"] == 0.6 and summary.loc["none", "largest_high"] == 0.49
    assert verdict_lines(summary.reset_index(), 10) == [
        "verdicts at 10 trajectories: 1 influential, 2 uncertain, 1 not influential",
        "uncertain (more trajectories would settle them): straddles, low_only",
        "free but not influential: none",
    ]


def test_screening_discounts_what_replicate_noise_alone_would_give(tmp_path):
    """A target that is pure noise has a large mu* and no excess; its noise floor is the
    mu* noise alone gives: 2/sqrt(pi) x sd of a point mean / step of 2/3."""
    cal = _calibration(tmp_path, [("noisy", 0.0, 0.1)], extra=SCREENING)
    exp = screening_experiment(cal)
    rng = np.random.default_rng(5)
    sd = 0.3
    per_run = pd.DataFrame({target_keys(cal.targets)[0]: rng.normal(0, sd, 2 * len(exp.points))})
    per_run = per_run.assign(point=np.repeat(range(len(exp.points)), 2), replicate=[0, 1] * len(exp.points))
    table = screening_table(cal, exp, per_run.set_index(["point", "replicate"]))
    floor = 2 / np.sqrt(np.pi) * sd / np.sqrt(2) / (2 / 3) / 0.1
    assert table["noise_floor_per_tolerance"].iloc[0] == pytest.approx(floor, rel=0.2)
    assert table["mu_star_per_tolerance"].min() > 0.5 * floor  # mu* alone would call every parameter influential
    assert (table["excess_per_tolerance"] < 0.5).all()
    assert not group_summary(table, cal.names, 0.5)["influential"].any()


def test_a_screened_candidate_must_be_a_parameter_and_not_a_free_one(tmp_path):
    clash = SCREENING.replace("utility_move_cost]", "tie_move_gain]")
    cal = _calibration(tmp_path, [("g", 0.0, 0.5)], extra=clash)
    with pytest.raises(InputError, match=r"screening.candidates.tie_move_gain.*already a free parameter"):
        screening_experiment(cal)
    unknown = SCREENING.replace("utility_move_cost]", "no_such_parameter]")
    cal = _calibration(tmp_path, [("g", 0.0, 0.5)], extra=unknown)
    with pytest.raises(InputError, match=r"key 'screening.candidates.no_such_parameter': not a valid parameter value"):
        screening_experiment(cal)


def test_a_thin_nroy_sample_is_filled_around_the_points_found(tmp_path):
    """A small plausible region (a corner of the box): the Latin-hypercube candidates find
    only a few points in it, and the next wave is filled with candidates drawn around them
    and screened the same way, so it still has a full design, all of it in the region."""
    corner = np.array([0.7, -0.7, 0.7])

    def response(u: np.ndarray) -> np.ndarray:
        return u.copy()

    cal = _calibration(tmp_path, [("a", 0.7, 0.2), ("b", -0.7, 0.2), ("c", 0.7, 0.2)], candidates=2000)
    result = history_match(cal, _simulator(cal, response, noise=0.002), log=_quiet)
    lhs_share = result.waves[0].nroy_share
    assert 0 < lhs_share * 2000 < 24  # the candidates alone would not fill a wave of 24
    second = 2 * (result.waves[1].points - cal.bounds[:, 0]) / (cal.bounds[:, 1] - cal.bounds[:, 0]) - 1
    assert len(second) == 24
    assert np.all(np.abs(second - corner) < 0.5)  # near the plausible corner, not anywhere in the box


def test_the_summary_says_when_the_estimate_misses_more_than_an_nroy_point_may(tmp_path):
    """Two targets no point reaches: with misfits_allowed = 0 every simulated point is
    ruled out by its own runs, and the summary says the NROY region rests on the
    emulators alone; allowing the two misses keeps the good points."""
    targets = [("a", 0.0, 0.1), ("b", 0.0, 0.1), ("out", 5.0, 0.1), ("out", -5.0, 0.1)]

    def response(u: np.ndarray) -> np.ndarray:
        return np.column_stack([u[:, 0], u[:, 1], u[:, 2], u[:, 2]])

    summaries = {}
    for allowed in (0, 2):
        cal = _calibration(tmp_path / str(allowed), targets, misfits_allowed=allowed)
        result = calibrate(cal, tmp_path / f"out{allowed}", "serial", log=_quiet, simulate=_simulator(cal, response))
        c = result.credibility()
        assert c["estimate_misses"] >= 2 and c["misfits_allowed"] == allowed
        write_outputs(result, tmp_path / f"written{allowed}")
        summaries[allowed] = (tmp_path / f"written{allowed}" / "summary.md").read_text(encoding="utf-8")
        kept = c["points_kept_by_runs"]
        assert (kept == 0) if allowed == 0 else (kept > 0)
        plausible = pd.read_csv(tmp_path / f"written{allowed}" / "plausible.csv")
        assert list(plausible.columns) == cal.names and len(plausible) == kept
    assert "raise `misfits_allowed` to at least" in summaries[0]
    assert "raise `misfits_allowed`" not in summaries[2]
    assert "The estimate lies outside the NROY sample's 5-95% range on" in summaries[2]


def test_the_exploitation_wave_sharpens_the_estimate_and_leaves_the_nroy_region(tmp_path):
    """Wide tolerances leave much of the box plausible, so the waves' best point is a
    coarse optimum; a last wave of points around the best ones finds a better estimate,
    all of its points close to those centres and not ruled out, while the NROY sample is
    the one the waves left."""
    targets = [("a", 0.3, 0.6), ("b", -0.2, 0.6), ("c", 0.5, 0.6)]

    def response(u: np.ndarray) -> np.ndarray:
        return u.copy()

    results = {}
    for points in (0, 24):
        cal = _calibration(tmp_path / str(points), targets, exploit_points=points, exploit_centres=5)
        results[points] = history_match(cal, _simulator(cal, response, noise=0.002), log=_quiet)
    plain, sharp = results[0], results[24]
    assert len(plain.waves) == 2 and len(sharp.waves) == 3
    last = sharp.waves[-1]
    assert last.emulator is None and len(last.points) == 24
    np.testing.assert_array_equal(plain.nroy, sharp.nroy)
    bounds = cal.bounds
    unit = 2 * (last.points - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0]) - 1
    table = plain.points_table().sort_values(["targets_held", "sum_sq_std_error"], ascending=[False, True])
    centres = 2 * (table[cal.names].head(5).to_numpy() - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0]) - 1
    nearest = np.min(np.linalg.norm(unit[:, None, :] - centres[None, :, :], axis=2), axis=1)
    assert nearest.max() < 0.4  # steps of sd 0.05 in each of 3 dimensions
    err = {k: r.confirmed.iloc[0]["sum_sq_std_error"] for k, r in results.items()}
    assert err[24] < err[0]
    write_outputs(sharp, tmp_path / "written")
    assert "exploitation" in (tmp_path / "written" / "summary.md").read_text(encoding="utf-8")
    provenance = tomllib.loads(calibrated_toml(sharp, "circsim calibrate synthetic.toml"))["provenance"]
    assert provenance["exploitation_points"] == 24 and len(provenance["gp_targets_per_wave"]) == 2


def test_the_best_emulated_rule_simulates_the_draws_expected_to_hold_the_most_targets(tmp_path):
    """Tight tolerances around an optimum away from the waves' best points: of the same
    draws around the same centres, the rule ``best_emulated`` simulates those the last
    emulators expect to hold most targets, so its last wave holds more targets than the
    first draws not ruled out, and its confirmed estimate is at least as close."""
    targets = [("a", 0.31, 0.05), ("b", -0.22, 0.05), ("c", 0.47, 0.05)]

    def response(u: np.ndarray) -> np.ndarray:
        return u.copy()

    results, last_held = {}, {}
    for rule in ("any", "best_emulated"):
        cal = _calibration(tmp_path / rule, targets, exploit_points=12, exploit_centres=5, exploit_step=0.15,
                           exploit_rule=rule, misfits_allowed=1)  # fmt: skip
        result = history_match(cal, _simulator(cal, response, noise=0.002), log=_quiet)
        results[rule] = result
        last = result.waves[-1]
        last_held[rule] = int((np.abs(last.mean - cal.targets["value"].to_numpy()) <= 0.05).sum())
    assert last_held["best_emulated"] > last_held["any"]
    err = {k: r.confirmed.iloc[0]["sum_sq_std_error"] for k, r in results.items()}
    assert err["best_emulated"] <= err["any"]
    np.testing.assert_array_equal(results["any"].nroy, results["best_emulated"].nroy)
