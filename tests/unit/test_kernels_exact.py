"""Compiled kernels that stand in for numpy give numpy's results bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from circsim.sim import kernels


@pytest.mark.parametrize("seed", range(20))
def test_radix_argsort_is_numpys_stable_argsort(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3000))
    x = rng.integers(0, 40, n) + rng.random(n)
    if seed % 2:  # many equal keys
        x = np.round(x, 1)
    if seed % 3 == 0:  # signs, both zeros, infinities and NaN
        x -= 20
        for value, share in ((-0.0, 0.1), (0.0, 0.1), (-np.inf, 0.05), (np.inf, 0.05), (np.nan, 0.05)):
            x[rng.random(n) < share] = value
    np.testing.assert_array_equal(kernels.radix_argsort(x), np.argsort(x, kind="stable"))


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 127, 128, 129, 136, 1000, 8191, 8192])
def test_pairwise_sum_is_numpys_sum(n):
    a = np.random.default_rng(n).random(n + 3) ** 4
    got = kernels.pairwise_sum(a, 3, n) + 0.0  # numpy's sum starts from 0.0, not -0.0
    assert got == np.add.reduce(a[3:])


def test_output_by_country_sums_are_numpys_group_sums():
    """The co-authored sums equal numpy's float64 sums of the float32 spread over each
    country's run (runs longer than numpy's 8192-element cast buffer included)."""
    rng = np.random.default_rng(0)
    n_people, n_c = 60_000, 4
    country = rng.choice(n_c, n_people, p=[0.6, 0.3, 0.1, 0.0]).astype(np.int8)
    papers = rng.random(n_people, dtype=np.float32) * 5
    intl = rng.random(n_people, dtype=np.float32)
    ties = rng.random((n_c, n_people), dtype=np.float32) * (rng.random((n_c, n_people)) < 0.5)
    rows = np.flatnonzero(rng.random(n_people) < 0.9)
    starts, values, _, sums = kernels.output_by_country(rows, country, papers, papers, intl, ties, n_c)
    order = rows[np.argsort(country[rows], kind="stable")]
    coauth = papers[order] * intl[order]
    spread = ties[:, order] * (coauth / np.maximum(ties[:, order].sum(axis=0), np.float32(1e-12)))
    ends = np.r_[starts[1:], order.size]
    expected = np.array([spread[:, a:b].sum(axis=1, dtype=np.float64) for a, b in zip(starts, ends, strict=True)])
    assert sums.tobytes() == expected.tobytes()
    np.testing.assert_array_equal(values[2], coauth)
