"""The regional split of the rest of the world conserves the world's stocks: the same
researchers, doctoral entrants and papers, in the seven countries and in the rest of the
world summed over its regions, with the regions as with the block, within run-to-run
noise. (Flows are not conserved: the job market chooses among countries, so six regions
are six alternatives where the block was one, and the regions' researchers also move
among themselves; docs/ODD.md section 7.14.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from circsim.sim.model import CirculationModel
from circsim.workbench.targets import with_blocks

SEVEN = ["JP", "US", "CN", "UK", "DE", "FR", "KR"]
SEEDS = range(1, 5)
STOCKS = ("researchers", "phd_intake", "papers", "doctoral_students")


def _world(world: str) -> pd.DataFrame:
    """Per seed: each stock's 2010-2022 mean in the seven countries and in the rest of
    the world, and the moves a year among the rest of the world's regions."""
    rows = []
    for seed in SEEDS:
        m = CirculationModel(rng=seed, world=world, scale=500.0, end_year=2022).run()
        ind = with_blocks(m.indicators())
        ind = ind[ind["year"] >= 2010]
        row = {}
        for name in STOCKS:
            mean = ind[ind["indicator"] == name].groupby("country")["value"].mean()
            row[f"{name} seven"], row[f"{name} ROW"] = mean[SEVEN].sum(), mean["ROW"]
        f = m.flows()
        moved = (f["year"] >= 2010) & (f["origin"] != f["destination"]) & (f["from_sector"] != "entry")
        among = moved & ~f["origin"].isin(SEVEN) & ~f["destination"].isin(SEVEN) & (f["to_sector"] != "exit")
        row["moves among the regions"] = f.loc[among, "count"].sum() / 13
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def worlds() -> dict[str, pd.DataFrame]:
    return {w: _world(w) for w in ("block", "regions")}


@pytest.mark.parametrize("stock", [f"{s} {where}" for s in STOCKS for where in ("seven", "ROW")])
def test_the_split_conserves_the_worlds_stocks(worlds, stock):
    a, b = worlds["block"][stock], worlds["regions"][stock]
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert abs(b.mean() - a.mean()) <= 4 * se + 0.005 * a.mean(), (a.mean(), b.mean(), se)


def test_only_the_regions_move_among_themselves(worlds):
    assert (worlds["block"]["moves among the regions"] == 0).all()
    assert (worlds["regions"]["moves among the regions"] > 0).all()
