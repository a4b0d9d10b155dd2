"""The regional split of the rest of the world conserves the world.

Stocks: the same researchers, doctoral entrants and doctoral students, in the seven
countries and in the rest of the world summed over its regions, with the regions as with
the block, within run-to-run noise (baseline).

Flows: the job market counts each country's openings (its size term, ODD 7.5), so the
seekers' choice does not depend on how the world is cut into countries; with the
mechanisms that are defined per country switched off, the moves among the seven, from the
seven to the rest of the world and back, and the papers, agree with and without the
split. Those mechanisms make the regions' flows (and, through the markets their
researchers can reach, their papers) differ from the block's in the baseline, by design:
a region is a home, a host with its own distance, ties and visibility, where the block
was one country whose researchers were at home and saw every vacancy anywhere in it (ODD
7.14 measures each one's part).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from circsim.sim.model import CirculationModel
from circsim.workbench.targets import with_blocks

SEVEN = ["JP", "US", "CN", "UK", "DE", "FR", "KR"]
STOCKS = ("researchers", "phd_intake", "doctoral_students")
FLOWS = ("moves among the seven", "moves from the seven", "moves to the seven")
PAPERS = ("papers seven", "papers ROW")

# What a border means: home and its pull on returns, moving costs and distance, ties and
# the visibility of vacancies abroad, nationality in hiring and visits; and a preference
# list long enough for the regions' extra cells, with deferred acceptance run to the end.
BORDERLESS: dict = {
    "enable_information_frictions": False,
    "enable_returns": False,
    "enable_long_visits": False,
    "utility_home": 0.0,
    "utility_ties": 0.0,
    "utility_diaspora": 0.0,
    "utility_overseas_value": 0.0,
    "utility_move_cost": 0.0,
    "utility_move_cost_per_decade_over_30": 0.0,
    "utility_move_cost_per_10000_km": 0.0,
    "options_per_seeker": 40,
    "market_rounds_max": 1000,
} | {
    f"countries.{c}.{key}": 0.0
    for c in [*SEVEN, "ROW"]
    for key in ("insider_preference", "foreign_permanent_penalty", "overseas_valuation")
}


def _world(world: str, seeds: range, **overrides) -> pd.DataFrame:
    """Per seed: each stock's 2010-2022 mean in the seven countries and in the rest of
    the world, and the moves a year among the seven, between them and the rest of the
    world, and among the rest of the world's regions."""
    rows = []
    for seed in seeds:
        m = CirculationModel(rng=seed, world=world, scale=500.0, end_year=2022, **overrides).run()
        ind = with_blocks(m.indicators())
        ind = ind[ind["year"] >= 2010]
        row = {}
        for name in (*STOCKS, "papers"):
            mean = ind[ind["indicator"] == name].groupby("country")["value"].mean()
            row[f"{name} seven"], row[f"{name} ROW"] = mean[SEVEN].sum(), mean["ROW"]
        f = m.flows()
        f = f[(f["year"] >= 2010) & (f["origin"] != f["destination"])]
        f = f[(f["from_sector"] != "entry") & (f["to_sector"] != "exit")]
        src, dst = f["origin"].isin(SEVEN), f["destination"].isin(SEVEN)
        kinds = (*FLOWS, "moves among the regions")
        for name, where in zip(kinds, (src & dst, src & ~dst, ~src & dst, ~src & ~dst), strict=True):
            row[name] = f.loc[where, "count"].sum() / 13
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def baseline() -> dict[str, pd.DataFrame]:
    return {w: _world(w, range(1, 5)) for w in ("block", "regions")}


@pytest.fixture(scope="module")
def borderless() -> dict[str, pd.DataFrame]:
    return {w: _world(w, range(1, 9), **BORDERLESS) for w in ("block", "regions")}


def _agree(a: pd.Series, b: pd.Series, share: float) -> tuple[bool, tuple]:
    """Whether the means of ``a`` and ``b`` differ by at most 4 standard errors of the
    difference plus ``share`` of ``a``'s mean."""
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return abs(b.mean() - a.mean()) <= 4 * se + share * a.mean(), (a.mean(), b.mean(), se)


@pytest.mark.parametrize("stock", [f"{s} {where}" for s in STOCKS for where in ("seven", "ROW")])
def test_the_split_conserves_the_worlds_stocks(baseline, stock):
    ok, detail = _agree(baseline["block"][stock], baseline["regions"][stock], 0.005)
    assert ok, detail


@pytest.mark.parametrize(("quantity", "share"), [(f, 0.02) for f in FLOWS] + [(p, 0.005) for p in PAPERS])
def test_without_borders_the_split_conserves_the_worlds_flows_and_papers(borderless, quantity, share):
    # without the market's size term the regions drew 8-9% more moves to and from the
    # seven and 6% fewer among them (a country was one alternative whatever its size)
    ok, detail = _agree(borderless["block"][quantity], borderless["regions"][quantity], share)
    assert ok, detail


def test_only_the_regions_move_among_themselves(baseline):
    assert (baseline["block"]["moves among the regions"] == 0).all()
    assert (baseline["regions"]["moves among the regions"] > 0).all()
