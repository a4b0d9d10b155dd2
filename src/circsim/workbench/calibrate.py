"""Calibration of the free parameters by history matching, with an out-of-sample score.

The method follows Vernon et al. (2010, Bayesian Analysis 5:619) and Andrianakis et al.
(2015, PLoS Comput Biol 11:e1003968), as used for a migration ABM by Bijak et al. (2021,
*Towards Bayesian Model-Based Demography*):

1. **Wave 1**: a Latin hypercube of the prior box (the ``[uncertainties]`` ranges of the
   calibration file); every point runs ``replicates`` times on the batch runner (local
   process pool, Dask, or serial), on the raw parameter defaults (``calibrated = false``).
2. **Emulators** (:mod:`.emulators`): for each target *t*, a quadratic regression and a
   Gaussian process of the replicate-mean output on the inputs scaled to [-1, 1], fitted
   on every point simulated so far; the one with the smaller leave-one-out error is
   used, and its predictive variance is the emulator variance ``V_em(x)``.
3. **Implausibility** of a parameter point *x*:
   ``I_t(x) = |E_t(x) - z_t| / sqrt(V_obs + V_ens + V_em(x))``, where ``z_t`` is the
   observed value, ``V_obs = (tolerance_t / 3)^2`` (the tolerance of ``targets.csv`` read
   as three standard deviations of observation error plus model discrepancy) and
   ``V_ens`` the pooled variance between replicates (the model's own stochasticity).
4. **Not ruled out yet (NROY)**: a point whose ``k``-th largest implausibility is at most
   the cut-off (3, Pukelsheim's three-sigma rule) under every wave's emulators, with
   ``k = misfits_allowed + 1``, so a target the model cannot reach does not rule out
   everything.
5. **Next wave**: design points drawn from a large Latin-hypercube candidate set
   filtered to NROY; repeat.
6. **Estimate**: the simulated points ranked by targets held (simulated mean within
   tolerance), then by the smallest sum of squared standardised errors; the best few are
   re-run with fresh seeds (against the winner's curse) and the best on the pooled means
   is the estimate. **Spread**: mean, sd and 5-95% of the last NROY sample, per parameter
   (history matching bounds the plausible region; it is not a Bayesian posterior), and
   the share of its prior range each parameter keeps.
7. **Out-of-sample score** (``holdout``): group k-fold over the targets' groups. For each
   group, steps 1-6 on the other groups' targets alone (wave 1 is shared: its design does
   not depend on the targets), then whether each of the group's targets holds at that
   estimate. Nothing of the held-out group enters a fold's designs, emulators or choice.
   With ``holdout_after = YEAR`` also a **period fold**: steps 1-6 on the targets up to
   YEAR, then whether the later targets hold (prediction forward in time within each
   family, where the group folds test one family from the others).
8. **Degeneracy**: parameter pairs correlated (Pearson or Spearman) beyond 0.5 over the
   last NROY sample: the targets constrain their combination more than each one. When
   the sample falls in separate clumps (single linkage on the parameters scaled to the
   prior box, split where a gap is at least twice the widest link inside), the
   correlations are taken within each clump: across clumps they describe the offset
   between them, not a trade-off.

The simulation step is a function (:data:`Simulate`): :class:`ModelSimulator` runs the
model on the batch runner; tests put a cheap function with a known answer in its place.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError
from scipy.cluster.hierarchy import fcluster, linkage

from ..errors import InputError
from ..sim.input_files import read_toml
from ..sim.inputs import parts_of
from ..sim.scenario import scenario_from_dict, validation_error
from .emulators import Emulator, fit_emulator
from .experiment import Experiment, Keep, Uncertainty, _Strict, load_experiment
from .runner import ExecutorKind, run_experiment
from .store import ResultStore
from .targets import patterns, read_targets, with_blocks

#: Implausibility cut-off (three-sigma rule, Pukelsheim 1994).
CUTOFF = 3.0
#: Refilling a thin NROY sample around the points found: rounds, candidates a round, step (scaled units).
NROY_FILL_ROUNDS = 4
NROY_FILL_PER_ROUND = 5_000
NROY_FILL_STEP = 0.2
#: |correlation| over the NROY sample above which a parameter pair is reported as degenerate.
DEGENERATE = 0.5
#: Fewest NROY points whose correlations are reported (fewer: none, rather than noise).
MIN_CORRELATION_SAMPLE = 10
#: Clumps of the NROY sample (:meth:`CalibrationResult.clumps`): at most CLUMPS_MAX, each
#: at least CLUMP_GAP times further from the others than its own widest link.
CLUMPS_MAX = 4
CLUMP_GAP = 2.0


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
    gp_restarts: int = Field(0, ge=0, le=20, description="random optimiser restarts of each Gaussian-process fit")
    exploit_points: int = Field(
        0, ge=0, le=100_000, description="points of a last wave around the best simulated points (0: none)"
    )
    exploit_centres: int = Field(10, ge=1, le=10_000, description="best simulated points the last wave starts from")
    exploit_step: float = Field(
        0.05, gt=0, le=1, description="sd of the last wave's steps from its centres, as a share of each half-range"
    )
    exploit_rule: Literal["any", "best_emulated"] = Field(
        "best_emulated",
        description="which of the last wave's draws are simulated: 'any' the first ones not ruled out, "
        "'best_emulated' those the last emulators expect to hold the most targets",
    )
    holdout_after: int | None = Field(
        None,
        ge=1900,
        le=2200,
        description="with --holdout, also a period fold: calibrate on the targets up to this year, predict the rest",
    )


class ScreeningSettings(_Strict):
    """The ``[screening]`` table: a Morris screening of the free parameters and further
    candidates against the targets (``circsim calibrate --screen``)."""

    trajectories: int = Field(10, ge=2, le=10_000, description="Morris trajectories (each: parameters + 1 points)")
    threshold: float = Field(
        0.5, gt=0, le=1000, description="mu* in tolerances per prior range above which a parameter is influential"
    )
    candidates: dict[str, Uncertainty] = Field(
        default_factory=dict, description="[screening.candidates.PARAMETER] low/high: screened, not calibrated"
    )


@dataclass
class Calibration:
    """A loaded calibration file: the experiment (one scenario, range uncertainties),
    settings, the targets within its horizon, the screening table and the file's other
    tables (``data``, to build the screening experiment from)."""

    experiment: Experiment
    settings: CalibrationSettings
    targets: pd.DataFrame
    screening: ScreeningSettings = field(default_factory=ScreeningSettings)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Calibrated parameter paths, in file order."""
        return list(self.experiment.spec.uncertainties)

    @property
    def bounds(self) -> np.ndarray:
        """(parameters, 2) prior ranges."""
        return np.array([[u.low, u.high] for u in self.experiment.spec.uncertainties.values()])

    @property
    def targets_source(self) -> str:
        """The targets file, as the calibration file names it."""
        return self.settings.targets or "src/circsim/workbench/data/targets.csv"

    @property
    def targets_path(self) -> Path | None:
        """The targets file's path (None: the packaged one)."""
        return None if self.settings.targets is None else self.experiment.path.parent / self.settings.targets


def target_keys(targets: pd.DataFrame) -> list[str]:
    """Readable names of targets: ``indicator COUNTRY YEAR``."""
    return [f"{t.indicator} {t.country} {int(t.year)}" for t in targets.itertuples()]


def load_calibration(path: str | Path, budget: int | None = None) -> Calibration:
    """Load and validate a calibration file: an experiment file with one scenario,
    ``calibrated = false``, range uncertainties (the prior box), a ``[calibration]`` table
    and an optional ``[screening]`` table. ``budget`` (total model runs of the waves) sets
    the points per wave."""
    path = Path(path)
    source = str(path)
    data = read_toml(path)
    tables = {}
    for key, model in (("calibration", CalibrationSettings), ("screening", ScreeningSettings)):
        try:
            tables[key] = model.model_validate(data.pop(key, {}))
        except ValidationError as exc:
            raise validation_error(exc, source, model, prefix=key) from None
    settings, screening = tables["calibration"], tables["screening"]
    file_data = copy.deepcopy(data)  # the screening experiment is built from it
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
        # a block split into regions is kept as its regions, which its targets sum (with_blocks)
        countries=sorted({c for code in targets["country"] for c in parts_of().get(code, (code,))}),
        flows=False,
    )
    spec = spec.model_copy(update={"keep": keep})
    exp = Experiment(exp.path, exp.text, spec, [], [], exp.packages)
    return Calibration(exp, settings, targets, screening, file_data)


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


# --- simulation --------------------------------------------------------------------

#: The simulation step: ``(points, replicates, seed, name) -> per-run target values``.
#: ``points`` (n, parameters) are in parameter units; the result has the index (point,
#: replicate) and one column per target key (at least those of the calibration); ``name``
#: says what the runs are for (``wave-2``, ``confirm``, ``holdout/GROUP/wave-2``).
Simulate = Callable[[np.ndarray, int, int, str], pd.DataFrame]


@dataclass
class ModelSimulator:
    """The model on the batch runner: each call is one resumable result store, ``out/name``."""

    calibration: Calibration
    out: Path
    executor: ExecutorKind = "local"
    workers: int | None = None
    scheduler: str | None = None
    progress: bool = True

    def __call__(self, points: np.ndarray, replicates: int, seed: int, name: str) -> pd.DataFrame:
        """Run every point ``replicates`` times (seeds from ``seed``); the target values per run."""
        cal = self.calibration
        point_dicts = [dict(zip(cal.names, map(float, p), strict=True)) for p in points]
        note = f"circsim calibrate, {name}: {json.dumps(point_dicts)}"
        exp = cal.experiment.variant(point_dicts, note, replicates=replicates, seed=seed)
        store = run_experiment(exp, self.out / name, self.executor, self.workers, self.scheduler, self.progress)
        return store_target_values(store, cal.targets)


def store_target_values(store: ResultStore, targets: pd.DataFrame) -> pd.DataFrame:
    """Target values per finished run of a store: index (point, replicate), one column per target."""
    keys = target_keys(targets)
    runs = store.runs()
    runs = runs[runs["status"] == "done"]
    ind = with_blocks(store.indicators()).merge(runs[["run_id", "point", "replicate"]], on="run_id")
    ind = ind.set_index(["indicator", "country", "year"])
    cols = {}
    for key, t in zip(keys, targets.itertuples(), strict=True):
        k = (t.indicator, t.country, int(t.year))
        sel = ind.loc[[k]] if k in ind.index else ind.iloc[:0]
        cols[key] = sel.set_index(["point", "replicate"])["value"]
    return pd.DataFrame(cols).reindex(columns=keys)


# --- the waves ---------------------------------------------------------------------


@dataclass
class Wave:
    """One wave: its design, the simulated target values (every target of the
    calibration, fitted or held out) and the emulators of the fitted ones."""

    number: int
    points: np.ndarray  # (n, parameters) in parameter units
    mean: np.ndarray  # (n, targets) replicate means
    within: np.ndarray  # (n, targets) variance between replicates
    emulator: Emulator | None  # None: an exploitation wave, screened by the earlier waves' emulators
    nroy_share: float  # share of the candidate set not ruled out after this wave
    runs: int  # model runs made for this wave (0: shared with the full calibration)
    seconds: float


@dataclass
class CalibrationResult:
    """Everything a calibration (or one fold of its k-fold) found. ``fit`` marks the
    targets it was fitted to; the others were simulated but never used."""

    calibration: Calibration
    fit: np.ndarray  # (targets,) bool
    waves: list[Wave] = field(default_factory=list)
    ens_var: np.ndarray | None = None  # (targets,) pooled replicate variance
    nroy: np.ndarray | None = None  # last NROY sample, parameter units
    nroy_empty: bool = False  # nothing was left NROY: ``nroy`` holds the least implausible candidates
    estimate: dict[str, float] = field(default_factory=dict)
    estimate_mean: np.ndarray | None = None  # (targets,) simulated means at the estimate
    confirmed: pd.DataFrame | None = None  # the re-run finalists, best first
    confirm_runs: int = 0
    holdout: pd.DataFrame | None = None  # group k-fold: one row per target
    folds: pd.DataFrame | None = None  # group k-fold: one row per group
    period: pd.DataFrame | None = None  # period fold: one row per target after ``holdout_after``
    period_fold: dict | None = None  # period fold: its counts, runs and estimate
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
        """``table`` (one column per target) with the fitted targets held and the sum of
        their squared standardised errors (each capped at 100, so one hopeless target
        cannot dominate)."""
        mean = table[target_keys(self.calibration.targets)].to_numpy(float)
        z = self._standardised(mean)[:, self.fit]
        return table.assign(
            targets_held=self._held(mean)[:, self.fit].sum(axis=1),
            sum_sq_std_error=np.nansum(np.minimum(z**2, 100.0), axis=1),
            # the NROY test on the point's own runs rather than on the emulators
            ruled_out_by_runs=self._misses(mean) > self.calibration.settings.misfits_allowed,
        )

    def _misses(self, mean: np.ndarray) -> np.ndarray:
        """Per row of ``mean``: the fitted targets whose standardised error is beyond the cut-off."""
        z = self._standardised(mean)[:, self.fit]
        return (np.abs(z) > self.calibration.settings.cutoff).sum(axis=1)

    def credibility(self) -> dict[str, Any]:
        """Whether the NROY region describes the simulated evidence: the estimate's misses
        (fitted targets beyond the cut-off in its confirmation runs) against
        ``misfits_allowed``, the simulated points their own runs do not rule out, and the
        parameters whose estimate lies outside the NROY sample's 5-95% range."""
        spread = self.spread()
        outside = spread[(spread["estimate"] < spread["nroy_p05"]) | (spread["estimate"] > spread["nroy_p95"])]
        points = self.points_table()
        return {
            "estimate_misses": int(self._misses(self.estimate_mean[None, :])[0]),
            "misfits_allowed": self.calibration.settings.misfits_allowed,
            "points_kept_by_runs": int((~points["ruled_out_by_runs"]).sum()),
            "points": len(points),
            "estimate_outside_nroy": list(outside["parameter"]),
        }

    def reach(self, targets: np.ndarray) -> pd.DataFrame:
        """Per target of the mask ``targets`` (a fold's held-out ones): over the simulated
        points whose own runs the fitted targets do not rule out (``ruled_out_by_runs``),
        their number, the share of them at which the target holds, the 5-95% range of its
        simulated values there, and whether any of them holds it (``reachable``; NA
        without plausible points). A held-out target that misses at the estimate but is
        reachable is one the fitted targets leave free; one no plausible point reaches is
        one they pull the model away from."""
        keys = list(np.array(target_keys(self.calibration.targets))[targets])
        values, held = self._plausible(targets)
        n = len(values)
        share = held.mean(axis=0) if n else np.full(len(keys), np.nan)
        low, high = np.nanpercentile(values, [5, 95], axis=0) if n else (share, share)
        return pd.DataFrame({
            "plausible_points": n, "plausible_share_holding": share, "plausible_p05": low, "plausible_p95": high,
            "reachable": pd.array(share > 0 if n else [pd.NA] * len(keys), dtype="boolean"),
        }, index=keys)  # fmt: skip

    def best_plausible_hold(self, targets: np.ndarray) -> int | None:
        """The most targets of the mask ``targets`` that one simulated point not ruled out by
        its own runs holds (None without such points). Chosen by looking at those targets,
        which no calibration may do: for held-out targets it bounds what a better choice of
        estimate among the fold's points could score, so a bound below the bar says the
        model, not the search, has to change. Optimistic: the maximum over many points of
        counts on their own few runs favours lucky ones."""
        _, held = self._plausible(targets)
        return int(held.sum(axis=1).max()) if len(held) else None

    def _plausible(self, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Over the simulated points not ruled out by their own runs: the simulated values
        of the targets of the mask ``targets`` and whether each holds (points x targets)."""
        table = self.points_table()
        plausible = table[~table["ruled_out_by_runs"].to_numpy(bool)]
        keys = target_keys(self.calibration.targets)
        values = plausible[keys].to_numpy(float)
        return values[:, targets], self._held(values)[:, targets]

    def _held(self, mean: np.ndarray) -> np.ndarray:
        t = self.calibration.targets
        return np.abs(mean - t["value"].to_numpy()) <= t["tolerance"].to_numpy()

    def _standardised(self, mean: np.ndarray) -> np.ndarray:
        t = self.calibration.targets
        sd = np.sqrt((t["tolerance"].to_numpy() / 3) ** 2 + self.ens_var)
        return np.where(np.isfinite(mean), (mean - t["value"].to_numpy()) / sd, np.inf)

    def discrepancy(self, mean: np.ndarray) -> pd.DataFrame:
        """Per target: group, observed, simulated, tolerance, standardised error, holds."""
        t = self.calibration.targets
        z = self._standardised(mean[None, :])[0]
        return pd.DataFrame({
            "target": target_keys(t), "group": t["group"].to_numpy(), "observed": t["value"].to_numpy(float),
            "simulated": mean, "tolerance": t["tolerance"].to_numpy(float), "std_error": z,
            "holds": self._held(mean[None, :])[0],
        })  # fmt: skip

    def estimate_discrepancy(self) -> pd.DataFrame:
        """:meth:`discrepancy` at the estimate (pooled means of its confirmation runs)."""
        return self.discrepancy(self.estimate_mean)

    def spread(self) -> pd.DataFrame:
        """Per parameter: prior range, estimate, the NROY sample's mean, sd, 5% and 95%,
        and the share of the prior range its 5-95% interval keeps."""
        cal = self.calibration
        s = self.nroy
        p05, p95 = np.percentile(s, 5, axis=0), np.percentile(s, 95, axis=0)
        return pd.DataFrame({
            "parameter": cal.names, "prior_low": cal.bounds[:, 0], "prior_high": cal.bounds[:, 1],
            "estimate": [self.estimate[n] for n in cal.names], "nroy_mean": s.mean(axis=0), "nroy_sd": s.std(axis=0),
            "nroy_p05": p05, "nroy_p95": p95, "kept_share": (p95 - p05) / (cal.bounds[:, 1] - cal.bounds[:, 0]),
        })  # fmt: skip

    def box_share(self, x: np.ndarray) -> np.ndarray:
        """Parameter values ``x`` (points x parameters) as shares of their prior ranges."""
        bounds = self.calibration.bounds
        return (x - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0])

    def clumps(self) -> np.ndarray:
        """Clump of each point of the last NROY sample: 0 the largest, 1 the next...; all 0
        when the sample is one connected cloud.

        Single-linkage clustering (:func:`scipy.cluster.hierarchy.linkage`) of the
        parameters scaled to the prior box, cut into k = 2 to :data:`CLUMPS_MAX` clumps
        of at least :data:`MIN_CORRELATION_SAMPLE` points each; a cut is kept when the
        shortest link it removes (the gap between clumps) is at least :data:`CLUMP_GAP`
        times the longest link it keeps (the widest spacing inside a clump), the cut with
        the largest such ratio winning. A ridge or a single cloud, whose spacings are
        alike, is never cut; k-means and density methods (HDBSCAN) were tried and cut
        uniformly sampled ridges in pieces.
        """
        scaled = self.box_share(self.nroy)
        best, best_ratio = np.zeros(len(scaled), dtype=np.int64), CLUMP_GAP
        if len(scaled) < 2 * MIN_CORRELATION_SAMPLE:
            return best
        links = linkage(scaled, method="single")
        for k in range(2, CLUMPS_MAX + 1):
            labels = fcluster(links, k, criterion="maxclust") - 1
            sizes = np.bincount(labels)
            inside = links[-k, 2]
            if sizes.size < k or sizes.min() < MIN_CORRELATION_SAMPLE or inside <= 0:
                continue
            ratio = links[-(k - 1), 2] / inside
            if ratio >= best_ratio:
                rank = np.argsort(np.argsort(-sizes, kind="stable"))  # largest clump first
                best, best_ratio = rank[labels], ratio
        return best

    def degeneracy(self, threshold: float = DEGENERATE) -> pd.DataFrame:
        """Parameter pairs whose Pearson or Spearman correlation over the last NROY
        sample exceeds ``threshold`` in absolute value, strongest first: the targets pin
        down a combination of the two more than either. In a sample of several clumps
        (:meth:`clumps`) the correlations are taken within each clump of at least
        :data:`MIN_CORRELATION_SAMPLE` points (``clump``, from 1 the largest; ``points``
        its size)."""
        names = np.asarray(self.calibration.names)
        labels = self.clumps()
        i, j = np.triu_indices(len(names), k=1)
        frames = []
        for clump in range(labels.max() + 1 if labels.size else 0):
            sample = pd.DataFrame(self.nroy[labels == clump])
            if len(sample) < MIN_CORRELATION_SAMPLE:
                continue
            pearson, spearman = sample.corr("pearson").to_numpy(), sample.corr("spearman").to_numpy()
            frames.append(pd.DataFrame({
                "parameter_a": names[i], "parameter_b": names[j], "pearson": pearson[i, j],
                "spearman": spearman[i, j], "clump": clump + 1, "points": len(sample),
            }))  # fmt: skip
        if not frames:
            return pd.DataFrame(columns=["parameter_a", "parameter_b", "pearson", "spearman", "clump", "points"])
        pairs = pd.concat(frames, ignore_index=True)
        strength = pairs[["pearson", "spearman"]].abs().max(axis=1)  # NaN (a constant column) is never degenerate
        return (
            pairs.assign(strength=strength)
            .query("strength > @threshold")
            .sort_values("strength", ascending=False, kind="stable")
            .drop(columns="strength")
        )

    def emulator_table(self) -> pd.DataFrame:
        """Per wave and fitted target: the leave-one-out RMSE of both emulators and the one used."""
        keys = np.array(target_keys(self.calibration.targets))[self.fit]
        frames = [
            pd.DataFrame(
                {
                    "wave": w.number,
                    "target": keys,
                    "quadratic_kind": w.emulator.quadratic.kind,
                    "cv_rmse_quadratic": np.sqrt(w.emulator.cv_quadratic),
                    "cv_rmse_gp": np.sqrt(w.emulator.cv_gp),
                    "emulator": np.where(w.emulator.use_gp, "gp", "quadratic"),
                }
            )
            for w in self.waves
            if w.emulator is not None
        ]
        return pd.concat(frames, ignore_index=True)


def to_unit(x: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Parameter points ``x`` (rows) scaled to [-1, 1] over the prior box ``bounds`` (low, high
    per column): the inputs of the emulators and of :func:`implausibility`."""
    return 2.0 * (x - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0]) - 1.0


def _from_unit(u: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    return bounds[:, 0] + (u + 1.0) / 2.0 * (bounds[:, 1] - bounds[:, 0])


def kth_largest(values: np.ndarray, k: int) -> np.ndarray:
    """The k-th largest value of each row (k = 1 is the maximum)."""
    k = min(k, values.shape[1])
    return -np.partition(-values, k - 1, axis=1)[:, k - 1]


def implausibility(result: CalibrationResult, u: np.ndarray, waves: list[Wave]) -> np.ndarray:
    """k-th largest implausibility over the fitted targets of scaled points ``u`` under each
    wave's emulators; the largest over waves (a point must pass every wave)."""
    cal, fit = result.calibration, result.fit
    z = cal.targets["value"].to_numpy(float)[fit]
    v_fixed = (cal.targets["tolerance"].to_numpy(float)[fit] / 3) ** 2 + result.ens_var[fit]
    k = cal.settings.misfits_allowed + 1
    worst = np.zeros(len(u))
    for w in (w for w in waves if w.emulator is not None):
        mean, v_em = w.emulator.predict(u)
        imp = np.abs(mean - z) / np.sqrt(v_fixed + v_em)
        worst = np.maximum(worst, kth_largest(np.nan_to_num(imp, nan=np.inf), k))
    return worst


def expected_holds(result: CalibrationResult, u: np.ndarray) -> np.ndarray:
    """How many fitted targets each scaled point of ``u`` is expected to hold under the
    last wave's emulators: per target, the chance that the simulated mean (emulated mean,
    emulator variance plus the replicate noise of a mean of the experiment's replicates)
    falls within the tolerance, summed; a target the emulator cannot predict counts 0."""
    from scipy.stats import norm

    cal, fit = result.calibration, result.fit
    z = cal.targets["value"].to_numpy(float)[fit]
    tol = cal.targets["tolerance"].to_numpy(float)[fit]
    last = next(w for w in reversed(result.waves) if w.emulator is not None)
    mean, v_em = last.emulator.predict(u)
    sd = np.sqrt(v_em + result.ens_var[fit] / cal.experiment.spec.replicates)
    chance = norm.cdf((z + tol - mean) / sd) - norm.cdf((z - tol - mean) / sd)
    return np.nan_to_num(chance, nan=0.0).sum(axis=1)


def history_match(
    cal: Calibration,
    simulate: Simulate,
    fit: np.ndarray | None = None,
    prefix: str = "",
    first: Wave | None = None,
    n_jobs: int = 1,
    log: Callable[[str], None] = print,
) -> CalibrationResult:
    """The waves and the confirmation on the targets marked ``fit`` (default: all); the
    runs are named ``{prefix}wave-N`` and ``{prefix}confirm``. ``first``: a wave 1 to take
    over instead of simulating one (the full calibration's, in the k-fold)."""
    from scipy.stats import qmc

    s, bounds, d = cal.settings, cal.bounds, len(cal.names)
    seed = cal.experiment.spec.seed
    fit = np.ones(len(cal.targets), bool) if fit is None else fit
    result = CalibrationResult(cal, fit, started=_now())
    rng = np.random.default_rng([seed, 1])
    cand_sampler = qmc.LatinHypercube(d=d, seed=np.random.default_rng([seed, 2]))
    design_u = qmc.LatinHypercube(d=d, seed=np.random.default_rng([seed, 0])).random(s.points_per_wave) * 2 - 1
    nroy_u = design_u
    for number in range(1, s.waves + 1):
        if number == 1 and first is not None:
            wave = replace(first, emulator=first.emulator.subset(fit), runs=0, seconds=0.0)
        else:
            wave = _simulate_wave(result, simulate, number, design_u, f"{prefix}wave-{number}", n_jobs)
        result.waves.append(wave)
        # pooled replicate variance; none with one replicate (the emulator's variance carries the noise)
        result.ens_var = pd.DataFrame(np.vstack([w.within for w in result.waves])).mean().fillna(0.0).to_numpy()
        cand = cand_sampler.random(s.candidates) * 2 - 1
        imp = implausibility(result, cand, result.waves)
        ok = imp <= s.cutoff
        wave.nroy_share = float(ok.mean())
        em = wave.emulator
        log(
            f"wave {number}: {len(wave.points)} points, {wave.runs} runs in {wave.seconds:.0f} s; emulators: GP for "
            f"{int(em.use_gp.sum())} of {len(em.gps)} targets ({em.seconds:.1f} s); "
            f"NROY {100 * wave.nroy_share:.1f}% of the prior box"
        )
        if ok.sum() == 0:
            log("no candidate is left not ruled out: stopping (see the discrepancy table for the misfits)")
            nroy_u = cand[np.argsort(imp)[: s.points_per_wave]]
            result.nroy_empty = True
            break
        nroy_u = _fill_nroy(result, cand[ok], s.points_per_wave, rng)
        pick = rng.choice(len(nroy_u), size=min(s.points_per_wave, len(nroy_u)), replace=False)
        design_u = nroy_u[np.sort(pick)]
    result.nroy = _from_unit(nroy_u, bounds)
    if s.exploit_points and not result.nroy_empty:
        _exploit(result, simulate, rng, f"{prefix}wave-{len(result.waves) + 1}", log)
    _confirm(result, simulate, prefix, log)
    result.finished = _now()
    return result


def _fill_nroy(result: CalibrationResult, nroy: np.ndarray, want: int, rng: np.random.Generator) -> np.ndarray:
    """Scaled NROY points, at least ``want`` of them where they can be found: when the
    Latin-hypercube candidates leave fewer (a small region of a box of many dimensions),
    candidates are drawn around the NROY points found (each perturbed by a normal step of
    a tenth of the range, kept in the box) and screened the same way, a few rounds at most."""
    found = nroy
    for _ in range(NROY_FILL_ROUNDS):
        if len(found) >= want or len(found) == 0:
            break
        found = np.vstack([found, _draws_around(result, found, NROY_FILL_STEP, rng)])
    return found


def _draws_around(result: CalibrationResult, centres: np.ndarray, step: float, rng: np.random.Generator) -> np.ndarray:
    """One round of :data:`NROY_FILL_PER_ROUND` scaled points, each a normal step of sd
    ``step`` from a random one of ``centres`` (kept in the box), screened by the waves'
    emulators: those not ruled out."""
    picked = centres[rng.integers(len(centres), size=NROY_FILL_PER_ROUND)]
    cand = np.clip(picked + rng.normal(0.0, step, picked.shape), -1.0, 1.0)
    return cand[implausibility(result, cand, result.waves) <= result.calibration.settings.cutoff]


def _exploit(
    result: CalibrationResult, simulate: Simulate, rng: np.random.Generator, name: str, log: Callable[[str], None]
) -> None:
    """A last wave that sharpens the estimate without narrowing the NROY region: points
    drawn around the best simulated points (normal steps of ``exploit_step`` of each
    half-range, in the box), kept where the waves' emulators do not rule them out;
    ``exploit_rule`` says which of them run (the first found, or those
    :func:`expected_holds` ranks best). The waves explore the whole NROY region, so their
    best point is a coarse optimum; these points compete with it in the confirmation. They
    join the simulated points (and plausible.csv) but fit no emulator and leave the NROY
    sample as the last wave left it."""
    cal, s = result.calibration, result.calibration.settings
    best = _ranked(result.points_table()).head(s.exploit_centres)
    centres = to_unit(best[cal.names].to_numpy(float), cal.bounds)
    found = np.zeros((0, centres.shape[1]))
    for _ in range(NROY_FILL_ROUNDS):
        found = np.vstack([found, _draws_around(result, centres, s.exploit_step, rng)])
        if len(found) >= s.exploit_points and s.exploit_rule == "any":
            break
    if not len(found):
        log("exploitation: every point around the best ones is ruled out by the emulators; none simulated")
        return
    if s.exploit_rule == "best_emulated":
        # every round drawn, then the draws the emulators expect to fit best
        found = found[np.argsort(-expected_holds(result, found), kind="stable")]
    design_u = found[: s.exploit_points]
    wave = _simulate_wave(result, simulate, len(result.waves) + 1, design_u, name, fit_emulators=False)
    wave.nroy_share = result.waves[-1].nroy_share
    result.waves.append(wave)
    log(f"wave {wave.number} (exploitation): {len(design_u)} points around the best {len(centres)}, "
        f"{wave.runs} runs in {wave.seconds:.0f} s")  # fmt: skip


def _simulate_wave(
    result: CalibrationResult,
    simulate: Simulate,
    number: int,
    design_u: np.ndarray,
    name: str,
    n_jobs: int = 1,
    fit_emulators: bool = True,
) -> Wave:
    """Simulate a wave's design and (``fit_emulators``) fit the emulators of the fitted
    targets on every point simulated so far."""
    cal, fit = result.calibration, result.fit
    points = _from_unit(design_u, cal.bounds)
    t0 = time.perf_counter()
    per_run = simulate(points, cal.experiment.spec.replicates, cal.experiment.spec.seed, name)
    per_run = per_run.reindex(columns=target_keys(cal.targets))
    by_point = per_run.groupby(level="point")
    mean = by_point.mean().reindex(range(len(points))).to_numpy()
    within = by_point.var(ddof=1).reindex(range(len(points))).to_numpy()
    seconds = time.perf_counter() - t0
    if not fit_emulators:
        return Wave(number, points, mean, within, None, 0.0, len(per_run), seconds)
    u = np.vstack([to_unit(w.points, cal.bounds) for w in result.waves] + [design_u])
    y = np.vstack([w.mean for w in result.waves] + [mean])[:, fit]
    rows = np.isfinite(y).any(axis=1)
    emulator = fit_emulator(u[rows], y[rows], cal.settings.gp_restarts, cal.experiment.spec.seed, n_jobs)
    return Wave(number, points, mean, within, emulator, 0.0, len(per_run), seconds)


def _confirm(result: CalibrationResult, simulate: Simulate, prefix: str, log: Callable[[str], None]) -> None:
    """Re-run the best simulated points with fresh seeds and pick the estimate on the
    pooled means: choosing the best of many noisy points alone would favour lucky
    replicates (the winner's curse)."""
    cal, s = result.calibration, result.calibration.settings
    table = _ranked(result.points_table())
    finalists = table.head(s.confirm_points)
    keys = target_keys(cal.targets)
    mean = finalists[keys].to_numpy(float)
    if s.confirm_replicates:
        points = finalists[cal.names].to_numpy(float)
        per_run = simulate(points, s.confirm_replicates, cal.experiment.spec.seed + 1, f"{prefix}confirm")
        result.confirm_runs = len(per_run)
        fresh = per_run.reindex(columns=keys).groupby(level="point").mean().reindex(range(len(points))).to_numpy()
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
        f"{int(confirmed.iloc[0]['targets_held'])} of {int(result.fit.sum())} targets")  # fmt: skip


def _ranked(table: pd.DataFrame) -> pd.DataFrame:
    """Most targets held first, then the smallest sum of squared standardised errors."""
    return table.sort_values(["targets_held", "sum_sq_std_error"], ascending=[False, True], kind="stable")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- the whole calibration and its out-of-sample score ------------------------------


def check_holdout(cal: Calibration) -> list[str]:
    """The target groups of the k-fold, in file order; InputError if there are fewer than two."""
    groups = list(dict.fromkeys(cal.targets["group"]))
    if len(groups) < 2:
        raise InputError(
            "the group k-fold needs targets of at least two groups inside the horizon",
            source=str(cal.targets_path or cal.targets_source),
            key="group",
            value=", ".join(groups),
            allowed="two or more groups (one is held out at a time)",
        )
    return groups


def calibrate(
    cal: Calibration,
    out: str | Path,
    executor: ExecutorKind = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
    holdout: bool = False,
    simulate: Simulate | None = None,
) -> CalibrationResult:
    """History matching on every target (runs in ``out/wave-N`` and ``out/confirm``, each a
    resumable result store), then with ``holdout`` the group k-fold (``out/holdout/GROUP``).
    ``simulate`` replaces the model (default: :class:`ModelSimulator` on ``executor``)."""
    groups = check_holdout(cal) if holdout else []
    simulate = simulate or ModelSimulator(cal, Path(out), executor, workers, scheduler, progress)
    # the emulators are fitted between the waves' runs, on the cores the runs had
    n_jobs = 1 if executor == "serial" else (workers or -1)
    result = history_match(cal, simulate, n_jobs=n_jobs, log=log)
    if groups:
        group_kfold(result, simulate, groups, n_jobs, log)
        if cal.settings.holdout_after is not None:
            period_fold(result, simulate, cal.settings.holdout_after, n_jobs, log)
    result.finished = _now()
    return result


def _fold(
    result: CalibrationResult,
    simulate: Simulate,
    name: str,
    held_out: np.ndarray,
    n_jobs: int,
    log: Callable[[str], None],
) -> tuple[pd.DataFrame, dict]:
    """One fold: a calibration without the ``held_out`` targets (runs under
    ``holdout/NAME/``); its held-out targets (per target) and counts (one row)."""
    cal = result.calibration
    fold = history_match(
        cal, simulate, ~held_out, prefix=f"holdout/{name}/", first=result.waves[0], n_jobs=n_jobs,
        log=lambda m: log(f"[{name}] {m}"),
    )  # fmt: skip
    out, full = fold.estimate_discrepancy(), result.estimate_discrepancy()
    rows = full[held_out]
    targets = pd.DataFrame({
        "group": rows["group"], "target": rows["target"], "observed": rows["observed"], "tolerance": rows["tolerance"],
        "in_sample_simulated": rows["simulated"], "in_sample_holds": rows["holds"],
        "out_of_sample_simulated": out["simulated"][held_out], "out_of_sample_holds": out["holds"][held_out],
    })  # fmt: skip
    targets = pd.concat([targets, fold.reach(held_out).set_axis(targets.index)], axis=1)
    missed = ~targets["out_of_sample_holds"].to_numpy(bool)
    counts = {
        "group": name, "held_out": int(held_out.sum()), "held_out_hold": int(out["holds"][held_out].sum()),
        # misses at the fold's estimate that some plausible point of the fold holds, and that none does
        "missed_reachable": int(targets["reachable"][missed].sum()),
        "missed_unreachable": int((~targets["reachable"][missed]).sum()),
        "best_plausible_hold": fold.best_plausible_hold(held_out),
        "fitted": int((~held_out).sum()), "fitted_hold": int(out["holds"][~held_out].sum()),
        # the full estimate on the same targets: how much the fold's own search lost
        "fitted_hold_full": int(full["holds"][~held_out].sum()),
        "runs": sum(w.runs for w in fold.waves) + fold.confirm_runs, **fold.estimate,
    }  # fmt: skip
    log(f"[{name}] held out: {counts['held_out_hold']} of {counts['held_out']} targets hold")
    return targets, counts


def period_fold(
    result: CalibrationResult, simulate: Simulate, after: int, n_jobs: int, log: Callable[[str], None]
) -> None:
    """The forward score into ``result.period`` and ``result.period_fold``: the targets
    after ``after`` at the estimate of a calibration on those up to it."""
    held_out = (result.calibration.targets["year"] > after).to_numpy()
    if held_out.all() or not held_out.any():
        log(f"period fold skipped: no targets on both sides of {after}")
        return
    result.period, result.period_fold = _fold(result, simulate, f"after-{after}", held_out, n_jobs, log)
    log(f"out-of-sample (targets after {after}, calibrated on the earlier ones): "
        f"{result.period_fold['held_out_hold']} of {result.period_fold['held_out']} hold")  # fmt: skip


def group_kfold(
    result: CalibrationResult, simulate: Simulate, groups: list[str], n_jobs: int, log: Callable[[str], None]
) -> None:
    """The out-of-sample score into ``result.holdout`` (per target) and ``result.folds``
    (per group): each group's targets at the estimate of a calibration on the others."""
    cal = result.calibration
    targets, folds = [], []
    for group in groups:
        rows, fold = _fold(result, simulate, group, (cal.targets["group"] == group).to_numpy(), n_jobs, log)
        targets.append(rows)
        folds.append(fold)
    result.holdout = pd.concat(targets, ignore_index=True)
    result.folds = pd.DataFrame(folds)
    log(f"out-of-sample (group k-fold): {int(result.holdout['out_of_sample_holds'].sum())} of "
        f"{len(result.holdout)} targets hold (in-sample: {int(result.holdout['in_sample_holds'].sum())})")  # fmt: skip
