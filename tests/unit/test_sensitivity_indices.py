"""Morris indices on a function with known elementary effects, on grids of any level."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.sample import morris as morris_sample

from circsim.workbench.sensitivity import indices


@pytest.mark.parametrize("levels", [4, 6, 8])
def test_morris_mu_star_is_the_slope_times_the_range_on_any_grid(levels):
    prob = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 2.0], [10.0, 20.0]]}
    x = morris_sample.sample(prob, 20, num_levels=levels, seed=3)
    y = 3.0 * x[:, 0] + 0.5 * x[:, 1]  # linear: every elementary effect is slope x range
    table = indices(prob, "morris", x, y, seed=3, levels=levels).set_index("parameter")
    assert table.loc["a", "mu_star"] == pytest.approx(3.0 * 2.0)
    assert table.loc["b", "mu_star"] == pytest.approx(0.5 * 10.0)
    assert np.allclose(table["sigma"], 0.0, atol=1e-9)
