"""The rest of the world as regions (``model.world = "regions"``) or as one block
(``"block"``): how the data files are read at either level, how scenario settings and
lever partners named by the block reach its parts, and how targets on the block are
summed from the parts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.simkit import tiny_model

from circsim.errors import InputError
from circsim.sim.inputs import (
    DATA_DIR,
    EXTENSIVE_KEYS,
    all_regions,
    is_country,
    load_country_values,
    load_origins,
    load_regions,
    parts_of,
)
from circsim.sim.scenario import country_params, from_overrides
from circsim.workbench.calibrate import load_calibration
from circsim.workbench.targets import read_targets, with_blocks

SEVEN = ("JP", "US", "CN", "UK", "DE", "FR", "KR")
PARTS = ("SEA", "SAS", "AFR", "LAM", "OHI", "OTH")


def test_the_regions_replace_the_block_in_place():
    assert tuple(r.code for r in load_regions("regions")) == SEVEN + PARTS
    assert tuple(r.code for r in load_regions("block")) == (*SEVEN, "ROW")
    assert parts_of("regions") == {"ROW": PARTS} and parts_of("block") == {}
    assert [is_country(c) for c in (*SEVEN, "ROW", *PARTS)] == [True] * 7 + [False] * 7


def test_parts_take_the_blocks_rates_and_add_up_to_its_people():
    values = load_country_values()
    regions = {r.code: r for r in all_regions()}
    for part in PARTS:
        assert values[part]["pay_index"] == values["ROW"]["pay_index"]  # a rate: the block's
        assert values[part]["renewal_prob"] == values["ROW"]["renewal_prob"]
    assert values["ROW"]["researchers_fte"] == sum(values[p]["researchers_fte"] for p in PARTS) == 3_300_000
    doctorates = sum(values[p]["doctorates_per_million"] * regions[p].population_m for p in PARTS)
    assert values["ROW"]["doctorates_per_million"] * regions["ROW"].population_m == pytest.approx(doctorates)
    assert sum(regions[p].population_m for p in PARTS) == pytest.approx(regions["ROW"].population_m, rel=5e-3)


def _data_dir(tmp_path: Path, edit: dict[str, callable]) -> Path:
    for name in ("regions.csv", "countries.csv", "origins.csv"):
        text = (DATA_DIR / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(edit.get(name, lambda t: t)(text), encoding="utf-8")
    return tmp_path


def test_a_part_must_set_the_figures_that_add_up(tmp_path):
    def drop(text: str) -> str:
        return "\n".join(line for line in text.splitlines() if not line.startswith("AFR,researchers_fte,")) + "\n"

    with pytest.raises(InputError, match=r"countries\.csv.*AFR,researchers_fte") as err:
        load_country_values(_data_dir(tmp_path, {"countries.csv": drop}))
    assert all(k in str(err.value) for k in EXTENSIVE_KEYS)


def test_parts_whose_populations_miss_the_blocks_are_refused(tmp_path):
    def grow(text: str) -> str:
        return text.replace("AFR,Africa,5.0,20.0,1358.6,", "AFR,Africa,5.0,20.0,1500.0,")

    with pytest.raises(InputError, match=r"regions\.csv.*ROW\.population_m.*add up to 5828\.4"):
        load_country_values(_data_dir(tmp_path, {"regions.csv": grow}))


def test_origins_are_read_at_either_level():
    regions = tuple(r.code for r in load_regions("regions"))
    block = tuple(r.code for r in load_regions("block"))
    split, whole = load_origins(regions), load_origins(block)
    ix = {c: i for i, c in enumerate(regions)}
    parts = [ix[p] for p in PARTS]
    # the block world sees the parts' shares summed; the countries' own shares are the same
    np.testing.assert_allclose(split[: len(SEVEN), parts].sum(axis=1), whole[: len(SEVEN), -1])
    np.testing.assert_allclose(split[: len(SEVEN), : len(SEVEN)], whole[: len(SEVEN), : len(SEVEN)])
    # the US's doctorates by region (NSF SED): South Asia first
    us = split[ix["US"], parts]
    assert PARTS[int(np.argmax(us))] == "SAS"
    # Japan names four regions; its remaining 0.007 goes to the two it does not name
    jp = dict(zip(PARTS, split[ix["JP"], parts], strict=True))
    assert jp["AFR"] + jp["LAM"] == pytest.approx(0.007) and jp["SEA"] == pytest.approx(0.114)
    # a part without rows of its own takes the block's
    for p in parts:
        np.testing.assert_allclose(split[p, : len(SEVEN)], whole[-1, : len(SEVEN)])
        assert split[p, parts].sum() == 0


def test_settings_of_the_block_reach_its_parts_unless_a_part_sets_its_own():
    scen = from_overrides({"countries.ROW.pay_index": 0.7, "countries.SAS.pay_index": 0.2})
    params = country_params(scen)
    assert params["SAS"].pay_index == 0.2
    assert all(params[p].pay_index == 0.7 for p in PARTS if p != "SAS")
    block = country_params(from_overrides({"world": "block", "countries.ROW.pay_index": 0.7}))
    assert block["ROW"].pay_index == 0.7 and "SAS" not in block
    with pytest.raises(InputError, match=r"countries\.XX.*ROW"):
        from_overrides({"countries.XX.pay_index": 0.7})
    with pytest.raises(InputError, match=r"countries\.SAS.*JP"):  # no part in the block world
        from_overrides({"world": "block", "countries.SAS.pay_index": 0.7})


def test_a_lever_partner_named_by_the_block_means_its_parts():
    m = tiny_model()
    assert [m.codes[i] for i in m.indices(["ROW", "US"])] == [*PARTS, "US"]
    assert [m.codes[i] for i in m.indices(["SAS"])] == ["SAS"]
    block = tiny_model(world="block")
    assert [block.codes[i] for i in block.indices(["ROW"])] == ["ROW"]


def test_with_blocks_sums_counts_of_the_parts_and_leaves_shares():
    rows = [(c, ind, v) for c, v in zip(PARTS, range(1, 7), strict=True)
            for ind in ("papers", "foreign_share")]  # fmt: skip
    table = pd.DataFrame(rows, columns=["country", "indicator", "value"]).assign(year=2017, run_id="a")
    out = with_blocks(table)
    row = out[out["country"] == "ROW"]
    assert list(row["indicator"]) == ["papers"] and float(row["value"].iloc[0]) == 21.0
    assert len(with_blocks(out)) == len(out)  # already summed: unchanged


def test_a_target_on_the_block_must_be_a_count(tmp_path):
    path = tmp_path / "targets.csv"
    row = "foreign_share,ROW,2017,0.1,0.05,target,mobility,test"
    path.write_text("indicator,country,year,value,tolerance,status,group,source\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: ROW is simulated as its parts.*foreign_share"):
        read_targets(path)
    path.write_text(path.read_text(encoding="utf-8").replace("foreign_share", "papers"), encoding="utf-8")
    assert read_targets(path)["country"].tolist() == ["ROW"]


def test_a_calibration_keeps_the_regions_its_block_targets_sum():
    """The calibration's runs keep only the targets' countries: a target on the rest of the
    world keeps its regions (with ROW itself there would be nothing to sum)."""
    keep = load_calibration(Path(__file__).parents[2] / "scenarios" / "calibration.toml").experiment.spec.keep
    assert set(PARTS) <= set(keep.countries) and "ROW" not in keep.countries
