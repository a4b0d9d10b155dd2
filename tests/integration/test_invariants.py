"""Invariants checked after every yearly step of full runs (2004-2040): people are
neither created nor lost except by entry and exit, no post is filled beyond its
vacancies, nobody is in two places, and the state arrays stay valid.

Two runs are audited: the baseline, and one with every lever active (so fellowships,
guaranteed posts and extra posts are exercised too).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from circsim.sim.model import CirculationModel
from circsim.sim.population import FIELDS
from circsim.sim.sectors import N_SECTORS, Sector, is_academic, is_post

ALL_LEVERS = {
    "levers.base_funding.start_year": 2012,
    "levers.competitive_funding.start_year": 2012,
    "levers.competitive_funding.multiplier": 1.3,
    "levers.competitive_funding.min_contract_years": 3,
    "levers.overseas_fellowships.start_year": 2010,
    "levers.overseas_fellowships.fellows_per_year": 20000,
    "levers.overseas_fellowships.guarantee": "fixed",
    "levers.embassy_fellows.start_year": 2012,
    "levers.contact_window.start_year": 2012,
    "levers.hiring_values_overseas.start_year": 2012,
    "levers.open_permanent_posts.start_year": 2012,
    "levers.admin_load.start_year": 2012,
    "levers.doctoral_stipends.start_year": 2012,
    "levers.phd_careers.start_year": 2012,
    "levers.startup_support.start_year": 2012,
    "levers.joint_programme.start_year": 2012,
    "levers.satreps.start_year": 2012,
    "levers.researcher_communities.start_year": 2012,
    "levers.university_fund.start_year": 2012,
}


@dataclass
class Audit:
    model: CirculationModel
    years: list[int] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    before: dict[int, np.ndarray] = field(default_factory=dict)  # stock per country at the start of each year
    after: dict[int, np.ndarray] = field(default_factory=dict)  # and at its end
    entries: dict[int, np.ndarray] = field(default_factory=dict)  # new person ids, by country
    exits: dict[int, np.ndarray] = field(default_factory=dict)  # vanished person ids, by start country
    inflows: dict[int, np.ndarray] = field(default_factory=dict)  # people whose country changed, by new country
    outflows: dict[int, np.ndarray] = field(default_factory=dict)  # and by old country
    seen: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # people each check looked at


def _check(audit: Audit, year: int, m: CirculationModel) -> None:
    pop, n, fail = m.pop, m.n_countries, audit.failures
    sector, country, nat = pop.sector, pop.country, pop.nationality

    def expect(name: str, ok) -> None:
        if not bool(np.all(ok)):
            fail[name].append(year)

    expect("pid unique", np.unique(pop.pid).size == len(pop))
    expect("sector valid", (sector >= 0) & (sector < N_SECTORS))
    expect("country valid", (country >= 0) & (country < n) & (nat >= 0) & (nat < n))
    for name, f in FIELDS.items():
        if np.issubdtype(f.dtype, np.floating):
            expect(f"{name} finite", np.isfinite(getattr(pop, name)))
    visiting = pop.visit_dest >= 0
    audit.seen["visitors"] += int(visiting.sum())
    expect("visit_dest valid", pop.visit_dest < n)
    expect("visitor not visiting where they are", pop.visit_dest[visiting] != country[visiting])
    expect("visitor holds a post", is_post(sector[visiting]))
    fellows = pop.fellow_until > 0
    audit.seen["fellows"] += int(fellows.sum())
    expect("fellow abroad", country[fellows] != nat[fellows])
    expect("fellow on a fixed-term post", sector[fellows] == Sector.ACAD_FIXED)
    expect("academic has a doctorate", pop.phd_year[is_academic(sector)] >= 0)
    expect("doctoral student has study left", pop.doctoral_left[sector == Sector.DOCTORAL] >= 1)
    expect("age below retirement", (pop.age < m.p.retirement_age_years) & (pop.age >= 15))
    expect("left_year set exactly for leavers", (sector == Sector.LEFT) == (pop.left_year >= 0))
    log = m.last_log
    expect("market hires within vacancies", log.market_hires <= log.market_vacancies)
    expect("market hires non-negative", log.market_hires >= 0)


def _audit(**overrides) -> Audit:
    m = CirculationModel(rng=11, scale=2000, end_year=2040, **overrides)
    audit = Audit(m)
    n = m.n_countries
    while m.running:
        year = m.year
        pid0, c0 = m.pop.pid.copy(), m.pop.country.astype(np.int64)
        m.step()
        pid1, c1 = m.pop.pid.copy(), m.pop.country.astype(np.int64)
        audit.years.append(year)
        audit.before[year] = np.bincount(c0, minlength=n)
        audit.after[year] = np.bincount(c1, minlength=n)
        new = ~np.isin(pid1, pid0)
        gone = ~np.isin(pid0, pid1)
        audit.entries[year] = np.bincount(c1[new], minlength=n)
        audit.exits[year] = np.bincount(c0[gone], minlength=n)
        if new.any() and (~gone).any():
            _check_new_ids(audit, year, pid0, pid1[new])
        # survivors: where they were at the start and at the end of the year
        s0 = pd.Series(c0[~gone], index=pid0[~gone])
        s1 = pd.Series(c1[~new], index=pid1[~new]).reindex(s0.index)
        moved = s0.to_numpy() != s1.to_numpy()
        audit.inflows[year] = np.bincount(s1.to_numpy()[moved], minlength=n)
        audit.outflows[year] = np.bincount(s0.to_numpy()[moved], minlength=n)
        _check(audit, year, m)
    return audit


def _check_new_ids(audit: Audit, year: int, old: np.ndarray, new: np.ndarray) -> None:
    if new.min() <= old.max():
        audit.failures["new person ids are fresh"].append(year)


@pytest.fixture(scope="module", params=["baseline", "all_levers"])
def audit(request) -> Audit:
    return _audit() if request.param == "baseline" else _audit(**ALL_LEVERS)


def _flows_by_year(m: CirculationModel) -> dict[str, pd.DataFrame]:
    f = m.flows()
    f = f.assign(agents=np.rint(f["count"] / m.p.scale).astype(np.int64))
    codes = list(m.codes)

    def table(rows: pd.DataFrame, by: str) -> pd.DataFrame:
        t = rows.groupby(["year", by])["agents"].sum().unstack(fill_value=0)
        return t.reindex(columns=codes, fill_value=0)

    entry = f[f["from_sector"] == "entry"]
    exit_ = f[f["to_sector"] == "exit"]
    move = f[(f["origin"] != f["destination"]) & (f["from_sector"] != "entry") & (f["to_sector"] != "exit")]
    return {
        "entry": table(entry, "destination"),
        "exit": table(exit_, "origin"),
        "in": table(move, "destination"),
        "out": table(move, "origin"),
    }


def _row(t: pd.DataFrame, year: int, n: int) -> np.ndarray:
    return t.loc[year].to_numpy() if year in t.index else np.zeros(n, dtype=np.int64)


def test_run_covers_every_year(audit):
    assert audit.years == list(range(2004, 2041))
    assert not audit.model.running


def test_stock_changes_only_by_entry_exit_and_moves(audit):
    """Per country and year: end stock = start + entries - exits + inflows - outflows."""
    n = audit.model.n_countries
    for year in audit.years:
        expected = (
            audit.before[year] + audit.entries[year] - audit.exits[year] + audit.inflows[year] - audit.outflows[year]
        )
        np.testing.assert_array_equal(audit.after[year], expected, err_msg=str(year))
        assert audit.before[year].sum() + audit.entries[year].sum() - audit.exits[year].sum() == (
            audit.after[year].sum()
        )
        assert audit.inflows[year].sum() == audit.outflows[year].sum()
        if year > audit.years[0]:
            np.testing.assert_array_equal(audit.before[year], audit.after[year - 1])
    assert n == len(audit.model.codes)


def test_flows_table_accounts_for_every_person(audit):
    """The flows table's entries, exits and moves match the population, per country and year."""
    m, n = audit.model, audit.model.n_countries
    tables = _flows_by_year(m)
    for year in audit.years:
        for name, mine in (
            ("entry", audit.entries),
            ("exit", audit.exits),
            ("in", audit.inflows),
            ("out", audit.outflows),
        ):
            np.testing.assert_array_equal(_row(tables[name], year, n), mine[year], err_msg=f"{name} {year}")
        stock = (
            audit.before[year]
            + _row(tables["entry"], year, n)
            - _row(tables["exit"], year, n)
            + _row(tables["in"], year, n)
            - _row(tables["out"], year, n)
        )
        np.testing.assert_array_equal(stock, audit.after[year], err_msg=str(year))


def test_people_enter_and_leave(audit):
    assert sum(e.sum() for e in audit.entries.values()) > 0
    assert sum(e.sum() for e in audit.exits.values()) > 0
    assert sum(e.sum() for e in audit.inflows.values()) > 0


@pytest.mark.parametrize(
    "check",
    [
        "pid unique",
        "new person ids are fresh",
        "sector valid",
        "country valid",
        "visit_dest valid",
        "visitor not visiting where they are",
        "visitor holds a post",
        "fellow abroad",
        "fellow on a fixed-term post",
        "academic has a doctorate",
        "doctoral student has study left",
        "age below retirement",
        "left_year set exactly for leavers",
        "market hires within vacancies",
        "market hires non-negative",
    ],
)
def test_yearly_invariant(audit, check):
    assert audit.failures.get(check, []) == [], f"violated in years {audit.failures[check]}"


def test_no_nan_or_inf_in_state_arrays(audit):
    bad = {k: v for k, v in audit.failures.items() if k.endswith(" finite")}
    assert bad == {}


def test_fellows_were_exercised_when_the_lever_is_on(audit):
    m = audit.model
    assert audit.seen["visitors"] > 0
    assert (audit.seen["fellows"] > 0) == ("overseas_fellowships" in m.levers)
    f = m.flows()
    if "overseas_fellowships" in m.levers:
        jp = f[(f["nationality"] == "JP") & (f["origin"] == "JP") & (f["destination"] != "JP")]
        assert jp["count"].sum() > 0
    else:
        assert m.levers == {}


def test_researcher_counts_add_up_by_sector(audit):
    df = audit.model.indicators().pivot_table(index=["year", "country"], columns="indicator", values="value")
    parts = df[[f"researchers_{s}" for s in ("acad_perm", "acad_fixed", "industry", "government", "startup")]]
    np.testing.assert_allclose(df["researchers"], parts.sum(axis=1))
    assert (df["researchers"] > 0).all()
