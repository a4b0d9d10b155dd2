"""The compare page without a browser: the effects table with the report's
false-discovery marks, its CSV, the fan charts (interactive spec, and the report's PNG),
the discovery boxes and Pareto front found beside a store, and bad input as one message."""

from __future__ import annotations

import io
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import solara
from solara.widgets import VegaLite

from circsim.errors import InputError
from circsim.ui.comparison import (
    MARK,
    ComparisonPage,
    comparison,
    effects,
    effects_csv,
    fan_png,
    find_stores,
    load_store,
    shown_effects,
    warm,
)
from circsim.ui.fan_chart import fan_spec
from circsim.ui.search_outputs import (
    FRONT_COLUMNS,
    experiment_folders,
    pareto_spec,
    question,
    read_output,
    search_budget,
)
from circsim.ui.store_reading import countries, country_indicators, country_results, verified
from circsim.workbench import figures
from circsim.workbench.compare import compare
from circsim.workbench.report import heading
from storekit import synthetic_store
from uikit import ROOT, image_spread, page_text

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DISCOVERY = ROOT / "experiments" / "discovery-2026" / "diaspora"
PORTFOLIO = ROOT / "experiments" / "portfolio-2026"
YEAR = 2040


def planted(scenario: str, point: int, replicate: int, year: int, country: str, indicator: str) -> float:
    """Researchers: +2,000 in 'strong' (noise of a few people), noise around 0 in 'noise'."""
    k = point * 2 + replicate
    noise = np.random.default_rng([k, len(scenario)]).normal(0.0, 5.0)
    effect = {"baseline": 0.0, "strong": 2000.0, "noise": 0.0}[scenario]
    return 700_000.0 + 100.0 * point + effect + (noise if scenario != "baseline" else 0.0)


@pytest.fixture(scope="module")
def fdr_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six design points x two replicates (enough pairs to estimate), one clear effect, one null."""
    path = tmp_path_factory.mktemp("compare-page") / "store"
    synthetic_store(path, planted, scenarios=("baseline", "strong", "noise"), points=range(6), replicates=(0, 1),
                    years=(2039, YEAR), indicators=("researchers",))  # fmt: skip
    return path


def test_comparison_page_shows_effects_legend_and_interactive_fans(ui_root: Path):
    store = ui_root / "experiments" / "tiny" / "store"
    assert find_stores(ui_root / "experiments") == [store]
    box, rc = solara.render(ComparisonPage(None, [ui_root / "experiments"]), handle_error=False)
    text = page_text(box)
    assert "Effects against baseline in 2010 (JP)" in text and "fellows" in text  # the effects table
    assert "survives the false-discovery control" in text and "not estimable" in text  # the legend
    specs = [w.spec for w in rc.find(VegaLite).widgets]
    assert len(specs) == 2  # a fan chart an indicator, no discovery or Pareto chart for this store
    rows = pd.DataFrame(specs[0]["datasets"]["fan"])
    bands = rows[rows["kind"] == "band"]
    assert set(bands["panel"]) == {"fellows"} and set(bands["series"]) == {"baseline (baseline)", "fellows"}
    assert (bands["low"] <= bands["mid"]).all() and (bands["mid"] <= bands["high"]).all()
    squares = rows[rows["kind"] == "observed"]
    assert squares.empty or squares["source"].str.len().gt(0).all()  # observed squares carry a source
    assert min(specs[0]["config"]["axis"][k] for k in ("labelFontSize", "titleFontSize")) >= 12
    assert "Scenario discovery" not in text and "Pareto" not in text


def test_effects_table_is_the_reports(ui_root: Path):
    table = effects(load_store(ui_root / "experiments" / "tiny" / "store"), "baseline", "JP", 2010,
                    ["nationals_abroad"], ["baseline", "fellows"])  # fmt: skip
    assert list(table.index) == ["fellows"] and list(table.columns) == ["Nationals abroad (people)"]
    assert table.loc["fellows"].tolist() == ["not estimable"]  # 3 pairs: too few for an interval


def test_marks_are_the_reports_discoveries(fdr_store: Path):
    store = load_store(fdr_store)
    table = effects(store, "baseline", "JP", YEAR, ["researchers"], ["baseline", "strong", "noise"])
    cells = table[heading("researchers")]
    assert cells["strong"].startswith("**") and cells["strong"].endswith(MARK)
    assert MARK not in cells["noise"] and "[" in cells["noise"]  # estimable, not a discovery
    # the same decision as the comparison the report makes (circsim compare --years 2040)
    report = compare(store, years=[YEAR])
    found = set(report.discoveries.loc[report.discoveries["period"] == str(YEAR), "scenario"])
    assert found == {s for s, c in cells.items() if c.endswith(MARK)} == {"strong"}


def test_effects_csv_rows_match_the_table(fdr_store: Path):
    store = load_store(fdr_store)
    shown = ["baseline", "strong", "noise"]
    table = effects(store, "baseline", "JP", YEAR, ["researchers"], shown)
    csv = pd.read_csv(io.StringIO(effects_csv(shown_effects(comparison(store, "baseline", "JP", YEAR),
                                                            ["researchers"], shown, YEAR))))  # fmt: skip
    assert list(csv["scenario"]) == ["strong", "noise"]
    for row in csv.itertuples():
        shown_cell = table.loc[row.scenario, row.column]
        assert shown_cell.replace("**", "").removesuffix(f" {MARK}") == row.effect
    assert list(csv["survives_fdr"]) == ["yes", "no"] and csv["q_value"].notna().all()


def test_fan_png_is_the_reports_figure(ui_root: Path, tmp_path: Path):
    store = load_store(ui_root / "experiments" / "tiny" / "store")
    png = fan_png(store, "JP", "nationals_abroad", ["baseline", "fellows"], "baseline")
    assert png.startswith(PNG_MAGIC) and image_spread(png) > 5
    report = figures.fan(store.indicators(), store.runs(), "JP", "nationals_abroad", ["baseline", "fellows"],
                         tmp_path / "fan.png", "baseline")  # fmt: skip
    assert png == report.read_bytes()


def _store_with_search_outputs(root: Path, tiny: Path) -> Path:
    """results/searched/store: the tiny store with a discovery question inside it and a
    search's front in its experiment folder."""
    store = root / "results" / "searched" / "store"
    shutil.copytree(tiny, store)
    shutil.copytree(DISCOVERY, store / "diaspora")
    shutil.copy(PORTFOLIO / "front.csv", store.parent / "front.csv")
    return store


def test_discovery_boxes_and_pareto_front_are_shown_when_present(tmp_path: Path, tiny_store: Path):
    store = _store_with_search_outputs(tmp_path, tiny_store)
    box, rc = solara.render(ComparisonPage(store, [tmp_path / "results"]), handle_error=False)
    text = page_text(box)
    assert (
        f"Scenario discovery: {question(DISCOVERY / 'boxes.csv')}" in text
        and "Coverage" in text
        and "return_logit_base" in text
    )
    assert "Pareto front" in text
    front = [w.spec for w in rc.find(VegaLite).widgets if "front" in w.spec.get("datasets", {})]
    assert len(front) == 1 and len(front[0]["datasets"]["front"]) == len(pd.read_csv(PORTFOLIO / "front.csv"))


def test_search_outputs_are_looked_for_beside_the_store_only(tmp_path: Path):
    roots = [tmp_path / "results"]
    assert experiment_folders(tmp_path / "results" / "a" / "store", roots) == [
        tmp_path / "results" / "a" / "store", tmp_path / "results" / "a"]  # fmt: skip
    # a store right under a root: its parent holds other experiments, not this store's
    assert experiment_folders(tmp_path / "results" / "a", roots) == [tmp_path / "results" / "a"]


def test_pareto_spec_in_the_outcomes_unit():
    front = pd.read_csv(PORTFOLIO / "front.csv")
    rows = pd.DataFrame(pareto_spec(front, "researchers")["datasets"]["front"])
    # a point per package of the shipped front, marked as its re-run's interval says
    expected = front["distinguishable"].map({True: "distinguishable from 0", False: "not distinguishable from 0"})
    assert rows["kind"].value_counts().to_dict() == expected.value_counts().to_dict()
    last = front.iloc[-1]
    assert rows["effect_text"].iloc[-1].startswith(f"{last['effect']:+,.0f} [")
    assert rows["cost_text"].iloc[-1].endswith("億円 a year")


class _Recorded:
    """A store's manifest recording an experiment file's content (what search_budget reads)."""

    def __init__(self, content: str) -> None:
        self.manifest = {"experiment": {"content": content}}


def test_the_budget_line_is_the_searchs_budget_and_only_when_the_front_agrees():
    front = pd.read_csv(PORTFOLIO / "front.csv")
    budget = tomllib.loads((ROOT / "scenarios" / "portfolio.toml").read_text())["optimise"]["budget"]
    assert search_budget(_Recorded(f"[optimise]\nbudget = {budget}\n"), front) == budget
    layers = pareto_spec(front, "researchers", budget)["layer"]
    (line,) = [x for x in layers if x.get("name") == "budget"]
    assert line["encoding"]["x"]["datum"] == budget
    # a budget given on the command line is not recorded: a file's 20 contradicts the front's within_budget
    assert search_budget(_Recorded("[optimise]\nbudget = 20\n"), front) is None
    assert search_budget(_Recorded("name = 'no search'\n"), front) is None
    assert not [x for x in pareto_spec(front, "researchers")["layer"] if x.get("name") == "budget"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("method,box\ncart,1\n", "boxes.csv: missing column coverage"),
        (b"\xff\xfe\x00garbage", "boxes.csv: unreadable CSV"),
        ("", "boxes.csv: unreadable CSV (EmptyDataError)"),
    ],
)
def test_a_bad_csv_beside_the_store_is_one_message(tmp_path: Path, tiny_store: Path, content, message):
    store = _store_with_search_outputs(tmp_path, tiny_store)
    boxes = store / "diaspora" / "boxes.csv"
    boxes.write_bytes(content if isinstance(content, bytes) else content.encode())
    box, _rc = solara.render(ComparisonPage(store, [tmp_path / "results"]), handle_error=False)
    text = page_text(box)
    assert message in text and "Traceback" not in text
    assert "Pareto front" in text  # the rest of the page is still there


def test_read_output_names_the_file(tmp_path: Path):
    with pytest.raises(Exception, match=r"front\.csv: missing column yearly_cost_oku"):
        (tmp_path / "front.csv").write_text("a,b\n1,2\n", encoding="utf-8")
        read_output(tmp_path / "front.csv", FRONT_COLUMNS)


def test_comparison_page_names_a_bad_store(tmp_path: Path):
    box, _rc = solara.render(ComparisonPage(tmp_path, []), handle_error=False)
    assert "is not a result store" in page_text(box)


def test_reading_one_country_gives_the_stores_rows(ui_root: Path):
    store = load_store(ui_root / "experiments" / "tiny" / "store")
    full = store.indicators()
    assert countries(store) == list(full["country"].unique())
    jp = country_indicators(store, "JP").sort_values(["run_id", "year", "indicator"], ignore_index=True)
    expected = full[full["country"] == "JP"].sort_values(["run_id", "year", "indicator"], ignore_index=True)
    pd.testing.assert_frame_equal(jp, expected, check_dtype=False)


def test_a_damaged_part_is_refused_before_reading(tmp_path: Path, tiny_store: Path):
    store = tmp_path / "store"
    shutil.copytree(tiny_store, store)
    part = sorted((store / "indicators.parquet").glob("*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:100])
    with pytest.raises(InputError, match=f"run {part.stem}: .*was altered.*circsim verify"):
        verified(load_store(store))


def test_warming_a_store_leaves_the_first_view_computed_and_a_damaged_store_to_the_page(
    fdr_store: Path, tmp_path: Path
):
    comparison.cache_clear()
    warm(fdr_store)
    store = load_store(fdr_store)
    hits = comparison.cache_info().hits
    comp = comparison(store, "baseline", "JP", YEAR)  # the page's first view: a cache hit
    assert comparison.cache_info().hits == hits + 1 and comp.years == [YEAR]
    broken = tmp_path / "broken"
    shutil.copytree(fdr_store, broken)
    part = sorted((broken / "indicators.parquet").glob("*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:100])
    warm(broken)  # no exception: the page reports it when opened
    with pytest.raises(InputError, match="was altered"):
        verified(load_store(broken))


@pytest.mark.parametrize("year", [2030, 2040])
def test_the_page_marks_on_the_shipped_store_what_the_shipped_report_marks(year: int):
    shipped = ROOT / "experiments" / "levers-2026"
    report = pd.read_csv(shipped / "report" / "effects.csv")
    report = report[report["period"] == str(year)]
    store = load_store(shipped / "store")
    scenarios = ["baseline", *dict.fromkeys(report["scenario"])]
    indicators = list(dict.fromkeys(report["indicator"]))
    table = effects(store, "baseline", "JP", year, indicators, scenarios)
    marked_cells = {(s, h) for s in table.index for h in table.columns if str(table.loc[s, h]).endswith(MARK)}
    found = {(r.scenario, heading(r.indicator)) for r in report.itertuples() if r.discovery}
    assert found and marked_cells == found  # the report's family (2030, 2040, cumulative), not the year's alone


def test_fan_data_leave_out_what_a_row_does_not_have_and_keep_the_sources():
    store = load_store(ROOT / "experiments" / "levers-2026" / "store")
    values = country_results(store, "JP").values
    rows = fan_spec(values, "visits_abroad_long", "JP", "baseline", ["baseline", "fellows"])["datasets"]["fan"]
    squares = [r for r in rows if r["kind"] == "observed"]
    bands = [r for r in rows if r["kind"] == "band"]
    assert squares and all(r["source"] and "MEXT" in r["source"] for r in squares)  # the targets file's MEXT rows
    assert bands and not any(k in r for r in bands for k in ("source", "value", "observed", "status"))
    assert all(v is not None for r in rows for v in r.values())
