"""Every compiled kernel gives, bit for bit and in the same dtype, what the plain numpy
expression of its docstring gives.

Each test writes that expression here (the reference) and compares it with the kernel
on random small populations drawn by hypothesis (size, number of countries, share gone,
seed), the edge cases always included: nobody, one country, everyone gone. Values come
from small sets so that equal values (ties in sorts, maxima and comparisons with draws)
are common. Kernels that change the population in place run on the population itself;
their references run on a copy, and every column is compared afterwards.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from circsim.sim import kernel_common, population_kernels
from circsim.sim.population import FIELDS, People, Population
from circsim.sim.sectors import N_SECTORS, POST_SECTORS, Sector, is_academic, is_post
from circsim.sim.steps import (
    contracts_kernels,
    demography_kernels,
    funding_kernels,
    market_kernels,
    observation_kernels,
    research_kernels,
    returns_kernels,
    visits_kernels,
)

F32 = np.float32
N_POST = len(POST_SECTORS)
YEAR = 2020


class Case(NamedTuple):
    """A random population: how many rows, countries and gone, and the seed of the rest."""

    n: int
    countries: int
    gone: float
    seed: int


EDGE_CASES = (
    Case(n=0, countries=3, gone=0.0, seed=0),  # nobody
    Case(n=40, countries=1, gone=0.3, seed=1),  # one country
    Case(n=40, countries=3, gone=1.0, seed=2),  # everyone gone
)


def on_random_populations(test):
    """Run ``test(case)`` on the edge cases and on random small populations."""
    cases = st.builds(
        Case,
        n=st.integers(0, 60),
        countries=st.integers(1, 5),
        gone=st.sampled_from((0.0, 0.3, 1.0)),
        seed=st.integers(0, 2**32 - 1),
    )
    test = given(case=cases)(test)
    for case in EDGE_CASES:
        test = example(case=case)(test)
    return settings(max_examples=30, deadline=None)(test)


def pick(rng: np.random.Generator, values, n: int, dtype) -> np.ndarray:
    """``n`` values drawn from a small set (so that equal values are common)."""
    return rng.choice(np.asarray(values), n).astype(dtype)


def small_floats(rng: np.random.Generator, shape, dtype=F32) -> np.ndarray:
    """Floats of the given dtype, half of them from a few round values (zeros and ties)."""
    x = rng.random(shape).astype(dtype) * dtype(3)
    return np.where(rng.random(shape) < 0.5, pick(rng, [0.0, 0.5, 1.0, 2.0], x.size, dtype).reshape(x.shape), x)


def random_population(case: Case) -> tuple[Population, np.random.Generator]:
    """A population of ``case.n`` rows with every field drawn at random, and the generator
    for the rest of the test's inputs. Held in a :class:`Population`, so that the
    kernels see the same array layouts as in a run."""
    rng = np.random.default_rng(case.seed)
    n, c = case.n, case.countries
    pop = Population(c)
    values = {
        "gone": rng.random(n) < case.gone,
        "nationality": rng.integers(0, c, n),
        "country": rng.integers(0, c, n),
        "phd_country": rng.integers(-1, c, n),
        "sector": rng.integers(0, len(Sector), n),
        "age": rng.integers(22, 68, n),
        "phd_year": pick(rng, [-1, YEAR - 3, YEAR], n, np.int16),
        "doctoral_left": rng.integers(0, 4, n),
        "contract_end": YEAR + rng.integers(-2, 3, n),
        "fixed_years": rng.integers(0, 12, n),
        "talent": rng.standard_normal(n).astype(F32),
        "years_abroad": pick(rng, [0.0, 0.5, 1.0, 3.0, 5.0, 12.25], n, F32),
        "visit_dest": rng.integers(-1, c, n),
        "visits": rng.integers(0, 3, n),
        "standing": small_floats(rng, n) / F32(3),
        "papers": small_floats(rng, n),
        "papers_cum": small_floats(rng, n) * F32(10),
        "impact": small_floats(rng, n),
        "intl": small_floats(rng, n) / F32(3),
        "moves": rng.integers(0, 3, n),
        "last_move_year": pick(rng, [-1, YEAR - 2, YEAR - 1, YEAR], n, np.int16),
        "unemployed_years": rng.integers(0, 101, n),
        "left_year": np.where(rng.random(n) < 0.5, -1, YEAR - rng.integers(0, 8, n)),
        "fellow_until": np.where(rng.random(n) < 0.7, 0, YEAR + rng.integers(-1, 2, n)),
        "fellow_guarantee": rng.integers(-1, 3, n),
        "guaranteed_until": pick(rng, [0, YEAR + 1], n, np.int16),
        "ties": small_floats(rng, (n, c)),
    }
    pop.append(n, **values)
    return pop, rng


def copy_of(people: People) -> People:
    """The columns copied, for a reference to change in place."""
    return People(*(a.copy() for a in people))


def assert_same(got, expected, what: str = "") -> None:
    """Bit-for-bit equal, in the same dtype and shape."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, (what, got.dtype, expected.dtype)
    assert got.shape == expected.shape, (what, got.shape, expected.shape)
    assert np.array_equal(got, expected, equal_nan=True), what
    assert got.tobytes() == expected.tobytes(), what


def assert_same_people(got: People, expected: People) -> None:
    """Every column bit-for-bit equal."""
    for name, a, b in zip(People._fields, got, expected, strict=True):
        assert_same(a, b, name)


def rows_of(rng: np.random.Generator, mask: np.ndarray) -> np.ndarray:
    """A random subset, in random order, of the rows where ``mask`` holds."""
    rows = np.flatnonzero(mask)
    return rng.permutation(rows[rng.random(rows.size) < 0.8])


def n_countries(people: People) -> int:
    return people.ties.shape[0]


# --- the population's view ----------------------------------------------------------------


def test_people_are_views_of_population_fields():
    pop, _ = random_population(Case(n=20, countries=3, gone=0.3, seed=0))
    assert People._fields == tuple(name for name in FIELDS if name in People._fields)  # fields, in their order

    def assert_live_views() -> None:
        for name in People._fields:
            view = getattr(pop.people, name)
            assert view.shape[-1] == len(pop)
            assert np.shares_memory(view, getattr(pop, name))

    assert_live_views()
    assert pop.people is pop.people  # kept while the rows stay the same
    pop.append(5)
    assert_live_views()
    pop.append(4000)  # the buffers are reallocated
    assert_live_views()
    pop.compact(np.arange(len(pop)) % 3 > 0)
    assert_live_views()


# --- shared (kernel_common.py) ----------------------------------------------------------


@pytest.mark.parametrize("without_fellows", [False, True])
@on_random_populations
def test_post_holders(case, without_fellows):
    pop, _ = random_population(case)
    p = pop.people
    expected = np.flatnonzero(~p.gone & is_post(p.sector) & ~(without_fellows & (p.fellow_until != 0)))
    assert_same(kernel_common.post_holders(p, without_fellows), expected)


# --- the population (population_kernels.py) ---------------------------------------------


@on_random_populations
def test_compaction_moves(case):
    pop, _ = random_population(case)
    keep, n = ~pop.gone, len(pop)
    k = np.count_nonzero(keep[:n])
    holes, movers, got_k = population_kernels.compaction_moves(keep, n)
    assert got_k == k
    assert_same(holes, np.flatnonzero(~keep[:k]))
    assert_same(movers, k + np.flatnonzero(keep[k:n]))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
@on_random_populations
def test_move_columns(case, dtype):
    pop, rng = random_population(case)
    holes, movers, _ = population_kernels.compaction_moves(~pop.gone, len(pop))
    buf = rng.integers(0, np.iinfo(dtype).max, (case.countries, len(pop) + 3), dtype=dtype)
    expected = buf.copy()
    expected[:, holes] = expected[:, movers]
    population_kernels.move_columns(buf, holes, movers)
    assert_same(buf, expected)


# --- step 2, posts (funding_kernels.py) --------------------------------------------------


@on_random_populations
def test_count_posts(case):
    pop, _ = random_population(case)
    p = pop.people
    c = n_countries(p)
    held = ~p.gone & is_post(p.sector) & (p.fellow_until == 0)
    cells = p.country[held].astype(np.int64) * N_SECTORS + p.sector[held]
    expected = np.bincount(cells, minlength=c * N_SECTORS).reshape(c, N_SECTORS)
    assert_same(funding_kernels.count_posts(p), expected)


# --- step 3, demography (demography_kernels.py) ------------------------------------------


@on_random_populations
def test_age_and_retire(case):
    pop, rng = random_population(case)
    rules = demography_kernels.AgeingRules(
        int(rng.integers(40, 70)), int(rng.integers(1, 8)), YEAR + rng.integers(-2, 2, case.countries)
    )
    e = copy_of(pop.people)
    live = ~e.gone
    e.age[live] += 1
    e.fixed_years[live & (e.sector == Sector.ACAD_FIXED) & (rules.cap_from_year[e.country] < YEAR)] += 1
    left_long = (e.sector == Sector.LEFT) & (YEAR - e.left_year >= rules.tracking_years)
    expected = np.flatnonzero(live & ((e.age >= rules.retirement_age) | left_long))
    e.gone[expected] = True
    assert_same(demography_kernels.age_and_retire(pop.people, YEAR, rules), expected)
    assert_same_people(pop.people, e)


@on_random_populations
def test_exits_from_research(case):
    pop, rng = random_population(case)
    p = pop.people
    hazards = demography_kernels.ExitHazards(
        pick(rng, [0.0, 0.05, 0.5, 1.5], len(Sector), np.float64), float(rng.random()), rng.random(case.countries) * 2
    )
    at_risk = ~p.gone & (p.sector != Sector.LEFT) & (p.fellow_until == 0)
    h = hazards.by_sector[p.sector]
    longer = hazards.unemployed_increase * np.maximum(p.unemployed_years.astype(np.int64) - 1, 0)
    h = np.where(p.sector == Sector.UNEMPLOYED, h + longer, h)
    h = np.where(p.sector == Sector.DOCTORAL, h * hazards.dropout_multiplier[p.country], h)
    u = np.where(rng.random(len(pop)) < 0.3, np.minimum(h, 1.0), rng.random(len(pop)))  # draws equal to the hazard
    expected = np.flatnonzero(at_risk & (u < np.minimum(h, 1.0)))
    assert_same(demography_kernels.exits_from_research(p, u, hazards), expected)


@on_random_populations
def test_graduations(case):
    pop, _ = random_population(case)
    e = copy_of(pop.people)
    study = ~e.gone & (e.sector == Sector.DOCTORAL)
    e.doctoral_left[study] -= 1
    expected = np.flatnonzero(study & (e.doctoral_left <= 0))
    assert_same(demography_kernels.graduations(pop.people), expected)
    assert_same_people(pop.people, e)


@on_random_populations
def test_young_academics(case):
    pop, _ = random_population(case)
    p = pop.people
    young = ~p.gone & is_academic(p.sector) & (p.age < 40)
    perm, total = demography_kernels.young_academics(p)
    c = n_countries(p)
    assert_same(perm, np.bincount(p.country[young & (p.sector == Sector.ACAD_PERM)], minlength=c))
    assert_same(total, np.bincount(p.country[young], minlength=c))


@on_random_populations
def test_end_of_year_counters(case):
    pop, _ = random_population(case)
    e = copy_of(pop.people)
    live = ~e.gone
    unemployed = live & (e.sector == Sector.UNEMPLOYED)
    e.unemployed_years[unemployed] = np.minimum(e.unemployed_years[unemployed] + 1, 100)
    e.years_abroad[live & (e.sector != Sector.LEFT) & (e.nationality != e.country)] += F32(1.0)
    demography_kernels.end_of_year_counters(pop.people)
    assert_same_people(pop.people, e)


# --- step 4, contract ends (contracts_kernels.py) ----------------------------------------


@on_random_populations
def test_contracts_ending(case):
    pop, _ = random_population(case)
    p = pop.people
    ending = ~p.gone & (p.sector == Sector.ACAD_FIXED) & (p.fellow_until == 0) & (p.contract_end < YEAR)
    assert_same(contracts_kernels.contracts_ending(p, YEAR), np.flatnonzero(ending))


# --- step 5, the job market (market_kernels.py) ------------------------------------------


@pytest.mark.parametrize("on_the_job", [False, True])
@on_random_populations
def test_seekers(case, on_the_job):
    pop, rng = random_population(case)
    p = pop.people
    rules = market_kernels.SearchRules(
        pick(rng, [0.0, 0.1, 0.5], len(Sector), np.float64), on_the_job, int(rng.integers(1, 6)), 0.25
    )
    search = np.where(rng.random(len(pop)) < 0.3, rules.rate_by_sector[p.sector], rng.random(len(pop)))
    reentry = pick(rng, [0.1, 0.25, 0.9], len(pop), np.float64)
    since = YEAR - p.left_year
    seek = (
        (p.sector == Sector.UNEMPLOYED)
        | (is_post(p.sector) & on_the_job & (p.fellow_until == 0) & (search < rules.rate_by_sector[p.sector]))
        | ((p.sector == Sector.LEFT) & (since >= 1) & (since < rules.tracking_years) & (reentry < rules.reentry_rate))
    )
    got = market_kernels.seekers(p, market_kernels.SeekerDraws(search, reentry), rules, YEAR)
    assert_same(got, np.flatnonzero(~p.gone & seek))


@on_random_populations
def test_post_holders_by_nationality(case):
    pop, _ = random_population(case)
    p = pop.people
    c = n_countries(p)
    held = ~p.gone & is_post(p.sector)
    pairs = p.nationality[held].astype(np.int64) * c + p.country[held]
    assert_same(market_kernels.post_holders_by_nationality(p), np.bincount(pairs, minlength=c * c).reshape(c, c))


def random_seeker_weights(rng: np.random.Generator, frictions: bool) -> market_kernels.SeekerWeights:
    f64 = [float(x) for x in rng.normal(0, 1, 5)]
    f32 = [F32(x) for x in rng.normal(0, 0.5, 6)]
    return market_kernels.SeekerWeights(*f64, *f32, information_frictions=frictions)


@pytest.mark.parametrize("frictions", [True, False])
@on_random_populations
def test_seeker_country_terms(case, frictions):
    pop, rng = random_population(case)
    p, c = pop.people, case.countries
    countries = market_kernels.CountryTerms(
        rng.random((c, c)) / 3,
        rng.random((c, c)),
        rng.random((c, c)) * 2,
        rng.normal(0, 1, c),
        0.3 * rng.random((c, c)),
    )
    w = random_seeker_weights(rng, frictions)
    rows = rows_of(rng, np.ones(len(pop), bool))
    nat, cur, t = p.nationality[rows], p.country[rows], p.ties[:, rows].T
    d = np.arange(c)
    home = nat[:, None] == d
    dia = countries.diaspora[nat]
    age_cost = w.move + w.move_per_decade_over_30 * np.maximum(p.age[rows].astype(F32) - F32(30), F32(0)) / F32(10)
    move = age_cost[:, None] + w.move_per_1e4km * countries.distance_1e4km[cur]
    pc = (((w.home * home + w.diaspora * countries.community[nat]) + w.ties * t) - (cur[:, None] != d) * move) + (
        w.overseas_value * ~home
    ) * countries.overseas_value[nat][:, None]
    from_home = (w.visibility_home + w.visibility_ties * t) + countries.home_visibility[nat, cur][:, None]
    from_abroad = (w.visibility_base + w.visibility_ties * t) + w.visibility_diaspora * dia
    vis = np.clip(np.where(cur[:, None] == d, 1.0, np.where(home, from_home, from_abroad)), 0, 1)
    if not frictions:
        vis = np.ones_like(vis)
    got_pc, got_vis = market_kernels.seeker_country_terms(p, rows, countries, w)
    assert_same(got_pc, pc)
    assert_same(got_vis, vis)


@on_random_populations
def test_acceptable_options(case):
    _, rng = random_population(case)
    n, c = case.n, case.countries
    seen = rng.random((n, c)) < 0.6
    pc = small_floats(rng, (n, c), np.float64) - 1.0
    cell_utility = small_floats(rng, (c, N_POST), np.float64)
    open_cell = rng.random((c, N_POST)) < 0.8
    noise = small_floats(rng, (np.count_nonzero(seen), N_POST))
    has_phd = rng.random(n) < 0.7
    outside = pick(rng, [-1.0, 0.0, 0.5, 1.0, 2.0], n, np.float64)  # utilities equal to these are common
    s, cc = np.nonzero(seen)
    u = (pc[s, cc][:, None] + cell_utility[cc]) + noise.astype(np.float64)
    j = np.arange(N_POST)
    ok = open_cell[cc] & ~((j < 2)[None, :] & ~has_phd[s][:, None]) & (u > outside[s][:, None])
    seeker = np.broadcast_to(s[:, None], u.shape)
    cell = cc[:, None] * N_POST + j
    got = market_kernels.acceptable_options(
        market_kernels.SeekerTerms(pc, seen, has_phd, outside), cell_utility, open_cell, noise
    )
    for g, e in zip(got, (u[ok], seeker[ok], cell[ok]), strict=True):
        assert_same(g, e)


@pytest.mark.parametrize("max_options", [1, 3, 8])
@on_random_populations
def test_preference_lists(case, max_options):
    _, rng = random_population(case)
    n = case.n
    seeker = np.sort(rng.integers(0, max(n, 1), 4 * n))  # grouped by seeker, some with no option
    key = pick(rng, [0.1, 0.2, 0.3, 1.5, 2.25], seeker.size, np.float64)  # many equal keys
    cell = rng.integers(0, 20, seeker.size)
    order = np.lexsort((key, seeker))
    by_seeker = seeker[order]
    rank = np.arange(order.size) - np.searchsorted(by_seeker, by_seeker, side="left")
    listed = rank < max_options
    prefs = np.full((n, max_options), -1, np.int64)
    prefs[by_seeker[listed], rank[listed]] = cell[order][listed]
    got_prefs, got_flat = market_kernels.preference_lists(key, seeker, cell, n, max_options)
    assert_same(got_prefs, prefs)
    assert_same(got_flat, np.flatnonzero(prefs >= 0))


@on_random_populations
def test_hiring_score(case):
    _, rng = random_population(case)
    n, c = 3 * case.n, case.countries
    apps = market_kernels.Applications(
        merit=small_floats(rng, n, np.float64) - 1.0,
        nationality=rng.integers(0, c, n),
        years_abroad=pick(rng, [0.0, 1.0, 3.0, 4.5, 7.0], n, F32),
        standing=small_floats(rng, n) / F32(3),
        has_phd=rng.random(n) < 0.7,
        country=rng.integers(0, c, n),
        column=rng.integers(0, N_POST, n),
    )
    w = market_kernels.EmployerWeights(
        rng.random(c), rng.random(c), rng.random(c), rng.normal(0, 1, c), F32(rng.choice([3.0, 4.5, 5.0]))
    )
    a, k = apps, apps.country
    national = a.nationality == k
    experience = np.minimum(a.years_abroad, w.experience_cap) / w.experience_cap
    expected = (
        ((a.merit + w.overseas_valuation[k] * experience) + (w.insider_preference[k] * a.standing) * national)
        - (w.foreign_permanent_penalty[k] * (a.column == 0)) * ~national
    ) + (w.phd_bonus[k] * (a.column >= 2)) * a.has_phd
    assert_same(market_kernels.hiring_score(apps, w), expected)


@pytest.mark.parametrize("seed", range(20))
def test_radix_argsort(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3000))
    x = rng.integers(0, 40, n) + rng.random(n)
    if seed % 2:  # many equal keys
        x = np.round(x, 1)
    if seed % 3 == 0:  # signs, both zeros, infinities and NaN
        x -= 20
        for value, share in ((-0.0, 0.1), (0.0, 0.1), (-np.inf, 0.05), (np.inf, 0.05), (np.nan, 0.05)):
            x[rng.random(n) < share] = value
    assert_same(market_kernels.radix_argsort(x), np.argsort(x, kind="stable"))


def deferred_acceptance_reference(prefs, keys, capacity, max_rounds) -> np.ndarray:
    """Deferred acceptance in rounds, as the kernel's docstring says, in plain Python."""
    n, m = prefs.shape
    held: list[list[tuple[float, int, int]]] = [[] for _ in capacity]  # per cell: (key, seeker, rank), best first
    free = [(s, 0) for s in range(n)]
    for _ in range(max_rounds):
        at_once, new = [], [[] for _ in capacity]
        for s, r in free:
            c = prefs[s, r]
            if c < 0:
                continue
            full = len(held[c]) >= capacity[c]
            if full and (capacity[c] <= 0 or keys[s, r] >= held[c][-1][0]):
                at_once.append((s, r))
            else:
                new[c].append((keys[s, r], s, r))
        if not at_once and not any(new):
            break
        displaced = []
        for c, proposals in enumerate(new):
            if proposals:
                merged = sorted(held[c] + proposals, key=lambda entry: entry[0])  # stable: held first
                held[c] = merged[: capacity[c]]
                displaced += [(s, r) for _, s, r in merged[capacity[c] :]]
        free = [(s, r + 1) for s, r in at_once + displaced if r + 1 < m]
    match = np.full(n, -1, np.int64)
    for c, holders in enumerate(held):
        for _, s, _ in holders:
            match[s] = c
    return match


@pytest.mark.parametrize("max_rounds", [1, 2, 1000])
@on_random_populations
def test_deferred_acceptance(case, max_rounds):
    _, rng = random_population(case)
    n, m, n_cells = case.n, 4, 4 + case.countries
    # distinct cells, the listed ones first and -1 after, as preference lists come
    prefs = np.argsort(rng.random((n, n_cells)), axis=1)[:, :m]
    prefs[np.arange(m) >= rng.integers(0, m + 1, n)[:, None]] = -1
    keys = pick(rng, [-0.0, 0.0, 0.25, 0.5, 0.75], n * m, np.float64).reshape(n, m)  # many equal keys
    capacity = rng.integers(0, 4, n_cells)
    expected = deferred_acceptance_reference(prefs, keys, capacity, max_rounds)
    assert_same(market_kernels.deferred_acceptance(prefs, keys, capacity, max_rounds), expected)


# --- step 6, long visits (visits_kernels.py) ---------------------------------------------


@on_random_populations
def test_visit_logit(case):
    pop, rng = random_population(case)
    p, c = pop.people, case.countries
    w = visits_kernels.VisitWeights(
        rng.normal(0, 1, (c, N_POST)), F32(rng.normal()), float(rng.random()), rng.random(c)
    )
    rows = rows_of(rng, is_post(p.sector))
    k = p.country[rows]
    col = p.sector[rows].astype(np.int64) - Sector.ACAD_PERM
    ending = (p.sector[rows] == Sector.ACAD_FIXED) & (p.contract_end[rows] <= YEAR)
    strongest = p.ties[:, rows].max(axis=0) if rows.size else np.zeros(0, F32)
    logit = ((w.cell_logit[k, col] + w.ties * strongest) - w.contract_risk * ending) - w.insider_risk[k] * (
        p.nationality[rows] == k
    )
    got_logit, got_col = visits_kernels.visit_logit(p, rows, w, YEAR)
    assert_same(got_logit, logit)
    assert_same(got_col, col)


@on_random_populations
def test_visits_drawn(case):
    _, rng = random_population(case)
    n = case.n
    rows = rng.permutation(3 * n)[:n]
    e = np.exp(-rng.normal(0, 2, n))
    weight = pick(rng, [0.5, 1.0], N_POST, np.float64)
    col = rng.integers(0, N_POST, n)
    chance = 1.0 / (1.0 + e) * weight[col]
    u = np.where(rng.random(n) < 0.3, chance, rng.random(n))  # draws equal to the chance
    assert_same(visits_kernels.visits_drawn(rows, u, e, weight, col), rows[u < chance])


# --- step 5, return decisions (returns_kernels.py) ---------------------------------------


@on_random_populations
def test_return_candidates(case):
    pop, _ = random_population(case)
    p = pop.people
    may_return = (
        ~p.gone
        & (p.nationality != p.country)
        & (p.fellow_until == 0)
        & (p.sector >= Sector.ACAD_PERM)
        & (p.sector <= Sector.UNEMPLOYED)
    )
    assert_same(returns_kernels.return_candidates(p), np.flatnonzero(may_return))


# --- step 8, research (research_kernels.py) ----------------------------------------------


@on_random_populations
def test_paper_rates(case):
    pop, rng = random_population(case)
    p = pop.people
    log_rate = rng.normal(0, 1, case.countries * N_POST)
    w = research_kernels.PaperWeights(F32(rng.normal()), float(rng.normal()))
    rows = rows_of(rng, is_post(p.sector))
    cell = p.country[rows].astype(np.int64) * N_POST + (p.sector[rows].astype(np.int64) - Sector.ACAD_PERM)
    log_papers = (log_rate[cell] + w.talent * p.talent[rows]) + w.permanent * (p.sector[rows] == Sector.ACAD_PERM)
    got = research_kernels.paper_rates(p, rows, log_rate, w)
    for g, e in zip(got, (cell, log_papers), strict=True):
        assert_same(g, e)


def random_partners(rng: np.random.Generator, c: int) -> research_kernels.Partners:
    """Partner pools with a zero pool now and then, round weights, and balance factors
    from 1/2 to 6 (large ones cap some researchers' chance of a co-author abroad at 1)."""
    pool = np.where(rng.random(c) < 0.2, 0.0, rng.exponential(10.0, c))
    balance = np.where(rng.random((c, c)) < 0.3, 1.0, rng.uniform(0.5, 6.0, (c, c)))
    named = np.flatnonzero(rng.random(c) < 0.6).astype(np.int64)
    return research_kernels.Partners(pool, float(rng.choice([0.0, 0.01, 0.3])), float(rng.choice([0.0, 0.2, 1.5])),
                                     float(rng.choice([0.0, 1.0, 3.7])), balance, named)  # fmt: skip


def foreign_pull_reference(p: People, rows: np.ndarray, partners: research_kernels.Partners) -> np.ndarray:
    """(rows x C) pull of each foreign pool; 0 for the country of work."""
    pull = (partners.base + partners.per_tie * p.ties[:, rows].T.astype(np.float64)) * partners.pool[None, :]
    pull[np.arange(rows.size), p.country[rows]] = 0.0
    return pull


@on_random_populations
def test_coauthorship(case):
    """The one pass of step 8 against numpy: the pull of the foreign pools, the
    international share, what is stored in the population, and the sums by country."""
    pop, rng = random_population(case)
    p, c, partners = pop.people, case.countries, random_partners(rng, case.countries)
    rows = rows_of(rng, is_post(p.sector))
    out = research_kernels.Production(
        rng.integers(0, c * N_POST, rows.size),
        rng.exponential(1.0, rows.size),
        rng.standard_normal(rows.size, dtype=F32),
    )
    w = research_kernels.ImpactWeights(rng.normal(0, 1, c * N_POST), *(F32(x) for x in rng.normal(0, 1, 3)))
    raw = foreign_pull_reference(p, rows, partners)
    pull = partners.balance[p.country[rows]] * raw  # the balanced pulls
    f, balanced = raw.sum(axis=1), pull.sum(axis=1)
    den = partners.pool[p.country[rows]] + f
    q = np.where(den > 0, np.minimum(balanced / np.where(den > 0, den, 1.0), 1.0), 0.0)
    intl = (F32(1) - (F32(1) - q.astype(F32)) ** F32(partners.coauthors)).astype(F32)
    e = copy_of(p)
    e.papers[:] = 0
    e.papers[rows] = out.papers
    e.papers_cum[rows] = e.papers_cum[rows].astype(np.float64) + out.papers
    e.impact[rows] = ((w.base[out.cell] + w.talent * e.talent[rows]) + w.international * intl) + w.noise * out.noise
    e.intl[rows] = intl
    got = research_kernels.coauthorship(p, rows, out, partners, w)
    # the stored values (float32): intl and impact to float32 rounding of a float32 power
    np.testing.assert_allclose(p.intl, e.intl, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p.impact, e.impact, rtol=1e-5, atol=1e-5)
    for name in ("papers", "papers_cum"):
        assert_same(getattr(p, name), getattr(e, name), name)
    country = p.country[rows].astype(np.int64)
    papers = p.papers[rows].astype(np.float64)
    coauthored = papers * p.intl[rows]
    weights = coauthored / np.maximum(balanced, 1e-300)
    assert_same(got.country, country)
    assert_same(got.papers, papers)
    assert_same(got.impact, p.impact[rows])
    expected_sums = np.vstack([np.bincount(country, v, c) for v in (papers, coauthored, weights)])
    np.testing.assert_allclose(got.sums, expected_sums, rtol=1e-9, atol=1e-12)
    ties = np.zeros((c, c))
    np.add.at(ties, country, weights[:, None] * p.ties[:, rows].T.astype(np.float64))
    np.testing.assert_allclose(got.ties, ties, rtol=1e-9, atol=1e-12)
    # whole counts by partner: a paper counts once for each partner country among its
    # co-authors, each of them from d with probability pull_d / (own pool + F)
    x = pull * np.where(balanced > 0, q / np.where(balanced > 0, balanced, 1.0), 0.0)[:, None]
    x[:, np.setdiff1d(np.arange(c), partners.named)] = 0.0  # whole counts for the named partners only
    with_partner = np.zeros((c, c))
    np.add.at(with_partner, country, papers[:, None] * (1.0 - (1.0 - x) ** partners.coauthors))
    # the power interpolated in a table: exact to k (k - 1) / (8 M^2) a paper
    k, m = partners.coauthors, research_kernels.POWER_POINTS
    bound = np.zeros((c, c))
    np.add.at(bound, country, np.repeat(papers[:, None], c, axis=1) * (k * (k - 1) / (8 * m**2) + 1e-12))
    assert np.all(np.abs(got.with_partner - with_partner) <= bound)
    # the co-author slots asked of each partner before the balance (next year's balance)
    asked = papers[:, None] * raw / np.where(den > 0, den, np.inf)[:, None]
    demand = np.zeros((c, c))
    np.add.at(demand, country, asked)
    np.testing.assert_allclose(got.demand, demand, rtol=1e-9, atol=1e-12)


@on_random_populations
def test_update_ties(case):
    pop, rng = random_population(case)
    c = case.countries
    growth = research_kernels.TieGrowth(
        small_floats(rng, (c, c)) / F32(10), small_floats(rng, (c, c)) / F32(10), F32(0.9), F32(0.1), F32(0.95)
    )
    e = copy_of(pop.people)
    everyone = np.arange(len(pop))
    active = ~e.gone & (e.sector <= Sector.STARTUP)
    e.ties[:] = e.ties * growth.decay + np.where(active, growth.gain[e.country].T, F32(0.0))
    abroad = everyone[active & (e.nationality != e.country)]
    e.ties[e.nationality[abroad], abroad] += growth.home_gain[e.nationality[abroad], e.country[abroad]]
    e.ties[e.country, everyone] = 0.0
    home = e.nationality == e.country
    grows = ~e.gone & home & ((e.sector <= Sector.ACAD_FIXED) | (e.sector == Sector.GOVERNMENT))
    e.standing[grows] += growth.standing_gain * (F32(1.0) - e.standing[grows])
    e.standing[~e.gone & ~home & (e.sector != Sector.LEFT)] *= growth.standing_decay
    research_kernels.update_ties(pop.people, growth)
    assert_same_people(pop.people, e)


# --- step 9, observation (observation_kernels.py) ----------------------------------------


@on_random_populations
def test_nationals_abroad(case):
    pop, _ = random_population(case)
    p = pop.people
    abroad = ~p.gone & (p.sector != Sector.LEFT) & (p.nationality != p.country)
    assert_same(observation_kernels.nationals_abroad(p), np.bincount(p.nationality[abroad], minlength=n_countries(p)))


@on_random_populations
def test_census(case):
    pop, _ = random_population(case)
    p = pop.people
    c = n_countries(p)
    live = ~p.gone
    cell = (p.country, p.sector, p.age < 40, p.nationality != p.country, p.years_abroad > 0)
    dims = (c, N_SECTORS, 2, 2, 2)
    flat = np.ravel_multi_index(tuple(x.astype(np.int64) for x in cell), dims)[live]
    counts = np.bincount(flat, minlength=int(np.prod(dims))).reshape(dims)
    stayers = np.bincount(p.country[live & is_post(p.sector) & (p.last_move_year != YEAR)], minlength=c)
    got_counts, got_stayers = observation_kernels.census(p, YEAR)
    assert_same(got_counts, counts)
    assert_same(got_stayers, stayers)


@on_random_populations
def test_flow_counts(case):
    pop, rng = random_population(case)
    p, c = pop.people, case.countries
    codes = observation_kernels.FlowCodes(N_SECTORS + 2, N_SECTORS, N_SECTORS + 1)
    n0 = int(rng.integers(0, len(pop) + 1))  # the rows present at the start of the year
    changed = rng.random(n0) < 0.5
    country_start = np.where(changed, rng.integers(0, c, n0), p.country[:n0]).astype(np.int8)
    sector_start = np.where(rng.random(n0) < 0.5, rng.integers(0, len(Sector), n0), p.sector[:n0]).astype(np.int8)
    gone0 = p.gone[:n0]
    moved = gone0 | (p.country[:n0] != country_start) | (p.sector[:n0] != sector_start)
    entered = n0 + np.flatnonzero(~p.gone[n0:])
    key = (
        np.r_[country_start[moved], p.country[entered]],
        np.r_[np.where(gone0, country_start, p.country[:n0])[moved], p.country[entered]],
        np.r_[p.nationality[:n0][moved], p.nationality[entered]],
        np.r_[sector_start[moved], np.full(entered.size, codes.entry)],
        np.r_[np.where(gone0, codes.exit, p.sector[:n0])[moved], p.sector[entered]],
    )
    dims = (c, c, c, codes.n, codes.n)
    flat = np.ravel_multi_index(tuple(x.astype(np.int64) for x in key), dims)
    expected = np.bincount(flat, minlength=int(np.prod(dims)))
    assert_same(observation_kernels.flow_counts(p, country_start, sector_start, codes), expected)
