"""Calibration of the free parameters by history matching with regression emulators.

The method follows Vernon et al. (2010, Bayesian Analysis 5:619) and Andrianakis et al.
(2015, PLoS Comput Biol 11:e1003968), as used for a migration ABM by Bijak et al. (2021,
*Towards Bayesian Model-Based Demography*):

1. **Wave 1**: a Latin hypercube of the prior box (the ``[uncertainties]`` ranges of the
   calibration file); every point runs ``replicates`` times on the batch runner (local
   process pool, Dask, or serial), on the raw parameter defaults (``calibrated = false``).
2. **Emulators**: for each target *t*, a quadratic regression of the replicate-mean
   output on the inputs scaled to [-1, 1], fitted on every point simulated so far; its
   leave-one-out residual variance is the emulator variance ``V_em``.
3. **Implausibility** of a parameter point *x*:
   ``I_t(x) = |E_t(x) - z_t| / sqrt(V_obs + V_ens + V_em)``, where ``z_t`` is the observed
   value, ``V_obs = (tolerance_t / 3)^2`` (the tolerance of ``targets.csv`` read as three
   standard deviations of observation error plus model discrepancy) and ``V_ens`` the
   pooled variance between replicates (the model's own stochasticity).
4. **Not ruled out yet (NROY)**: a point whose ``k``-th largest implausibility is at most
   the cut-off (3, Pukelsheim's three-sigma rule) under every wave's emulator, with
   ``k = misfits_allowed + 1``, so a target the model cannot reach does not rule out
   everything.
5. **Next wave**: design points drawn from a large Latin-hypercube candidate set
   filtered to NROY; repeat.
6. **Estimate**: the simulated points ranked by targets held (simulated mean within
   tolerance), then by the smallest sum of squared standardised errors; the best few are
   re-run with fresh seeds (against the winner's curse) and the best on the pooled means
   is the estimate. **Spread**: mean, sd and 5-95% of the last NROY sample, per parameter
   (history matching bounds the plausible region; it is not a Bayesian posterior).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from .. import __version__
from ..errors import InputError
from ..sim.input_files import read_toml
from ..sim.scenario import scenario_from_dict, validation_error
from .experiment import Experiment, Keep, _Strict, load_experiment
from .runner import ExecutorKind, run_experiment
from .store import atomic_write, atomic_write_text, git_commit
from .targets import patterns, read_targets

#: Implausibility cut-off (three-sigma rule, Pukelsheim 1994).
CUTOFF = 3.0


class CalibrationSettings(_Strict):
    """The ``[calibration]`` table of a calibration file."""

    waves: int = Field(3, ge=1, le=20, description="history-matching waves")
    points_per_wave: int = Field(40, ge=2, le=100_000, description="design points per wave")
    cutoff: float = Field(CUTOFF, gt=0, le=100, description="implausibility cut-off")
    misfits_allowed: int = Field(2, ge=0, description="targets allowed above the cut-off at an NROY point")
    candidates: int = Field(20_000, ge=100, le=10_000_000, description="LHS candidates screened per wave")
    targets: str | None = Field(None, description="targets CSV (relative to the file); default: data/targets.csv")
    confirm_points: int = Field(5, ge=1, le=1000, description="best simulated points re-run before choosing")
    confirm_replicates: int = Field(4, ge=0, le=1000, description="fresh replicates of each of them")


@dataclass
class Calibration:
    """A loaded calibration file: the experiment (one scenario, range uncertainties),
    settings and the targets within its horizon."""

    experiment: Experiment
    settings: CalibrationSettings
    targets: pd.DataFrame

    @property
    def names(self) -> list[str]:
        """Calibrated parameter paths, in file order."""
        return list(self.experiment.spec.uncertainties)

    @property
    def bounds(self) -> np.ndarray:
        """(parameters, 2) prior ranges."""
        return np.array([[u.low, u.high] for u in self.experiment.spec.uncertainties.values()])


def target_keys(targets: pd.DataFrame) -> list[str]:
    """Readable names of targets: ``indicator COUNTRY YEAR``."""
    return [f"{t.indicator} {t.country} {int(t.year)}" for t in targets.itertuples()]


def load_calibration(path: str | Path, budget: int | None = None) -> Calibration:
    """Load and validate a calibration file: an experiment file with one scenario,
    ``calibrated = false``, range uncertainties (the prior box) and a ``[calibration]``
    table. ``budget`` (total model runs) sets the points per wave."""
    path = Path(path)
    source = str(path)
    data = read_toml(path)
    raw = data.pop("calibration", {})
    try:
        settings = CalibrationSettings.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc, source, CalibrationSettings, prefix="calibration") from None
    data.setdefault("design", {"method": "latin_hypercube", "samples": settings.points_per_wave})
    exp = load_experiment(path, data)
    spec = exp.spec
    if spec.calibrated:
        raise InputError(
            "a calibration must run on the raw parameter defaults",
            source=source,
            key="calibrated",
            value="true",
            allowed="calibrated = false",
        )
    if len(spec.scenarios) != 1:
        raise InputError(
            "a calibration has exactly one scenario",
            source=source,
            key="scenarios",
            value=", ".join(spec.scenarios),
            allowed="one [scenarios.NAME] table (the baseline)",
        )
    if not spec.uncertainties or any(u.values is not None for u in spec.uncertainties.values()):
        raise InputError(
            "every calibrated parameter needs a prior range",
            source=source,
            key="uncertainties",
            allowed="[uncertainties.PARAMETER] tables with low and high",
        )
    if budget is not None:
        per_wave = budget // (settings.waves * spec.replicates)
        if per_wave < 2:
            raise InputError(
                "budget too small",
                source="--budget",
                value=budget,
                allowed=f"at least {2 * settings.waves * spec.replicates} runs "
                f"({settings.waves} waves x 2 points x {spec.replicates} replicates)",
            )
        settings = settings.model_copy(update={"points_per_wave": per_wave})
    targets = _targets(settings, path, exp)
    keep = Keep(
        indicators=sorted(set(targets["indicator"])),
        years=sorted({int(y) for y in targets["year"]}),
        countries=sorted(set(targets["country"])),
        flows=False,
    )
    spec = spec.model_copy(update={"keep": keep})
    exp = Experiment(exp.path, exp.text, spec, [], [], exp.packages)
    return Calibration(exp, settings, targets)


def _targets(settings: CalibrationSettings, path: Path, exp: Experiment) -> pd.DataFrame:
    """The patterns (status ``target``) of the targets file inside the calibration's horizon."""
    tpath = None if settings.targets is None else path.parent / settings.targets
    if tpath is not None and not tpath.is_file():
        raise InputError("file not found", source=str(path), key="calibration.targets", value=str(tpath))
    targets = patterns(read_targets(tpath))
    horizon = scenario_from_dict(exp.packages[next(iter(exp.packages))], str(path)).model
    first, last = horizon.start_year, horizon.end_year
    inside = targets[(targets["year"] >= first) & (targets["year"] <= last)]
    if inside.empty:
        raise InputError(
            "no target lies inside the horizon",
            source=str(path),
            key="end_year",
            value=last,
            allowed=f"a horizon covering target years {int(targets['year'].min())}-{int(targets['year'].max())}",
        )
    return inside.reset_index(drop=True)


# --- emulators ---------------------------------------------------------------------


def _features(u: np.ndarray, kind: str) -> np.ndarray:
    """Regression features of scaled inputs: linear, diagonal quadratic or full quadratic."""
    cols = [np.ones((len(u), 1)), u]
    if kind != "linear":
        cols.append(u**2)
    if kind == "full":
        i, j = np.triu_indices(u.shape[1], k=1)
        cols.append(u[:, i] * u[:, j])
    return np.hstack(cols)


def _feature_kind(n: int, d: int) -> str:
    """The richest regression that at least two points per coefficient support."""
    if n >= 2 * (1 + 2 * d + d * (d - 1) // 2):
        return "full"
    if n >= 2 * (1 + 2 * d):
        return "diagonal"
    return "linear"


@dataclass
class Emulator:
    """Per-target quadratic regression emulators of one wave."""

    kind: str
    coef: np.ndarray  # (features, targets)
    variance: np.ndarray  # (targets,) leave-one-out residual variance

    def predict(self, u: np.ndarray) -> np.ndarray:
        """Emulated means, (points, targets)."""
        return _features(u, self.kind) @ self.coef


def fit_emulator(u: np.ndarray, y: np.ndarray) -> Emulator:
    """Ridge-stabilised least squares per target (columns of ``y``), ignoring rows where a
    target is missing; the variance is the mean squared leave-one-out residual."""
    kind = _feature_kind(len(u), u.shape[1])
    x = _features(u, kind)
    coef = np.zeros((x.shape[1], y.shape[1]))
    var = np.zeros(y.shape[1])
    ridge = 1e-6 * np.eye(x.shape[1])
    for t in range(y.shape[1]):
        ok = np.isfinite(y[:, t])
        xt, yt = x[ok], y[ok, t]
        gram_inv = np.linalg.inv(xt.T @ xt + ridge * max(len(yt), 1))
        coef[:, t] = gram_inv @ xt.T @ yt
        leverage = np.einsum("ij,jk,ik->i", xt, gram_inv, xt)
        loo = (yt - xt @ coef[:, t]) / np.clip(1.0 - leverage, 1e-3, None)
        var[t] = float(np.mean(loo**2)) if len(yt) else np.inf
    return Emulator(kind, coef, var)


def kth_largest(values: np.ndarray, k: int) -> np.ndarray:
    """The k-th largest value of each row (k = 1 is the maximum)."""
    k = min(k, values.shape[1])
    return -np.partition(-values, k - 1, axis=1)[:, k - 1]


# --- the waves ---------------------------------------------------------------------


@dataclass
class Wave:
    """One wave: its design, the simulated target values and its emulator."""

    number: int
    points: np.ndarray  # (n, parameters) in parameter units
    mean: np.ndarray  # (n, targets) replicate means
    emulator: Emulator
    nroy_share: float  # share of the candidate set not ruled out after this wave
    runs: int
    seconds: float


@dataclass
class CalibrationResult:
    """Everything a calibration found."""

    calibration: Calibration
    waves: list[Wave] = field(default_factory=list)
    ens_var: np.ndarray | None = None  # (targets,) pooled replicate variance
    nroy: np.ndarray | None = None  # last NROY sample, parameter units
    estimate: dict[str, float] = field(default_factory=dict)
    estimate_mean: np.ndarray | None = None  # (targets,) simulated means at the estimate
    confirmed: pd.DataFrame | None = None  # the re-run finalists, best first
    started: str = ""
    finished: str = ""

    def points_table(self) -> pd.DataFrame:
        """Every simulated point: wave, parameters, simulated means, targets held."""
        cal = self.calibration
        keys = target_keys(cal.targets)
        frames = []
        for w in self.waves:
            df = pd.DataFrame(w.points, columns=cal.names)
            df.insert(0, "wave", w.number)
            df = pd.concat([df, pd.DataFrame(w.mean, columns=keys)], axis=1)
            frames.append(df)
        return self.scored(pd.concat(frames, ignore_index=True))

    def scored(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` (one column per target) with the targets held and the sum of squared
        standardised errors (each capped at 100, so one hopeless target cannot dominate)."""
        mean = table[target_keys(self.calibration.targets)].to_numpy(float)
        z = self._standardised(mean)
        return table.assign(
            targets_held=self._held(mean).sum(axis=1), sum_sq_std_error=np.nansum(np.minimum(z**2, 100.0), axis=1)
        )

    def _held(self, mean: np.ndarray) -> np.ndarray:
        t = self.calibration.targets
        return np.abs(mean - t["value"].to_numpy()) <= t["tolerance"].to_numpy()

    def _standardised(self, mean: np.ndarray) -> np.ndarray:
        t = self.calibration.targets
        sd = np.sqrt((t["tolerance"].to_numpy() / 3) ** 2 + self.ens_var)
        return np.where(np.isfinite(mean), (mean - t["value"].to_numpy()) / sd, np.inf)

    def discrepancy(self, mean: np.ndarray) -> pd.DataFrame:
        """Per target at the estimate: observed, simulated, tolerance, standardised error, holds."""
        t = self.calibration.targets
        z = self._standardised(mean[None, :])[0]
        return pd.DataFrame({
            "target": target_keys(t), "observed": t["value"].to_numpy(float), "simulated": mean,
            "tolerance": t["tolerance"].to_numpy(float), "std_error": z, "holds": self._held(mean[None, :])[0],
        })  # fmt: skip

    def estimate_discrepancy(self) -> pd.DataFrame:
        """:meth:`discrepancy` at the estimate (pooled means of its confirmation runs)."""
        return self.discrepancy(self.estimate_mean)

    def spread(self) -> pd.DataFrame:
        """Per parameter: prior range, estimate, and the NROY sample's mean, sd, 5% and 95%."""
        cal = self.calibration
        s = self.nroy
        return pd.DataFrame({
            "parameter": cal.names, "prior_low": cal.bounds[:, 0], "prior_high": cal.bounds[:, 1],
            "estimate": [self.estimate[n] for n in cal.names], "nroy_mean": s.mean(axis=0), "nroy_sd": s.std(axis=0),
            "nroy_p05": np.percentile(s, 5, axis=0), "nroy_p95": np.percentile(s, 95, axis=0),
        })  # fmt: skip


def _to_unit(x: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    return 2.0 * (x - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0]) - 1.0


def _from_unit(u: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    return bounds[:, 0] + (u + 1.0) / 2.0 * (bounds[:, 1] - bounds[:, 0])


def _wave_targets(store_indicators: pd.DataFrame, runs: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Target values per run: index (point, replicate), one column per target."""
    keys = target_keys(targets)
    ind = store_indicators.merge(runs[["run_id", "point", "replicate"]], on="run_id")
    ind = ind.set_index(["indicator", "country", "year"])
    cols = {}
    for key, t in zip(keys, targets.itertuples(), strict=True):
        k = (t.indicator, t.country, int(t.year))
        sel = ind.loc[[k]] if k in ind.index else ind.iloc[:0]
        cols[key] = sel.set_index(["point", "replicate"])["value"]
    return pd.DataFrame(cols).reindex(columns=keys)


def implausibility(result: CalibrationResult, u: np.ndarray, waves: list[Wave]) -> np.ndarray:
    """k-th largest implausibility of scaled points ``u`` under each wave's emulator; the
    largest over waves (a point must pass every wave)."""
    cal = result.calibration
    z = cal.targets["value"].to_numpy(float)
    v_obs = (cal.targets["tolerance"].to_numpy(float) / 3) ** 2
    k = cal.settings.misfits_allowed + 1
    worst = np.zeros(len(u))
    for w in waves:
        imp = np.abs(w.emulator.predict(u) - z) / np.sqrt(v_obs + result.ens_var + w.emulator.variance)
        worst = np.maximum(worst, kth_largest(np.nan_to_num(imp, nan=np.inf), k))
    return worst


def calibrate(
    cal: Calibration,
    out: str | Path,
    executor: ExecutorKind = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    log=print,
) -> CalibrationResult:
    """Run the history-matching waves into ``out/wave-N`` (each a resumable result store)."""
    from scipy.stats import qmc

    out = Path(out)
    s, bounds, d = cal.settings, cal.bounds, len(cal.names)
    seed = cal.experiment.spec.seed
    result = CalibrationResult(cal, started=_now())
    rng = np.random.default_rng([seed, 1])
    cand_sampler = qmc.LatinHypercube(d=d, seed=np.random.default_rng([seed, 2]))
    design_u = qmc.LatinHypercube(d=d, seed=np.random.default_rng([seed, 0])).random(s.points_per_wave) * 2 - 1
    all_u, all_mean, within = [], [], []
    nroy_u = design_u
    for number in range(1, s.waves + 1):
        points = _from_unit(design_u, bounds)
        point_dicts = [dict(zip(cal.names, map(float, p), strict=True)) for p in points]
        text = f"{cal.experiment.text}\n# circsim calibrate, wave {number}: {json.dumps(point_dicts)}\n"
        exp = cal.experiment.at_points(point_dicts, text)
        t0 = time.perf_counter()
        store = run_experiment(exp, out / f"wave-{number}", executor, workers, scheduler, progress)
        runs = store.runs()
        runs = runs[runs["status"] == "done"]
        per_run = _wave_targets(store.indicators(), runs, cal.targets)
        mean = per_run.groupby(level="point").mean().reindex(range(len(points))).to_numpy()
        within.append(per_run.groupby(level="point").var(ddof=1).to_numpy())
        all_u.append(design_u)
        all_mean.append(mean)
        # pooled replicate variance; none with one replicate (the emulator's variance carries the noise)
        result.ens_var = pd.DataFrame(np.vstack(within)).mean().fillna(0.0).to_numpy()
        u_fit, y_fit = np.vstack(all_u), np.vstack(all_mean)
        keep_rows = np.isfinite(y_fit).any(axis=1)
        emulator = fit_emulator(u_fit[keep_rows], y_fit[keep_rows])
        wave = Wave(number, points, mean, emulator, 0.0, len(runs), time.perf_counter() - t0)
        result.waves.append(wave)
        cand = cand_sampler.random(s.candidates) * 2 - 1
        ok = implausibility(result, cand, result.waves) <= s.cutoff
        wave.nroy_share = float(ok.mean())
        log(
            f"wave {number}: {len(points)} points, {len(runs)} runs in {wave.seconds:.0f} s; "
            f"emulator {emulator.kind}; NROY {100 * wave.nroy_share:.1f}% of the prior box"
        )
        if ok.sum() == 0:
            log("no candidate is left not ruled out: stopping (see the discrepancy table for the misfits)")
            nroy_u = cand[np.argsort(implausibility(result, cand, result.waves))[: s.points_per_wave]]
            break
        nroy_u = cand[ok]
        pick = rng.choice(len(nroy_u), size=min(s.points_per_wave, len(nroy_u)), replace=False)
        design_u = nroy_u[np.sort(pick)]
    result.nroy = _from_unit(nroy_u, bounds)
    _confirm(result, out, executor, workers, scheduler, progress, log)
    result.finished = _now()
    return result


def _confirm(
    result: CalibrationResult,
    out: Path,
    executor: ExecutorKind,
    workers: int | None,
    scheduler: str | None,
    progress: bool,
    log,
) -> None:
    """Re-run the best simulated points with fresh seeds and pick the estimate on the
    pooled means: choosing the best of many noisy points alone would favour lucky
    replicates (the winner's curse)."""
    cal, s = result.calibration, result.calibration.settings
    table = _ranked(result.points_table())
    finalists = table.head(s.confirm_points)
    keys = target_keys(cal.targets)
    mean = finalists[keys].to_numpy(float)
    if s.confirm_replicates:
        point_dicts = [{n: float(row[n]) for n in cal.names} for _, row in finalists.iterrows()]
        spec = cal.experiment.spec.model_copy(
            update={"replicates": s.confirm_replicates, "seed": cal.experiment.spec.seed + 1}
        )
        text = f"{cal.experiment.text}\n# circsim calibrate, confirmation: {json.dumps(point_dicts)}\n"
        exp = Experiment(cal.experiment.path, text, spec, [], [], cal.experiment.packages).at_points(point_dicts)
        store = run_experiment(exp, out / "confirm", executor, workers, scheduler, progress)
        runs = store.runs()
        per_run = _wave_targets(store.indicators(), runs[runs["status"] == "done"], cal.targets)
        fresh = per_run.groupby(level="point").mean().reindex(range(len(point_dicts))).to_numpy()
        r0 = cal.experiment.spec.replicates
        mean = np.where(
            np.isfinite(fresh), (mean * r0 + fresh * s.confirm_replicates) / (r0 + s.confirm_replicates), mean
        )
    confirmed = finalists[["wave", *cal.names]].reset_index(drop=True)
    confirmed = pd.concat([confirmed, pd.DataFrame(mean, columns=keys)], axis=1)
    confirmed = _ranked(result.scored(confirmed))
    result.confirmed = confirmed
    result.estimate = {n: float(confirmed.iloc[0][n]) for n in cal.names}
    result.estimate_mean = confirmed.iloc[0][keys].to_numpy(float)
    log(f"confirmation: best {len(confirmed)} points re-run {s.confirm_replicates} times; the estimate holds "
        f"{int(confirmed.iloc[0]['targets_held'])} of {len(keys)} targets")  # fmt: skip


def _ranked(table: pd.DataFrame) -> pd.DataFrame:
    """Most targets held first, then the smallest sum of squared standardised errors."""
    return table.sort_values(["targets_held", "sum_sq_std_error"], ascending=[False, True], kind="stable")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- outputs -----------------------------------------------------------------------


def _sig(x: float, digits: int = 4) -> float:
    """``x`` rounded to ``digits`` significant digits (readable values in the TOML file)."""
    return float(f"{x:.{digits}g}") if math.isfinite(x) and x != 0 else float(x)


def calibrated_toml(result: CalibrationResult, command: str) -> str:
    """The calibration file: ``[parameters]`` in scenario layout, then provenance,
    discrepancy per target and spread per parameter."""
    import tomli_w

    cal = result.calibration
    params: dict[str, Any] = {}
    for name, value in result.estimate.items():
        parts = name.split(".")
        parts = ["model", *parts] if len(parts) == 1 else parts
        node = params
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = _sig(value)
    disc = result.estimate_discrepancy()
    spread = result.spread()
    doc = {
        "parameters": params,
        "provenance": {
            "date": result.finished,
            "command": command,
            "method": "history matching with quadratic regression emulators (circsim.workbench.calibrate)",
            "calibration_file": str(cal.experiment.path),
            "targets_file": cal.settings.targets or "src/circsim/sim/data/targets.csv",
            "calibration_file_content": cal.experiment.text,
            "seed": cal.experiment.spec.seed,
            "waves": len(result.waves),
            "runs": int(sum(w.runs for w in result.waves)) + len(result.confirmed) * cal.settings.confirm_replicates,
            "points_per_wave": cal.settings.points_per_wave,
            "replicates": cal.experiment.spec.replicates,
            "cutoff": cal.settings.cutoff,
            "misfits_allowed": cal.settings.misfits_allowed,
            "nroy_share_per_wave": [_sig(w.nroy_share) for w in result.waves],
            "targets_held": int(disc["holds"].sum()),
            "targets": len(disc),
            "circsim_version": __version__,
            "git_commit": git_commit() or "",
            "started": result.started,
        },
        "discrepancy": {
            r.target: {
                "observed": _sig(r.observed),
                "simulated": _sig(r.simulated),
                "tolerance": _sig(r.tolerance),
                "std_error": _sig(r.std_error),
                "holds": bool(r.holds),
            }
            for r in disc.itertuples()
        },
        "spread": {
            r.parameter: {
                k: _sig(getattr(r, k))
                for k in ("prior_low", "prior_high", "estimate", "nroy_mean", "nroy_sd", "nroy_p05", "nroy_p95")
            }
            for r in spread.itertuples()
        },
    }
    header = (
        "# Calibrated parameter values: written by 'circsim calibrate', read by every scenario\n"
        "# (unless it says calibrated = false). [parameters] is in scenario layout; the other\n"
        "# tables record how the values were found. Method: src/circsim/workbench/calibrate.py.\n"
    )
    return header + tomli_w.dumps(doc, multiline_strings=True)


def write_outputs(result: CalibrationResult, out: Path) -> list[Path]:
    """points.csv, confirmed.csv, spread.csv, discrepancy.csv, nroy.csv, nroy.png and
    uncertainties.toml into ``out``."""
    cal = result.calibration
    out.mkdir(parents=True, exist_ok=True)
    frames = {
        "points.csv": result.points_table(),
        "confirmed.csv": result.confirmed,
        "spread.csv": result.spread(),
        "discrepancy.csv": result.estimate_discrepancy(),
        "nroy.csv": pd.DataFrame(result.nroy, columns=cal.names),
    }
    paths = []
    for name, df in frames.items():
        path = out / name
        atomic_write(path, lambda p, df=df: df.to_csv(p, index=False, float_format="%.6g"))
        paths.append(path)
    paths.append(nroy_figure(result, out / "nroy.png"))
    paths.append(out / "uncertainties.toml")
    atomic_write_text(paths[-1], uncertainties_toml(result))
    return paths


def uncertainties_toml(result: CalibrationResult) -> str:
    """``[uncertainties]`` tables spanning each parameter's NROY 5-95% range, to paste
    into an experiment file so that calibration uncertainty feeds the comparison."""
    lines = ["# Calibration uncertainty: each parameter's 5-95% range over the NROY sample (circsim calibrate)."]
    for r in result.spread().itertuples():
        lines += [f'[uncertainties."{r.parameter}"]', f"low = {_sig(r.nroy_p05)}", f"high = {_sig(r.nroy_p95)}"]
    return "\n".join(lines) + "\n"


def nroy_figure(result: CalibrationResult, path: Path) -> Path:
    """Per parameter: the prior range, the last NROY sample (histogram) and the estimate."""
    from .figures import plt, save

    cal = result.calibration
    n = len(cal.names)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.3 * rows), squeeze=False)
    for ax, j in zip(axes.flat, range(n), strict=False):
        lo, hi = cal.bounds[j]
        ax.hist(result.nroy[:, j], bins=20, range=(lo, hi), color="tab:blue", alpha=0.7)
        ax.axvline(result.estimate[cal.names[j]], color="tab:red", lw=1.5)
        ax.set_xlim(lo, hi)
        ax.set_title(cal.names[j], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle("Not-ruled-out-yet sample after the last wave (red: estimate), over the prior range", fontsize=9)
    return save(fig, path)


def write_calibrated(result: CalibrationResult, path: Path, command: str) -> Path:
    """Write the calibration file atomically."""
    atomic_write_text(path, calibrated_toml(result, command))
    return path
