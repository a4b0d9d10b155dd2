"""circsim driven by and read from EMA Workbench: ``perform_experiments`` runs
``CirculationModel`` through a plain function (numpy values for every kind of EMA
parameter), and a real batch's store loads as EMA's pair, discovers and exports.
(``mesa.batch_run`` over numpy arrays: tests/unit/test_scenario.py.)"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from circsim import CirculationModel
from circsim.cli.main import main
from circsim.workbench.ema import load_ema
from circsim.workbench.experiment import load_experiment
from circsim.workbench.runner import run_experiment
from circsim.workbench.store import open_store

with warnings.catch_warnings():  # EMA Workbench warns at import about its own optional extras
    warnings.simplefilter("ignore")
    from ema_workbench import (
        ArrayOutcome,
        CategoricalParameter,
        Constant,
        IntegerParameter,
        Model,
        RealParameter,
        ScalarOutcome,
        SequentialEvaluator,
        perform_experiments,
    )

ROOT = Path(__file__).resolve().parents[2]
SEEN: list[dict[str, type]] = []  # the types EMA Workbench handed over, per experiment
APPLIED: list[tuple] = []  # the values the model then ran with


def circsim_model(seed: int = 0, **params: object) -> dict[str, object]:
    """One run of circsim with EMA Workbench's values for its parameters: paths written with
    double underscores (EMA Workbench 3 wants names that are Python identifiers)."""
    SEEN.append({k: type(v) for k, v in params.items()})
    m = CirculationModel(rng=seed, **params).run()
    lever = m.spec.levers.overseas_fellowships
    APPLIED.append((m.p.visit_logit_base, lever.fellows_per_year, lever.guarantee))
    ind = m.indicators()
    jp = ind[ind["country"] == "JP"].pivot(index="year", columns="indicator", values="value")
    return {"researchers": jp["researchers"].to_numpy(), "lever_cost": float(jp["lever_cost_cum_yen"].iloc[-1])}


def test_perform_experiments_drives_the_model_with_numpy_values() -> None:
    model = Model("circsim", function=circsim_model)
    model.uncertainties = [
        RealParameter("visit_logit_base", -4.5, -3.0),
        IntegerParameter("levers__overseas_fellowships__fellows_per_year", 20_000, 60_000),
        CategoricalParameter("levers__overseas_fellowships__guarantee", ["none", "fixed"]),
    ]
    model.constants = [
        Constant("scale", 20_000.0),
        Constant("end_year", 2008),
        Constant("levers__overseas_fellowships__start_year", 2005),
    ]
    model.outcomes = [ArrayOutcome("researchers"), ScalarOutcome("lever_cost")]
    SEEN.clear()
    APPLIED.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = perform_experiments(model, scenarios=4, evaluator=SequentialEvaluator(model))
    assert len(experiments) == 4 and set(experiments["model"]) == {"circsim"}
    assert SEEN[0]["visit_logit_base"] is np.float64  # what EMA hands over: numpy scalars
    assert SEEN[0]["levers__overseas_fellowships__fellows_per_year"] is np.int64
    assert outcomes["researchers"].shape == (4, 5)  # 2004-2008
    assert (outcomes["researchers"] > 0).all()
    assert len({tuple(row) for row in outcomes["researchers"]}) > 1
    columns = [
        "visit_logit_base",
        "levers__overseas_fellowships__fellows_per_year",
        "levers__overseas_fellowships__guarantee",
    ]
    assert [tuple(row) for row in experiments[columns].astype(object).itertuples(index=False)] == APPLIED
    assert all(type(v) is float for v, _, _ in APPLIED)  # validated into Python values
    assert outcomes["lever_cost"].shape == (4,) and (outcomes["lever_cost"] >= 0).all()


@pytest.fixture(scope="module")
def uncertain_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real batch over a Latin hypercube: 2 scenarios x 6 points, coarse and short."""
    folder = tmp_path_factory.mktemp("uncertain")
    exp = folder / "exp.toml"
    exp.write_text(
        f'name = "uncertain"\nbaseline = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n'
        "seed = 3\nscale = 5000\nend_year = 2008\n[scenarios.baseline]\n[scenarios.fellows]\n"
        "levers.overseas_fellowships = { start_year = 2005, fellows_per_year = 20000 }\n"
        "[uncertainties.visit_logit_base]\nlow = -4.5\nhigh = -3.0\n"
        "[uncertainties.return_logit_base]\nlow = -5.0\nhigh = -2.5\n"
        '[design]\nmethod = "latin_hypercube"\nsamples = 6\n',
        encoding="utf-8",
    )
    run_experiment(load_experiment(exp), folder / "store", executor="serial", progress=False)
    return folder / "store"


def test_a_real_store_loads_as_emas_pair(uncertain_store: Path) -> None:
    experiments, outcomes = load_ema(uncertain_store, country="US", indicators=["researchers", "papers"])
    store = open_store(uncertain_store)
    runs = store.runs()
    assert list(experiments.columns) == ["visit_logit_base", "return_logit_base", "scenario", "policy", "model"]
    assert len(experiments) == 12 and set(experiments["policy"]) == {"baseline", "fellows"}
    np.testing.assert_array_equal(experiments["visit_logit_base"], runs["visit_logit_base"])
    assert outcomes["papers"].shape == (12, 5) and (outcomes["TIME"][:, 0] == 2004).all()
    ind = store.indicators()
    run = runs["run_id"].iloc[5]
    one = ind[(ind["run_id"] == run) & (ind["country"] == "US") & (ind["indicator"] == "papers")]
    np.testing.assert_array_equal(outcomes["papers"][5], one.sort_values("year")["value"])


def test_discover_and_export_a_real_store(uncertain_store: Path, tmp_path: Path) -> None:
    _, outcomes = load_ema(uncertain_store, indicators=["researchers"])
    threshold = float(np.median(outcomes["researchers"][:, -1]))  # cases of interest on both sides
    out = tmp_path / "found"
    argv = ["discover", str(uncertain_store), "--outcome", "researchers", "--threshold", str(threshold)]
    assert main([*argv, "--out", str(out)]) == 0
    boxes = pd.read_csv(out / "boxes.csv")
    assert set(boxes["method"]) <= {"prim", "cart"}
    assert (out / "discover.md").read_text(encoding="utf-8").startswith("## Under which assumptions")
    assert main(["export", str(uncertain_store), "--out", str(tmp_path / "csv")]) == 0
    flows = pd.read_csv(tmp_path / "csv" / "flows.csv")
    pd.testing.assert_frame_equal(flows, open_store(uncertain_store).flows(), check_dtype=False)
