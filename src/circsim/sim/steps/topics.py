"""Topic diffusion: new research topics appear at the frontier and spread through ties.

Each year ``topics_per_year`` topics are born, each in a country drawn in proportion to
its top-10% cited papers, where a share ``seed`` of researchers adopt it. Within a year
of ``substeps`` sub-steps, adoption ``a`` in country c grows as

    da/dt = (1 - a) * (k_in * a_c + k_ext * sum_d W[c,d] * a_d)

with W[c,d] the share of c's papers co-authored with d, so more international
countries hear of new topics sooner, plus any watch c keeps on d's research (embassy
fellows as an intelligence function, ``watch[c, d]``, in the same units). A country has taken up
a topic when ``a`` crosses ``threshold``; its adoption lag is that time minus the
reference country's (the US, as in Asatani et al. 2023).
"""

from __future__ import annotations

import numpy as np

from ..params import ModelParams


class TopicDiffusion:
    """State of the topics followed: birth year, adoption shares and take-up times."""

    def __init__(self, n_countries: int, reference: int) -> None:
        self.n = n_countries
        self.reference = reference
        self.birth = np.zeros(0)
        self.adoption = np.zeros((0, n_countries))
        self.taken_up = np.zeros((0, n_countries))  # fractional year of take-up, nan until then
        self.recent_lags: list[tuple[float, np.ndarray]] = []  # (year, lag per country) of finished topics

    def step(
        self,
        year: int,
        coauthored: np.ndarray,
        papers: np.ndarray,
        frontier: np.ndarray,
        rng: np.random.Generator,
        p: ModelParams,
        watch: np.ndarray | None = None,
    ) -> None:
        """Advance one year: add new topics at the frontier, diffuse, record take-up times.

        ``watch[c, d]`` (optional) adds a channel from d's research to c on top of the
        co-authorship shares. Reads ``topics_per_year``, ``topic_diffusion_internal``/``_external``,
        ``topic_threshold``, ``topic_seed_share``, ``topic_substeps_per_year`` and
        ``topic_tracking_years`` from ``p``.
        """
        per_year, threshold = p.topics_per_year, p.topic_threshold
        k_in, k_ext = p.topic_diffusion_internal, p.topic_diffusion_external
        substeps, tracking_years = p.topic_substeps_per_year, p.topic_tracking_years
        if per_year > 0 and frontier.sum() > 0:
            origin = rng.choice(self.n, size=per_year, p=frontier / frontier.sum())
            a = np.zeros((per_year, self.n))
            a[np.arange(per_year), origin] = p.topic_seed_share
            self.birth = np.concatenate([self.birth, np.full(per_year, float(year))])
            self.adoption = np.vstack([self.adoption, a])
            self.taken_up = np.vstack([self.taken_up, np.full((per_year, self.n), np.nan)])
        w = coauthored.copy()
        np.fill_diagonal(w, 0.0)
        w = w / np.maximum(papers[:, None], 1e-12)  # share of c's papers co-authored with d
        if watch is not None and watch.any():
            w = w + watch * (1.0 - np.eye(self.n))
        dt = 1.0 / substeps
        for s in range(substeps):
            a = self.adoption
            rate = k_in * a + k_ext * a @ w.T
            new = np.minimum(a + dt * (1.0 - a) * rate, 1.0)
            crossed = (a < threshold) & (new >= threshold) & np.isnan(self.taken_up)
            frac = (threshold - a[crossed]) / np.maximum(new[crossed] - a[crossed], 1e-12)
            self.taken_up[crossed] = year + (s + frac) * dt
            self.adoption = new
        done = ~np.isnan(self.taken_up).any(axis=1) | (year - self.birth >= tracking_years)
        for k in np.flatnonzero(done):
            self.recent_lags.append((year, self.taken_up[k] - self.taken_up[k, self.reference]))
        keep = ~done
        self.birth, self.adoption, self.taken_up = self.birth[keep], self.adoption[keep], self.taken_up[keep]

    def mean_lag(self, year: int, window: int = 5) -> np.ndarray:
        """Mean adoption lag (years) behind the reference country, per country, over the
        topics finished in the last ``window`` years (nan where none)."""
        self.recent_lags = [(y, lag) for y, lag in self.recent_lags if year - y < window]
        if not self.recent_lags:
            return np.full(self.n, np.nan)
        lags = np.array([lag for _, lag in self.recent_lags])
        ok = ~np.isnan(lags)
        counts = ok.sum(axis=0)
        return np.where(counts > 0, np.nansum(lags, axis=0) / np.maximum(counts, 1), np.nan)
