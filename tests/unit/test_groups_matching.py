"""Vectorized helpers (groups.py) and deferred acceptance (matching.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circsim.sim.groups import categorical_rows, gumbel, logistic, rank_within_groups, stochastic_round, take_up_to
from circsim.sim.steps.matching import deferred_acceptance

# --- rank_within_groups / take_up_to ---------------------------------------------------


def test_rank_within_groups_ranks_highest_priority_first_in_each_group():
    group = np.array([0, 0, 1, 1, 0, 2])
    priority = np.array([1.0, 3.0, 5.0, 7.0, 2.0, -1.0])
    ranks = rank_within_groups(group, priority)
    np.testing.assert_array_equal(ranks, [2, 0, 1, 0, 1, 0])


def test_rank_within_groups_breaks_ties_by_position():
    group = np.array([4, 4, 4, 1, 1])
    priority = np.array([2.0, 2.0, 2.0, 0.0, 0.0])
    np.testing.assert_array_equal(rank_within_groups(group, priority), [0, 1, 2, 0, 1])


def test_rank_within_groups_of_nothing_is_empty():
    out = rank_within_groups(np.zeros(0, dtype=np.int64), np.zeros(0))
    assert out.shape == (0,)


def test_take_up_to_keeps_the_best_up_to_each_capacity():
    group = np.array([0, 0, 0, 1, 1, 2])
    priority = np.array([0.1, 0.9, 0.5, 0.3, 0.2, 1.0])
    keep = take_up_to(group, priority, np.array([2, 0, 5]))
    np.testing.assert_array_equal(keep, [False, True, True, False, False, True])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 60),
    k=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_take_up_to_never_exceeds_capacity_and_keeps_the_best(n, k, seed):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, k, n)
    priority = rng.normal(size=n)
    cap = rng.integers(0, 5, k)
    keep = take_up_to(group, priority, cap)
    counts = np.bincount(group[keep], minlength=k)
    sizes = np.bincount(group, minlength=k)
    np.testing.assert_array_equal(counts, np.minimum(cap, sizes))
    for g in range(k):
        kept, dropped = priority[keep & (group == g)], priority[~keep & (group == g)]
        if kept.size and dropped.size:
            assert kept.min() >= dropped.max()


# --- categorical_rows / stochastic_round / logistic ------------------------------------


def test_categorical_rows_never_draws_a_zero_weight():
    rng = np.random.default_rng(1)
    w = np.tile([0.0, 2.0, 0.0, 1.0, 0.0], (5000, 1))
    draws = categorical_rows(w, rng)
    assert set(np.unique(draws)) == {1, 3}


def test_categorical_rows_single_support_is_certain():
    rng = np.random.default_rng(2)
    w = np.zeros((50, 4))
    w[np.arange(50), np.arange(50) % 4] = 3.0
    np.testing.assert_array_equal(categorical_rows(w, rng), np.arange(50) % 4)


def test_categorical_rows_frequencies_follow_weights():
    rng = np.random.default_rng(3)
    w = np.tile([1.0, 2.0, 7.0], (40000, 1))
    freq = np.bincount(categorical_rows(w, rng), minlength=3) / 40000
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.01)


def test_stochastic_round_keeps_integers_and_rounds_to_a_neighbour():
    rng = np.random.default_rng(4)
    np.testing.assert_array_equal(stochastic_round(np.array([0.0, 3.0, 17.0]), rng), [0, 3, 17])
    x = np.full(20000, 2.3)
    r = stochastic_round(x, rng)
    assert r.dtype.kind == "i"
    assert set(np.unique(r)) == {2, 3}
    assert abs(r.mean() - 2.3) < 0.02


def test_stochastic_round_keeps_shape_and_expected_totals():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 3, size=(300, 4))
    draws = np.stack([stochastic_round(x, rng) for _ in range(200)])
    assert draws.shape == (200, 300, 4)
    assert np.all(np.abs(draws - x) < 1)
    assert abs(draws.sum(axis=(1, 2)).mean() - x.sum()) < 0.01 * x.sum()


def test_stochastic_round_of_a_scalar():
    rng = np.random.default_rng(6)
    assert int(stochastic_round(4.0, rng)) == 4
    assert int(stochastic_round(0.5, rng)) in (0, 1)


def test_gumbel_noise_is_finite_with_the_standard_gumbel_moments():
    rng = np.random.default_rng(7)
    g = np.asarray(gumbel(400_000, rng), dtype=float)
    assert g.shape == (400_000,)
    assert np.isfinite(g).all()
    assert g.mean() == pytest.approx(np.euler_gamma, abs=0.01)
    assert g.var() == pytest.approx(np.pi**2 / 6, rel=0.02)
    assert gumbel((3, 5), rng).shape == (3, 5)


def test_logistic_is_bounded_monotone_and_safe():
    x = np.array([-1e6, -3.0, 0.0, 3.0, 1e6])
    y = logistic(x)
    assert np.all(np.isfinite(y))
    assert np.all(np.diff(y) > 0)
    assert y[2] == pytest.approx(0.5)
    assert 0 <= y[0] < 1e-10 and 1 - 1e-10 < y[-1] <= 1
    assert y[1] + y[3] == pytest.approx(1.0)


# --- deferred acceptance ---------------------------------------------------------------


def _is_stable(prefs: np.ndarray, scores: np.ndarray, capacity: np.ndarray, match: np.ndarray) -> list[str]:
    """Blocking pairs of a matching (empty list = stable), and other violations."""
    problems = []
    n, m = prefs.shape
    held = np.bincount(match[match >= 0], minlength=capacity.size)
    if np.any(held > capacity):
        problems.append("capacity exceeded")
    # the score a cell gives each of its holders
    score_at = {}
    for i in range(n):
        for j in range(m):
            if prefs[i, j] >= 0:
                score_at[i, int(prefs[i, j])] = scores[i, j]
    for i in range(n):
        listed = [int(c) for c in prefs[i] if c >= 0]
        if match[i] >= 0 and int(match[i]) not in listed:
            problems.append(f"seeker {i} matched to an unlisted cell")
        better = listed[: listed.index(int(match[i]))] if match[i] >= 0 else listed
        for c in better:
            holders = np.flatnonzero(match == c)
            if holders.size < capacity[c]:
                problems.append(f"seeker {i} and cell {c} with a free post")
            elif any(score_at[int(h), c] < score_at[i, c] for h in holders):
                problems.append(f"seeker {i} and cell {c} holding a lower-scored seeker")
    return problems


def test_deferred_acceptance_hand_example():
    # cells A=0, B=1 (one post each). Seekers 0 and 1 prefer A, seeker 2 prefers B.
    # A ranks 1 > 0 > 2; B ranks 0 > 2 > 1. Applicant-proposing DA: 0 -> B, 1 -> A, 2 unmatched.
    prefs = np.array([[0, 1], [0, 1], [1, 0]])
    scores = np.array([[2.0, 3.0], [3.0, 1.0], [2.0, 1.0]])
    match = deferred_acceptance(prefs, scores, np.array([1, 1]))
    np.testing.assert_array_equal(match, [1, 0, -1])


def test_deferred_acceptance_higher_score_displaces_a_held_applicant():
    # seeker 0 is held by A in round 1; seeker 1 (rejected by the full cell Z) then
    # applies to A with a higher score and displaces seeker 0, who has nowhere else to go.
    prefs = np.array([[0, -1], [2, 0]])
    scores = np.array([[0.0, 0.0], [1.0, 1.0]])
    match = deferred_acceptance(prefs, scores, np.array([1, 1, 0]))
    np.testing.assert_array_equal(match, [-1, 0])


def test_deferred_acceptance_displaced_applicant_goes_on_to_the_next_choice():
    # As above, but seeker 0 also lists B, which stays open: the stable matching (and
    # the outcome of deferred acceptance) is 0 -> B, 1 -> A. A seeker displaced in the
    # last of M rounds must still get to propose to the rest of their list.
    prefs = np.array([[0, 1], [2, 0]])
    scores = np.array([[0.0, 0.0], [1.0, 1.0]])
    match = deferred_acceptance(prefs, scores, np.array([1, 1, 0]))
    np.testing.assert_array_equal(match, [1, 0])


def test_deferred_acceptance_unmatched_are_minus_one():
    prefs = np.array([[0], [0], [0], [-1]])
    scores = np.array([[1.0], [3.0], [2.0], [0.0]])
    match = deferred_acceptance(prefs, scores, np.array([1]))
    np.testing.assert_array_equal(match, [-1, 0, -1, -1])


def test_deferred_acceptance_with_no_capacity_matches_nobody():
    prefs = np.array([[0, 1], [1, 0]])
    match = deferred_acceptance(prefs, np.ones((2, 2)), np.array([0, 0]))
    np.testing.assert_array_equal(match, [-1, -1])


def _random_instance(data):
    n = data.draw(st.integers(1, 40), label="seekers")
    k = data.draw(st.integers(1, 6), label="cells")
    m = data.draw(st.integers(1, k), label="options")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    prefs = np.array([rng.permutation(k)[:m] for _ in range(n)])
    lengths = rng.integers(0, m + 1, n)
    prefs[np.arange(m)[None, :] >= lengths[:, None]] = -1
    talent = rng.normal(size=n)
    scores = talent[:, None] + 0.5 * rng.normal(size=(n, m))  # continuous: no ties
    cap = rng.integers(0, 4, k)
    return prefs, scores, cap


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_deferred_acceptance_respects_capacity_and_lists(data):
    prefs, scores, cap = _random_instance(data)
    match = deferred_acceptance(prefs, scores, cap)
    assert match.shape == (prefs.shape[0],)
    assert np.all(np.bincount(match[match >= 0], minlength=cap.size) <= cap)
    for i, c in enumerate(match):
        assert c == -1 or c in prefs[i]


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_deferred_acceptance_is_stable(data):
    prefs, scores, cap = _random_instance(data)
    match = deferred_acceptance(prefs, scores, cap)
    assert _is_stable(prefs, scores, cap, match) == []
