"""Precision on demand: the loop stops at the first round whose focal effects meet the
target (not before, not after) or when the run budget is spent, keeps the runs done before
bit for bit and common random numbers, resumes an interrupted round to the uninterrupted
result; the store's extension of its plan is checked; bad [precision] tables are input
errors; the report's Precision section. The model is replaced by a toy run whose noise is
known, so the expected stopping round is computed independently here (scipy.stats.t)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import circsim.workbench.runner
from circsim.errors import InputError
from circsim.workbench.experiment import RunSpec, load_experiment, run_seed
from circsim.workbench.precision import BUDGET, REACHED, UNFINISHED, percent, precision_state, store_target
from circsim.workbench.report import write_report
from circsim.workbench.runner import run_experiment
from circsim.workbench.store import MANIFEST, ResultStore, open_store
from storekit import synthetic_store

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SEED, R0 = 7, 2
YEAR = 2006
LEVEL, EFFECT, COMMON_SD, OWN_SD = 1000.0, 40.0, 200.0, 30.0


def experiment_text(half_width: float, max_runs: int, step: int, precision: bool = True) -> str:
    table = (
        f'[precision]\nindicators = ["papers"]\nhalf_width = {half_width}\nmax_runs = {max_runs}\nstep = {step}\n'
        if precision
        else ""
    )
    return (
        f'name = "toy"\nbaseline = "{BASELINE.as_posix()}"\nreplicates = {R0}\nseed = {SEED}\nscale = 5000\n'
        f"end_year = {YEAR}\n[scenarios.baseline]\n[scenarios.fellows]\n{table}"
    )


def write_experiment(directory: Path, *args, **kwargs) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "toy.toml"
    path.write_text(experiment_text(*args, **kwargs), encoding="utf-8")
    return path


def toy_value(scenario: str, seed: int) -> float:
    """Papers of JP in a toy run: a level shared by both scenarios at a seed (common
    random numbers), and for the lever scenario an effect plus noise of its own."""
    common = np.random.default_rng([seed, 0]).normal(0, COMMON_SD)
    own = np.random.default_rng([seed, 1]).normal(EFFECT, OWN_SD)
    return LEVEL + common + (own if scenario == "fellows" else 0.0)


def toy_run(run: RunSpec) -> dict:
    """In place of the model run: the result a run records, with a known value."""
    value = toy_value(run.scenario, run.seed)
    table = pd.DataFrame(
        {"run_id": run.run_id, "year": [YEAR - 1, YEAR], "country": "JP", "indicator": "papers", "value": value}
    )
    return {"status": "done", "tables": {"indicators": table}, "summary": {}, "error": None, "started": None,
            "finished": None, "seconds": 0.0}  # fmt: skip


def relative_half_width(n: int) -> float:
    """The 95% paired t half-width of the effect with n replicates over |baseline mean|,
    from the toy values (inf below six pairs, where the effect is not estimable)."""
    if n < 6:
        return np.inf
    seeds = [run_seed(SEED, 0, r) for r in range(n)]
    base = np.array([toy_value("baseline", s) for s in seeds])
    d = np.array([toy_value("fellows", s) for s in seeds]) - base
    return stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n) / abs(base.mean())


def schedule(max_runs: int, step: int) -> list[int]:
    """Replicates at each round: R0, then step more a round while they fit in the budget."""
    reps = [R0]
    while 2 * (reps[-1] + 1) <= max_runs:
        reps.append(reps[-1] + min(step, max_runs // 2 - reps[-1]))
    return reps


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Toy runs in place of the model; the ids of the runs executed, in order."""
    ids: list[str] = []

    def run(spec: RunSpec) -> dict:
        ids.append(spec.run_id)
        return toy_run(spec)

    monkeypatch.setattr(circsim.workbench.runner, "run_one", run)
    return ids


def run(path: Path, out: Path) -> ResultStore:
    return run_experiment(load_experiment(path), out, executor="serial", progress=False)


# --- the loop -------------------------------------------------------------------------------


@pytest.mark.parametrize("step", [1, 3])
def test_the_loop_stops_at_the_first_round_that_meets_the_target(step, executed, tmp_path):
    rounds = schedule(400, step)
    widths = [relative_half_width(n) for n in rounds]
    # a target first met after a round whose effect was estimable but not yet precise enough
    k = next(i for i in range(1, len(widths)) if np.isfinite(widths[i - 1]) and widths[i] < min(widths[:i]))
    target = widths[k] * (1 + 1e-9)
    assert all(w > target for w in widths[:k])
    store = run(write_experiment(tmp_path, target, 400, step), tmp_path / "store")
    state = precision_state(store, store_target(store))
    assert state.outcome == REACHED
    assert (state.replicates, state.rounds) == (rounds[k], k + 1)
    assert state.effects["relative"].iloc[0] == pytest.approx(widths[k], rel=1e-9)
    assert len(executed) == 2 * rounds[k] == len(set(executed))  # every run once, none beyond the stop


def test_the_loop_stops_when_the_budget_is_spent(executed, tmp_path):
    max_runs, step = 27, 4  # rounds of 2, 6, 10 replicates, then one more fits (13 x 2 = 26 runs)
    store = run(write_experiment(tmp_path, 1e-6, max_runs, step), tmp_path / "store")
    state = precision_state(store, store_target(store))
    assert schedule(max_runs, step) == [2, 6, 10, 13]
    assert (state.outcome, state.replicates, state.planned, state.rounds) == (BUDGET, 13, 26, 4)
    assert "budget of 27 runs spent" in state.verdict()
    assert sorted(executed) == sorted(store.done())
    assert [e["replicates"] for e in store.extensions] == [[2, 3, 4, 5], [6, 7, 8, 9], [10, 11, 12]]


def test_added_replicates_keep_earlier_runs_and_common_random_numbers(executed, tmp_path):
    grown = run(write_experiment(tmp_path / "a", 0.001, 20, 2), tmp_path / "a" / "store")
    plain = run(write_experiment(tmp_path / "b", 0.001, 20, 2, precision=False), tmp_path / "b" / "store")
    assert plain.done() == [f"{s}-p000-r{r:02d}" for r in range(R0) for s in ("baseline", "fellows")]
    for rid in plain.done():  # the first round's parts, byte for byte those of a run without the loop
        part = f"indicators.parquet/{rid}.parquet"
        assert (grown.path / part).read_bytes() == (plain.path / part).read_bytes()
    runs = grown.runs()
    assert len(runs) == 20
    for r, grp in runs.groupby("replicate"):
        assert set(grp["seed"]) == {run_seed(SEED, 0, r)}  # one seed per replicate, every scenario
    journal = [json.loads(x) for x in (grown.path / "journal.jsonl").read_text().splitlines()]
    recorded = [e["run_id"] for e in journal if e["event"] == "run"]
    assert len(recorded) == len(set(recorded)) == 20  # no run recorded twice


# rounds of 2, 5, 8 ... replicates (4, 6, 6 ... runs): the first run of round 2, the third of round 3
@pytest.mark.parametrize(("interrupt_at", "added"), [(2 * R0 + 1, 1), (2 * R0 + 6 + 3, 2)])
def test_a_round_interrupted_then_resumed_ends_as_the_uninterrupted_loop(interrupt_at, added, monkeypatch, tmp_path):
    path = write_experiment(tmp_path, 0.02, 60, 3)
    calls: list[str] = []

    def interrupted(spec: RunSpec) -> dict:
        calls.append(spec.run_id)
        if len(calls) == interrupt_at:
            raise KeyboardInterrupt
        return toy_run(spec)

    monkeypatch.setattr(circsim.workbench.runner, "run_one", toy_run)
    whole = run(path, tmp_path / "whole")
    monkeypatch.setattr(circsim.workbench.runner, "run_one", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(path, tmp_path / "cut")
    cut = open_store(tmp_path / "cut")
    assert (len(cut.extensions), len(cut.done())) == (added, interrupt_at - 1)  # stopped inside an added round
    state = precision_state(cut, store_target(cut))
    assert state.outcome == UNFINISHED
    assert f"{state.planned - interrupt_at + 1} planned runs not done" in state.verdict()
    monkeypatch.setattr(circsim.workbench.runner, "run_one", toy_run)
    resumed = run(path, tmp_path / "cut")

    def plan(store: ResultStore) -> tuple:
        runs = store.runs()[["run_id", "scenario", "point", "replicate", "seed", "status"]]
        return runs.sort_values("run_id").to_dict("records"), [e["replicates"] for e in store.extensions]

    assert plan(resumed) == plan(whole)
    pd.testing.assert_frame_equal(
        resumed.indicators().sort_values(["run_id", "year"]).reset_index(drop=True),
        whole.indicators().sort_values(["run_id", "year"]).reset_index(drop=True),
    )
    assert precision_state(resumed, store_target(resumed)).outcome == REACHED


def test_failed_runs_stop_the_loop_and_a_rerun_goes_on(monkeypatch, tmp_path):
    path = write_experiment(tmp_path, 0.02, 60, 3)

    def failing(spec: RunSpec) -> dict:
        out = toy_run(spec)
        return {**out, "status": "failed", "tables": None, "error": "boom"} if spec.replicate == 1 else out

    monkeypatch.setattr(circsim.workbench.runner, "run_one", failing)
    store = run(path, tmp_path / "store")
    assert (store.replicates, store.extensions) == (R0, [])  # nothing added while runs failed
    monkeypatch.setattr(circsim.workbench.runner, "run_one", toy_run)
    store = run(path, tmp_path / "store")
    assert precision_state(store, store_target(store)).outcome == REACHED


# --- the store's plan grows by whole replicates only -----------------------------------------


def _store(tmp_path: Path) -> ResultStore:
    return synthetic_store(
        tmp_path / "s",
        lambda *_: 1.0,
        scenarios=("baseline", "fellows"),
        points=(0, 1),
        replicates=(0, 1),
        years=(YEAR,),
        indicators=("papers",),
    )


def _runs(replicates: list[int], scenarios=("baseline", "fellows"), points=(0, 1)) -> list[dict]:
    return [
        {"run_id": f"{s}-p{p:03d}-r{r:02d}", "scenario": s, "point": p, "replicate": r, "seed": r, "values": {}}
        for s in scenarios
        for p in points
        for r in replicates
    ]


@pytest.mark.parametrize(
    "runs",
    [
        [],
        _runs([2])[:-1],  # a design point without the new replicate
        _runs([1, 2]),  # a replicate already planned
        _runs([3]),  # a gap: replicate 2 skipped
        _runs([2], scenarios=("baseline", "fellows", "other")),  # a scenario not planned
        _runs([2], points=(0, 1, 2)),  # a design point not planned
    ],
)
def test_only_whole_new_replicates_extend_a_plan(runs, tmp_path):
    store = _store(tmp_path)
    before = (store.path / MANIFEST).read_bytes()
    with pytest.raises(ValueError, match="whole new replicates"):
        store.add_replicates(runs, reason="test")
    assert (store.path / MANIFEST).read_bytes() == before


def test_an_extension_is_recorded_and_needs_the_write_lock(tmp_path):
    store = _store(tmp_path)
    store.add_replicates(_runs([2, 3]), reason="test")
    reopened = open_store(store.path)
    assert reopened.replicates == 4 and len(reopened.manifest["runs"]) == 16
    assert [(e["replicates"], e["runs"], e["reason"]) for e in reopened.extensions] == [([2, 3], 8, "test")]
    assert reopened.done() == store.done() and len(reopened.done()) == 8  # the added runs are pending
    store.close()
    with pytest.raises(RuntimeError, match="open for writing"):
        store.add_replicates(_runs([4]), reason="test")


@pytest.mark.parametrize("replicate", [50, 10**9])
def test_a_manifest_with_a_run_added_by_hand_is_refused_before_anything_runs(replicate, executed, tmp_path):
    path = write_experiment(tmp_path, 0.02, 60, 3)
    store = run(path, tmp_path / "store")
    plan = json.loads((store.path / MANIFEST).read_text())
    extra = {**plan["runs"]["fellows-p000-r00"], "run_id": "fellows-p000-r50", "replicate": replicate}
    (store.path / MANIFEST).write_text(json.dumps({**plan, "runs": {**plan["runs"], extra["run_id"]: extra}}))
    executed.clear()
    with pytest.raises(InputError, match="planned runs are not those of the experiment"):
        run(path, store.path)
    assert executed == []
    assert open_store(store.path).done() == store.done()  # the journal still reads


@pytest.mark.parametrize("bad", [5, [1], "x", {"a": 1}])
def test_a_damaged_extensions_entry_is_an_input_error(bad, tmp_path):
    store = _store(tmp_path)
    store.close()
    plan = json.loads((store.path / MANIFEST).read_text())
    (store.path / MANIFEST).write_text(json.dumps({**plan, "extensions": bad}))
    with pytest.raises(InputError, match="extensions"):
        open_store(store.path)


# --- the [precision] table ----------------------------------------------------------------------

HEAD = f'baseline = "{BASELINE.as_posix()}"\nscale = 5000\nend_year = 2006\nreplicates = 2\n'
TWO = "[scenarios.baseline]\n[scenarios.fellows]\n"
GOOD = {"indicators": '["papers"]', "half_width": "0.05", "max_runs": "40"}


def precision_body(scenarios: str = TWO, extra: str = "", **changes: str | None) -> str:
    table = {**GOOD, **changes}
    lines = "".join(f"{k} = {v}\n" for k, v in table.items() if v is not None)
    return HEAD + scenarios + extra + "[precision]\n" + lines


@pytest.mark.parametrize(
    ("body", "key", "fragment"),
    [
        (precision_body(indicators='["nope"]'), "precision.indicators", "returnees"),
        (precision_body(indicators='["lever_cost_cum_yen"]'), "precision.indicators", "can be compared"),
        (precision_body(indicators="[]"), "precision.indicators", "at least 1"),
        (precision_body(indicators='"papers"'), "precision.indicators", "list"),
        (precision_body(indicators=None), "precision.indicators", "required"),
        (precision_body(half_width="0"), "precision.half_width", "greater than 0"),
        (precision_body(half_width="1.5"), "precision.half_width", "less than or equal to 1"),
        (precision_body(half_width='"5%"'), "precision.half_width", "number"),
        (precision_body(half_width="nan"), "precision.half_width", "finite"),
        (precision_body(max_runs="3"), "precision.max_runs", "at least 4 (2 scenarios x 1 design points x 2"),
        (precision_body(max_runs="1000000"), "precision.max_runs", "less than or equal to 200000"),
        (precision_body(max_runs="40.5"), "precision.max_runs", "integer"),
        (precision_body(step="0"), "precision.step", "greater than or equal to 1"),
        (precision_body(baseline='"nope"'), "precision.baseline", "one of baseline, fellows"),
        (precision_body(scenarios="[scenarios.baseline]\n"), "precision.baseline", "another scenario"),
        (precision_body(country='"XX"'), "precision.country", "JP"),
        (precision_body(extra='[keep]\ncountries = ["US"]\n'), "precision.country", "US"),
        (precision_body(extra='[keep]\nindicators = ["researchers"]\n'), "precision.indicators", "researchers"),
        (precision_body(bogus="1"), "precision.bogus", "unknown name"),
        (
            precision_body(
                extra="[uncertainties.utility_move_cost]\nlow = 2.0\nhigh = 4.0\n[design]\n"
                'method = "latin_hypercube"\nsamples = 3\n'
            ),
            "design.samples",
            "one design point, or at least 6",
        ),
    ],
)
def test_bad_precision_tables_name_file_key_value_and_what_is_allowed(body, key, fragment, tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_experiment(path)
    err = info.value
    assert str(path) in str(err) and err.key == key
    assert fragment in str(err)


def test_a_good_precision_table_loads_with_its_defaults(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(precision_body(), encoding="utf-8")
    target = load_experiment(path).spec.precision
    assert (target.step, target.baseline, target.country, target.max_runs) == (1, "baseline", "JP", 40)


# --- the report ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("half_width", "verdict"), [(0.2, "Target reached"), (1e-6, "budget of 12 runs spent")])
def test_the_report_states_the_precision_reached(half_width, verdict, executed, tmp_path):
    store = run(write_experiment(tmp_path, half_width, 12, 2), tmp_path / "store")
    text = write_report(store, tmp_path / "report").read_text(encoding="utf-8")
    section = text.split("## Precision", 1)[1].split("\n## ", 1)[0]
    state = precision_state(store, store_target(store))
    assert verdict in section and f"{state.replicates} replicates, {state.planned} runs" in section
    assert f"within ±{half_width * 100:g}% of the baseline mean" in section
    row = next(line for line in section.splitlines() if line.startswith("| fellows"))
    assert state.replicates == 6 and percent(state.effects["relative"].iloc[0]) in row


def test_a_store_without_a_precision_table_has_no_precision_section(tmp_path):
    store = _store(tmp_path)
    store.close()
    assert "## Precision" not in write_report(store, tmp_path / "report").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "fragment"), [("[[[", "not TOML"), ("[precision]\nhalf_width = 5\n", "'precision.indicators'")]
)
def test_a_store_with_a_damaged_precision_table_is_an_input_error(text, fragment, tmp_path):
    store = synthetic_store(
        tmp_path / "s", lambda *_: 1.0, scenarios=("baseline",), points=(0,), replicates=(0,), years=(YEAR,),
        indicators=("papers",), experiment=text,
    )  # fmt: skip
    store.close()
    with pytest.raises(InputError, match=fragment) as info:
        store_target(store)
    assert str(store.path / MANIFEST) in str(info.value)
