"""Morris indices on a function with known elementary effects, on grids of any level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample

from circsim.workbench.sensitivity import indices, noise_floor, sd_of_point_means, verdict


@pytest.mark.parametrize("levels", [4, 6, 8])
def test_morris_mu_star_is_the_slope_times_the_range_on_any_grid(levels):
    prob = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 2.0], [10.0, 20.0]]}
    x = morris_sample.sample(prob, 20, num_levels=levels, seed=3)
    y = 3.0 * x[:, 0] + 0.5 * x[:, 1]  # linear: every elementary effect is slope x range
    table = indices(prob, "morris", x, y, seed=3, levels=levels).set_index("parameter")
    assert table.loc["a", "mu_star"] == pytest.approx(3.0 * 2.0)
    assert table.loc["b", "mu_star"] == pytest.approx(0.5 * 10.0)
    assert np.allclose(table["sigma"], 0.0, atol=1e-9)


def test_the_noise_floor_is_the_mu_star_of_pure_replicate_noise():
    """An outcome that is noise alone (sd 3 per run, 4 replicates per point): its mu*
    averages the floor the replicate variance predicts (within 10% over 40 seeds), and the
    floor from the runs recovers that sd."""
    prob = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}
    x = morris_sample.sample(prob, 50, num_levels=4, seed=2)
    point = np.repeat(np.arange(len(x)), 4)
    ratios = []
    for seed in range(40):
        runs = pd.Series(np.random.default_rng(seed).normal(0.0, 3.0, point.size))
        sd = sd_of_point_means(runs, pd.Series(point))
        mu_star = indices(prob, "morris", x, runs.groupby(point).mean().to_numpy(), levels=4)["mu_star"]
        ratios.append(mu_star.mean() / noise_floor(sd, 4))
        assert sd == pytest.approx(3.0 / 2, rel=0.15)
    assert np.mean(ratios) == pytest.approx(1.0, rel=0.1)


def test_one_replicate_gives_no_noise_floor():
    assert np.isnan(sd_of_point_means(pd.Series([1.0, 2.0, 3.0]), pd.Series([0, 1, 2])))


def test_a_verdict_is_sure_only_when_the_whole_interval_is_on_one_side():
    low, high = np.array([0.6, 0.2, 0.0, 0.5, 0.0]), np.array([0.9, 0.8, 0.4, 0.5, 0.5])
    calls = verdict(low, high, 0.5, "yes", "no").tolist()
    # the threshold itself counts as reached, from either bound
    assert calls == ["yes", "uncertain", "no", "yes", "uncertain"]


def test_pure_noise_is_called_beyond_noise_less_often_with_the_interval():
    """An outcome that is replicate noise alone (8 trajectories, 2 replicates, 60 draws
    of 3 parameters): the point rule (mu* above two floors) calls a few of the 180 pairs
    beyond noise; the interval rule fewer, at most 2%."""
    prob = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}
    x = morris_sample.sample(prob, 8, num_levels=4, seed=4)
    point = np.repeat(np.arange(len(x)), 2)
    by_point, by_interval = 0, 0
    for seed in range(60):
        runs = pd.Series(np.random.default_rng(seed).normal(0.0, 1.0, point.size))
        margin = 2 * noise_floor(sd_of_point_means(runs, pd.Series(point)), 4)
        t = indices(prob, "morris", x, runs.groupby(point).mean().to_numpy(), seed=seed, levels=4)
        by_point += int((t["mu_star"] > margin).sum())
        calls = verdict(t["mu_star"] - t["mu_star_conf"], t["mu_star"] + t["mu_star_conf"], margin, "yes", "no")
        by_interval += int((calls == "yes").sum())
    assert by_point >= 1 and by_interval < by_point and by_interval <= 0.02 * 180
