"""Emulators of the model's target outputs for history matching: for each target, a
quadratic regression or a Gaussian process, whichever predicts better out of sample.

Both are fitted to the replicate-mean outputs on the inputs scaled to [-1, 1]:

- **Quadratic regression**: least squares (ridge 1e-6) on linear terms, plus squares when
  there are at least two points per coefficient, plus interactions likewise. Its
  predictive variance is its mean squared leave-one-out residual, the same everywhere.
- **Gaussian process** (scikit-learn's ``GaussianProcessRegressor``): constant x ARD
  squared-exponential kernel (one length scale per parameter) plus a white-noise term
  (the replicate noise of the means), ``normalize_y``; hyperparameters by maximum
  marginal likelihood from unit length scales, plus optional random restarts. Its
  predictive variance depends on the point: small near design points, large far from
  them. (Starting from the previous wave's hyperparameters saved no time and sometimes
  stayed in a worse optimum, so every wave starts afresh.)

The choice, per target: the smaller mean squared leave-one-out error on the points
simulated so far. The quadratic's is exact (leverages); the GP's is exact for its fitted
hyperparameters (Rasmussen & Williams 2006, eq. 5.12), which are not re-estimated without
each point, a slight advantage to the GP.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from scipy.linalg import cho_solve
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

#: Bounds of the GP hyperparameters on inputs in [-1, 1] and outputs scaled to sd 1.
LENGTH_SCALE_BOUNDS = (0.05, 1e3)  # above ~10 a parameter barely matters to the target
NOISE_BOUNDS = (1e-8, 1.0)


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
class Quadratic:
    """Per-target quadratic regressions of one wave."""

    kind: str
    coef: np.ndarray  # (features, targets)
    variance: np.ndarray  # (targets,) mean squared leave-one-out residual

    def predict(self, u: np.ndarray) -> np.ndarray:
        """Emulated means, (points, targets)."""
        return _features(u, self.kind) @ self.coef


def fit_quadratic(u: np.ndarray, y: np.ndarray) -> Quadratic:
    """Ridge-stabilised least squares per target (columns of ``y``), ignoring rows where a
    target is missing; the variance is the mean squared leave-one-out residual."""
    kind = _feature_kind(len(u), u.shape[1])
    x = _features(u, kind)
    coef = np.zeros((x.shape[1], y.shape[1]))
    var = np.full(y.shape[1], np.inf)
    ridge = 1e-6 * np.eye(x.shape[1])
    for t in range(y.shape[1]):
        ok = np.isfinite(y[:, t])
        if not ok.any():
            continue  # never simulated: an infinite variance rules nothing out
        xt, yt = x[ok], y[ok, t]
        gram_inv = np.linalg.inv(xt.T @ xt + ridge * len(yt))
        coef[:, t] = gram_inv @ xt.T @ yt
        leverage = np.einsum("ij,jk,ik->i", xt, gram_inv, xt)
        loo = (yt - xt @ coef[:, t]) / np.clip(1.0 - leverage, 1e-3, None)
        var[t] = float(np.mean(loo**2))
    return Quadratic(kind, coef, var)


def fit_gp(u: np.ndarray, y: np.ndarray, restarts: int, seed: int) -> tuple[GaussianProcessRegressor | None, float]:
    """A Gaussian process of one target on the rows where it is finite, with its mean
    squared leave-one-out error; ``(None, inf)`` with fewer than 3 such rows."""
    ok = np.isfinite(y)
    if ok.sum() < 3:
        return None, np.inf
    u, y = u[ok], y[ok]
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.ones(u.shape[1]), LENGTH_SCALE_BOUNDS) + WhiteKernel(
        1e-2, NOISE_BOUNDS
    )
    gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=restarts, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a length scale at its upper bound: an inert parameter
        gp.fit(u, y)
    # LOO residuals y_i - mu_-i = alpha_i / [K^-1]_ii, in the units normalize_y scaled y to
    k_inv_diag = np.diag(cho_solve((gp.L_, True), np.eye(len(y))))
    scale = float(np.std(y)) or 1.0
    return gp, float(np.mean((gp.alpha_ / k_inv_diag * scale) ** 2))


@dataclass
class Emulator:
    """The emulators of one wave: for each target the quadratic regression or the GP,
    whichever has the smaller leave-one-out error (``use_gp``)."""

    quadratic: Quadratic
    gps: list[GaussianProcessRegressor | None]  # per target (None: too few points)
    cv_gp: np.ndarray  # (targets,) mean squared LOO error of the GP (inf where none was fitted)
    seconds: float  # time to fit them all

    @property
    def cv_quadratic(self) -> np.ndarray:
        """(targets,) mean squared LOO error of the quadratic regression."""
        return self.quadratic.variance

    @property
    def use_gp(self) -> np.ndarray:
        """(targets,) True where the GP predicts better."""
        return self.cv_gp < self.cv_quadratic

    def subset(self, columns: np.ndarray) -> Emulator:
        """The emulators of some targets (a boolean mask): what fitting those alone gives."""
        q = self.quadratic
        gps = [gp for gp, keep in zip(self.gps, columns, strict=True) if keep]
        return Emulator(Quadratic(q.kind, q.coef[:, columns], q.variance[columns]), gps, self.cv_gp[columns], 0.0)

    def predict(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Emulated means and predictive variances, each (points, targets)."""
        mean = self.quadratic.predict(u)
        var = np.tile(self.quadratic.variance, (len(u), 1))
        for t in np.flatnonzero(self.use_gp):
            mean[:, t], sd = self.gps[t].predict(u, return_std=True)
            var[:, t] = sd**2
        return mean, var


def fit_emulator(u: np.ndarray, y: np.ndarray, restarts: int = 0, seed: int = 0, n_jobs: int = 1) -> Emulator:
    """Both emulators of every target (columns of ``y``) on scaled inputs ``u``; the GPs
    (``restarts`` random restarts each) in ``n_jobs`` processes (joblib)."""
    t0 = time.perf_counter()
    quadratic = fit_quadratic(u, y)
    fits = Parallel(n_jobs=n_jobs)(delayed(fit_gp)(u, y[:, t], restarts, seed) for t in range(y.shape[1]))
    return Emulator(quadratic, [gp for gp, _ in fits], np.array([cv for _, cv in fits]), time.perf_counter() - t0)
