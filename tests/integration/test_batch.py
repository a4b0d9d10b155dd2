"""Scenario batches: the same tables on every executor (serial, local process pool, Dask),
common random numbers, failing runs isolated and recorded, kill -9 and Ctrl-C followed by a
resume, the result store's Python API, and ``circsim batch`` on bad input (exit 2, one error
line, no traceback, nothing overwritten)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

import circsim.workbench.runner
from circsim.cli.main import main
from circsim.errors import InputError
from circsim.sim.indicators import HEADLINE
from circsim.sim.model import CirculationModel
from circsim.workbench.experiment import load_experiment, run_seed
from circsim.workbench.runner import run_experiment
from circsim.workbench.store import ResultStore, open_store

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"

INDICATOR_COLUMNS = ["run_id", "year", "country", "indicator", "value"]
FLOW_COLUMNS = ["run_id", "year", "origin", "destination", "nationality", "from_sector", "to_sector", "count"]
RUN_COLUMNS = ["run_id", "scenario", "point", "replicate", "seed", "status"]
TIMING_COLUMNS = ["started", "finished", "seconds"]

#: 2 scenarios x 2 design points x 2 replicates = 8 runs of ~0.1 s
SMALL = """
name = "small"
replicates = 2
seed = 3
scale = 5000
end_year = 2008

[scenarios.baseline]
[scenarios.fellows]
description = "many fellowships from 2005"
levers.overseas_fellowships = { enabled = true, start_year = 2005, fellows_per_year = 20000 }

[uncertainties.return_logit_base]
values = [-2.5, -2.0]

[design]
method = "full_factorial"
"""
SUMMARY_COLUMNS = [f"JP_{name}_2008" for name in (*HEADLINE, "lever_cost_cum_yen")]

#: 2 scenarios x 5 replicates = 10 runs of ~0.15 s, for interrupting (the first is seen done well before the last)
SLOW = """
name = "slow"
replicates = 5
seed = 5
scale = 500
end_year = 2012

[scenarios.baseline]
[scenarios.fellows]
levers.overseas_fellowships = { enabled = true, start_year = 2006, fellows_per_year = 2000 }
"""
SLOW_RUNS = 10


def write_experiment(directory: Path, body: str, name: str = "exp.toml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f'baseline = "{BASELINE.as_posix()}"\n' + body, encoding="utf-8")
    return path


def tables(store: ResultStore) -> dict[str, pd.DataFrame]:
    """The store's runs (without timings), indicators and flows, sorted, for comparing stores."""
    runs = store.runs().drop(columns=TIMING_COLUMNS, errors="ignore")
    out = {"runs": runs.sort_values("run_id")}
    for name in ("indicators", "flows"):
        df = store.table(name)
        out[name] = df.sort_values(list(df.columns))
    return {k: v.reset_index(drop=True) for k, v in out.items()}


def assert_same_tables(a: ResultStore, b: ResultStore) -> None:
    ta, tb = tables(a), tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], obj=name)


def manifest(out: Path) -> dict:
    """The store's plan with each run's journal entry merged in."""
    return open_store(out).manifest


def done_ids(out: Path) -> list[str]:
    try:
        runs = manifest(out)["runs"]
    except (OSError, ValueError, KeyError):
        return []
    return [rid for rid, r in runs.items() if r["status"] == "done"]


def record_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the ids of the runs the runner executes (in this process) from now on."""
    executed: list[str] = []
    run_one = circsim.workbench.runner.run_one

    def recording(run):
        executed.append(run.run_id)
        return run_one(run)

    monkeypatch.setattr(circsim.workbench.runner, "run_one", recording)
    return executed


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small_experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_experiment(tmp_path_factory.mktemp("small"), SMALL)


@pytest.fixture(scope="module")
def serial_store(small_experiment: Path) -> ResultStore:
    """The small experiment run serially in this process: the reference for the other executors."""
    out = small_experiment.parent / "serial"
    run_experiment(load_experiment(small_experiment), out, executor="serial", progress=False)
    return open_store(out)


@pytest.fixture(scope="module")
def slow_experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_experiment(tmp_path_factory.mktemp("slow"), SLOW)


@pytest.fixture(scope="module")
def slow_reference(slow_experiment: Path) -> ResultStore:
    """The slow experiment run without interruption."""
    out = slow_experiment.parent / "reference"
    run_experiment(load_experiment(slow_experiment), out, executor="serial", progress=False)
    return open_store(out)


# --- the Python API and the store ------------------------------------------------------------


def test_store_api_returns_the_documented_tables(small_experiment, serial_store):
    exp = load_experiment(small_experiment)
    runs = serial_store.runs()
    assert list(runs.columns[: len(RUN_COLUMNS)]) == RUN_COLUMNS
    assert {*TIMING_COLUMNS, "error", "return_logit_base", *SUMMARY_COLUMNS} <= set(runs.columns)
    assert len(runs) == len(exp.runs) == 8
    assert list(runs["run_id"]) == [r.run_id for r in exp.runs]
    assert (runs["status"] == "done").all()
    assert runs["error"].isna().all()
    assert sorted(runs["return_logit_base"].unique()) == [-2.5, -2.0]
    assert runs[SUMMARY_COLUMNS].notna().any().all()
    fellows = runs[runs["scenario"] == "fellows"]
    assert (fellows["JP_lever_cost_cum_yen_2008"] > 0).all()
    assert (runs[runs["scenario"] == "baseline"]["JP_lever_cost_cum_yen_2008"] == 0).all()

    indicators, flows = serial_store.indicators(), serial_store.flows()
    assert list(indicators.columns) == INDICATOR_COLUMNS
    assert list(flows.columns) == FLOW_COLUMNS
    assert set(indicators["run_id"]) == set(flows["run_id"]) == set(runs["run_id"])
    assert sorted(indicators["year"].unique()) == [2004, 2005, 2006, 2007, 2008]
    assert "JP" in set(indicators["country"])
    # the summary columns are the focal country's values in the end year
    row = runs.iloc[1]
    mine = indicators[(indicators.run_id == row.run_id) & (indicators.country == "JP") & (indicators.year == 2008)]
    assert row["JP_researchers_2008"] == mine.set_index("indicator").loc["researchers", "value"]


def test_store_files_and_manifest(small_experiment, serial_store):
    out = serial_store.path
    exp = load_experiment(small_experiment)
    assert sorted(p.name for p in out.iterdir()) == [
        ".lock",
        "flows.parquet",
        "indicators.parquet",
        "journal.jsonl",
        "manifest.json",
        "runs.parquet",
    ]
    assert sorted(p.name for p in (out / "indicators.parquet").iterdir()) == sorted(
        f"{r.run_id}.parquet" for r in exp.runs
    )
    m = manifest(out)
    assert m["experiment"]["content"] == small_experiment.read_text()
    assert m["experiment"]["file"] == str(small_experiment)
    assert m["design"] == exp.points
    assert m["circsim_version"]
    assert "git_commit" in m
    assert m["started"] and m["finished"] and m["started"] <= m["finished"]
    for r in exp.runs:
        entry = m["runs"][r.run_id]
        assert (entry["scenario"], entry["point"], entry["replicate"], entry["seed"]) == (
            r.scenario,
            r.point,
            r.replicate,
            r.seed,
        )
        assert entry["status"] == "done"
        assert entry["values"] == r.values
    # runs.parquet holds the same table as the manifest
    stored = pd.read_parquet(out / "runs.parquet")
    pd.testing.assert_frame_equal(stored, serial_store.runs(), check_dtype=False)
    # the parquet directories read as datasets too
    assert len(pd.read_parquet(out / "indicators.parquet")) == len(serial_store.indicators())


def test_open_store_rejects_a_directory_without_manifest(tmp_path):
    with pytest.raises(InputError, match="not a result store"):
        open_store(tmp_path)


def test_common_random_numbers_in_the_store(serial_store):
    runs = serial_store.runs()
    per_cell = runs.groupby(["point", "replicate"])["seed"].nunique()
    assert (per_cell == 1).all()  # every scenario at a point and replicate has the same seed
    cells = runs.drop_duplicates(["point", "replicate"])
    assert cells["seed"].is_unique  # and points and replicates differ
    for row in runs.itertuples():
        assert row.seed == run_seed(3, row.point, row.replicate)


def test_common_random_numbers_make_an_idle_lever_change_nothing(tmp_path):
    """A package whose lever starts after the horizon is the baseline, run for run."""
    body = """
replicates = 2
seed = 11
scale = 5000
end_year = 2007
[scenarios.baseline]
[scenarios.later]
levers.overseas_fellowships = { enabled = true, start_year = 2030, fellows_per_year = 20000 }
"""
    store = run_experiment(
        load_experiment(write_experiment(tmp_path, body)), tmp_path / "out", "serial", progress=False
    )
    ind = store.indicators()
    ind["scenario"] = ind["run_id"].str.split("-").str[0]
    ind["replicate"] = ind["run_id"].str[-3:]
    wide = ind.pivot_table(index=["replicate", "year", "country", "indicator"], columns="scenario", values="value")
    assert len(wide) > 100
    pd.testing.assert_series_equal(wide["baseline"], wide["later"], check_names=False)
    r0, r1 = wide.xs("r00")["baseline"], wide.xs("r01")["baseline"]
    assert not r0.equals(r1)  # replicates do differ


def test_keep_limits_what_the_store_holds(tmp_path):
    body = """
scale = 5000
end_year = 2007
[scenarios.baseline]
[keep]
indicators = ["researchers", "papers"]
years = [2005, 2007]
countries = ["JP", "US"]
flows = false
"""
    store = run_experiment(
        load_experiment(write_experiment(tmp_path, body)), tmp_path / "out", "serial", progress=False
    )
    ind = store.indicators()
    assert set(ind["indicator"]) == {"researchers", "papers"}
    assert set(ind["year"]) == {2005, 2007}
    assert set(ind["country"]) == {"JP", "US"}
    assert len(ind) == 2 * 2 * 2
    assert store.flows().empty
    assert not (tmp_path / "out" / "flows.parquet").exists()
    assert "JP_researchers_2007" in store.runs().columns  # the summary is not cut by keep


# --- every executor gives the same tables ------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning")
@pytest.mark.parametrize("executor", ["local", "dask"])
def test_same_tables_on_every_executor(executor, small_experiment, serial_store, monkeypatch):
    real = circsim.workbench.runner.make_executor
    seen: dict = {}

    @contextmanager
    def spy(kind, workers, scheduler):
        with real(kind, workers, scheduler) as ex:
            seen["executor"] = type(ex).__name__
            if kind == "dask":
                from distributed import default_client

                info = default_client().scheduler_info()
                seen["addresses"] = [info["address"], *info["workers"]]
            yield ex

    monkeypatch.setattr(circsim.workbench.runner, "make_executor", spy)
    out = small_experiment.parent / executor
    store = run_experiment(load_experiment(small_experiment), out, executor=executor, workers=2, progress=False)
    assert len(store.done()) == 8
    assert_same_tables(open_store(out), serial_store)
    assert not tables(serial_store)["flows"].empty
    if executor == "local":
        assert seen["executor"] == "ProcessPoolExecutor"
    else:  # a local cluster of 2 workers, all on the loopback interface
        assert seen["executor"] == "ClientExecutor"
        assert len(seen["addresses"]) == 1 + 2
        assert all(a.startswith("tcp://127.0.0.1:") for a in seen["addresses"]), seen


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning")
def test_dask_scheduler_address(small_experiment, serial_store, capsys):
    from distributed import LocalCluster

    out = small_experiment.parent / "dask_address"
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        argv = ["batch", str(small_experiment), "--out", str(out), "--executor", "dask", "--quiet"]
        assert main([*argv, "--scheduler", cluster.scheduler_address]) == 0
    assert "8 of 8 runs done" in capsys.readouterr().out
    assert_same_tables(open_store(out), serial_store)


# --- failing runs ---------------------------------------------------------------------------------


def _fail_fellows_at_point_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the 'fellows' runs at design point 1 (return_logit_base -2.0) raise in their first step."""
    step = CirculationModel.step

    def failing_step(self: CirculationModel) -> None:
        if self.spec.name == "fellows" and self.p.return_logit_base == -2.0:
            raise RuntimeError("boom in step")
        step(self)

    monkeypatch.setattr(CirculationModel, "step", failing_step)


FAILING = {"fellows-p001-r00", "fellows-p001-r01"}


def test_a_failing_run_is_isolated_and_recorded(small_experiment, serial_store, tmp_path, monkeypatch):
    _fail_fellows_at_point_1(monkeypatch)
    out = tmp_path / "out"
    store = run_experiment(load_experiment(small_experiment), out, executor="serial", progress=False)
    runs = open_store(out).runs().set_index("run_id")
    assert set(runs.index[runs["status"] == "failed"]) == FAILING
    assert set(runs.index[runs["status"] == "done"]) == set(runs.index) - FAILING
    for rid in FAILING:
        assert runs.at[rid, "error"].startswith("RuntimeError: boom in step")
        assert "Traceback" in runs.at[rid, "error"]
        assert manifest(out)["runs"][rid]["status"] == "failed"
        assert "boom in step" in manifest(out)["runs"][rid]["error"]
        assert pd.isna(runs.at[rid, "JP_researchers_2008"])
    stored = pd.read_parquet(out / "runs.parquet").set_index("run_id")
    assert set(stored.index[stored["status"] == "failed"]) == FAILING
    assert not set(store.indicators()["run_id"]) & FAILING
    assert not set(store.flows()["run_id"]) & FAILING
    # the runs that did finish are the same as in a batch without failures
    good = serial_store.indicators()
    good = good[~good["run_id"].isin(FAILING)].sort_values(INDICATOR_COLUMNS).reset_index(drop=True)
    pd.testing.assert_frame_equal(store.indicators().sort_values(INDICATOR_COLUMNS).reset_index(drop=True), good)


def test_batch_exits_1_when_runs_fail_and_a_rerun_retries_them(
    small_experiment, serial_store, tmp_path, monkeypatch, capfd
):
    out = tmp_path / "out"
    argv = ["batch", str(small_experiment), "--out", str(out), "--executor", "serial"]
    with monkeypatch.context() as m:
        _fail_fellows_at_point_1(m)
        assert main(argv) == 1
    captured = capfd.readouterr()
    assert "6 of 8 runs done" in captured.out
    for rid in FAILING:
        assert f"failed: {rid}: RuntimeError: boom in step" in captured.out
    assert "Traceback" not in captured.err
    # the failed runs are not done, so running again retries them (and only them)
    executed = record_runs(monkeypatch)
    assert main([*argv, "--resume", "--quiet"]) == 0
    assert "8 of 8 runs done" in capfd.readouterr().out
    assert sorted(executed) == sorted(FAILING)
    assert len(manifest(out)["resumed"]) == 1
    assert_same_tables(open_store(out), serial_store)


def test_a_finished_store_is_not_run_again(small_experiment, serial_store, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    argv = ["batch", str(small_experiment), "--out", str(out), "--executor", "serial", "--quiet"]
    assert main(argv) == 0
    calls = []
    monkeypatch.setattr(circsim.workbench.runner, "run_one", lambda run: calls.append(run) or {})
    assert main(argv) == 0
    assert calls == []
    assert "8 of 8 runs done" in capsys.readouterr().out
    assert_same_tables(open_store(out), serial_store)


def test_serial_batch_records_each_run_as_it_finishes(small_experiment, tmp_path, monkeypatch):
    """'Results are written as runs finish': when a run starts, the ones before it are in the store."""
    out = tmp_path / "out"
    run_one = circsim.workbench.runner.run_one
    seen: list[int] = []

    def spy(run):
        seen.append(len(done_ids(out)))
        return run_one(run)

    monkeypatch.setattr(circsim.workbench.runner, "run_one", spy)
    run_experiment(load_experiment(small_experiment), out, executor="serial", progress=False)
    assert seen == list(range(8))


def test_ctrl_c_in_a_serial_batch_stops_it_and_keeps_finished_runs(small_experiment, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    started: list[str] = []
    run = CirculationModel.run

    def interrupted_on_third(self: CirculationModel) -> CirculationModel:
        started.append(self.spec.name)
        if len(started) == 3:
            raise KeyboardInterrupt
        return run(self)

    monkeypatch.setattr(CirculationModel, "run", interrupted_on_third)
    argv = ["batch", str(small_experiment), "--out", str(out), "--executor", "serial", "--quiet"]
    assert main(argv) == 130
    assert capsys.readouterr().err.strip().endswith("circsim: interrupted")
    assert len(started) == 3, f"{len(started)} runs were started after Ctrl-C in the third"
    exp = load_experiment(small_experiment)
    assert sorted(open_store(out).done()) == sorted(r.run_id for r in exp.runs[:2])


# --- interrupted batches resume ----------------------------------------------------------------------


ONE_WORKER = ["--executor", "local", "--workers", "1"]


def _start_batch(experiment: Path, out: Path, *extra: str) -> subprocess.Popen:
    """``circsim batch`` in its own process group, on a one-worker process pool, taking
    Ctrl-C as at a terminal even where the tests run with SIGINT ignored (a job started in
    the background by a script; an ignored signal is inherited, a handler is not)."""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "circsim.cli", "batch", str(experiment), "--out", str(out), *ONE_WORKER, *extra],
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _wait_for_done(proc: subprocess.Popen, out: Path, n: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while len(done_ids(out)) < n:
        assert proc.poll() is None, f"the batch ended before {n} runs were done: {proc.communicate()}"
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.02)


def _resume(experiment: Path, out: Path) -> int:
    return main(["batch", str(experiment), "--out", str(out), "--executor", "serial", "--resume", "--quiet"])


def test_kill_9_then_resume_gives_the_uninterrupted_result(slow_experiment, slow_reference, tmp_path, monkeypatch):
    out = tmp_path / "killed"
    proc = _start_batch(slow_experiment, out, "--quiet")
    try:
        _wait_for_done(proc, out, 2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    store = open_store(out)  # the killed store loads
    done_before = store.done()
    assert 2 <= len(done_before) < SLOW_RUNS
    runs = store.runs()
    assert len(runs) == SLOW_RUNS
    assert set(runs["status"]) <= {"done", "pending"}
    assert set(store.indicators()["run_id"]) == set(done_before)
    assert set(store.flows()["run_id"]) == set(done_before)

    executed = record_runs(monkeypatch)
    assert _resume(slow_experiment, out) == 0
    assert sorted(executed) == sorted(set(runs["run_id"]) - set(done_before))  # finished runs are not run again
    resumed = open_store(out)
    assert len(resumed.done()) == SLOW_RUNS
    assert len(resumed.manifest["resumed"]) == 1
    assert_same_tables(resumed, slow_reference)


class LineReader:
    """A child's text stream read line by line on a thread, so that a test can wait for a
    line with a deadline (never blocking on the pipe) and still get all the text at the end."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self.closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait_for(self, prefix: str, timeout: float = 90) -> str:
        """The first line that starts with ``prefix``, waiting for it at most ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((line for line in self.lines if line.startswith(prefix)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                assert not self.closed, f"the stream ended without a line {prefix!r}: {''.join(self.lines)}"
                assert left > 0, f"no line {prefix!r} within {timeout} s: {''.join(self.lines)}"
                self._changed.wait(left)

    def text(self, timeout: float = 30) -> str:
        """Everything read, once the stream has ended (the child has exited)."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the stream is still open"
        return "".join(self.lines)


def test_ctrl_c_exits_130_and_the_store_resumes(slow_experiment, slow_reference, tmp_path, capsys):
    """Ctrl-C once the first progress line is shown: the run it reports is in the store,
    the batch exits 130 with one line, and the store resumes to the uninterrupted result."""
    out = tmp_path / "interrupted"
    proc = _start_batch(slow_experiment, out)
    stdout, stderr = LineReader(proc.stdout), LineReader(proc.stderr)
    try:
        line = stderr.wait_for(f"run 1/{SLOW_RUNS} done: ")
        assert line.split()[3] in done_ids(out)  # a run reported done is in the store already
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C at a terminal signals the whole process group
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    err = stderr.text()
    assert proc.returncode == 130, (stdout.text(), err)
    assert err.strip().splitlines()[-1] == "circsim: interrupted"
    assert "Traceback" not in err
    store = open_store(out)
    assert 1 <= len(store.done()) < SLOW_RUNS
    assert "ETA" in line  # progress lines, not --quiet
    assert _resume(slow_experiment, out) == 0
    assert f"{SLOW_RUNS} of {SLOW_RUNS} runs done" in capsys.readouterr().out
    assert_same_tables(open_store(out), slow_reference)


# --- bad input -------------------------------------------------------------------------------------

HEAD = "scale = 5000\nend_year = 2005\n"


def _error_line(err: str) -> str:
    """The one ``circsim: error:`` line, which ends stderr; no traceback."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    errors = [line for line in lines if line.startswith("circsim: error: ")]
    assert len(errors) == 1, err
    assert lines[-1] == errors[0], err
    return errors[0]


BAD_EXPERIMENTS = {
    "unknown_scenario_key": ("[scenarios.x]\nbogus = 1\n", ["scenarios.x.bogus", "unknown name", "(got 1)"]),
    "unknown_lever": ("[scenarios.x.levers.nope]\nenabled = true\n", ["[scenarios.x]", "levers.nope", "unknown name"]),
    "wrong_type": ('replicates = "two"\n[scenarios.x]\n', ["'replicates'", "'two'", "allowed: an integer"]),
    "zero_replicates": ("replicates = 0\n[scenarios.x]\n", ["'replicates'", "(got 0)", "allowed: a number >= 1"]),
    "lever_out_of_range": (
        "[scenarios.x.levers.overseas_fellowships]\nfellows_per_year = -5\n",
        ["[scenarios.x]", "levers.overseas_fellowships.fellows_per_year", "(got -5)", ">= 0"],
    ),
    "no_uncertainty": (
        '[scenarios.x]\n[design]\nmethod = "latin_hypercube"\n',
        ["'uncertainties'", "no uncertainty", "allowed:"],
    ),
    "uncertainty_with_method_none": (
        "[scenarios.x]\n[uncertainties.return_logit_base]\nlow = -3.0\nhigh = -2.0\n",
        ["'design.method'", "'none'", "latin_hypercube"],
    ),
    "uncertainty_out_of_range": (
        '[scenarios.x]\n[design]\nmethod = "latin_hypercube"\n'
        '[uncertainties."countries.JP.renewal_prob"]\nlow = 0.5\nhigh = 1.5\n',
        ["'uncertainties.countries.JP.renewal_prob'", "(got 1.5)", "<= 1"],
    ),
    "unknown_keep_indicator": ('[scenarios.x]\n[keep]\nindicators = ["nope"]\n', ["keep.indicators", "'nope'"]),
    "precision_budget_below_the_runs": (
        '[scenarios.baseline]\n[scenarios.x]\n[precision]\nindicators = ["papers"]\nhalf_width = 0.05\nmax_runs = 1\n',
        ["'precision.max_runs'", "(got 1)", "at least 2"],
    ),
    "invalid_toml": ("[scenarios.x\n", ["not valid TOML"]),
    "missing_baseline": ('baseline = "nope.toml"\n[scenarios.x]\n', ["nope.toml", "file not found"]),
    "missing_package_file": ('[scenarios.x]\nfile = "gone.toml"\n', ["gone.toml", "file not found"]),
}


@pytest.mark.parametrize("case", BAD_EXPERIMENTS)
def test_bad_experiment_file(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    body, expected = BAD_EXPERIMENTS[case]
    path = tmp_path / f"{case}.toml"
    base = "" if body.startswith("baseline") else f'baseline = "{BASELINE.as_posix()}"\n'
    path.write_text(f"{base}{HEAD}{body}")
    assert main(["batch", str(path), "--out", "out", "--executor", "serial"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = _error_line(err)
    assert str(path) in line or case.startswith("missing_")  # the file
    for text in expected:
        assert text in line
    assert not (tmp_path / "out").exists()  # nothing was started


def test_unknown_scenario_key_lists_the_allowed_keys(tmp_path, capsys):
    path = write_experiment(tmp_path, HEAD + "[scenarios.x]\nbogus = 1\n")
    assert main(["batch", str(path), "--out", str(tmp_path / "out")]) == 2
    line = _error_line(capsys.readouterr().err)
    assert "scenarios.x.bogus" in line
    assert "allowed:" in line and "levers" in line


def test_missing_referenced_files_name_the_experiment_key(tmp_path, capsys):
    shutil.copy(BASELINE, tmp_path / "baseline.toml")  # so only the file under test is missing
    for body, key in (
        ('baseline = "nope.toml"\n[scenarios.x]\n', "baseline"),
        ('[scenarios.x]\nfile = "gone.toml"\n', "scenarios.x.file"),
    ):
        path = tmp_path / "exp.toml"
        path.write_text(body)
        assert main(["batch", str(path), "--out", str(tmp_path / "out")]) == 2
        line = _error_line(capsys.readouterr().err)
        assert str(path) in line and f"'{key}'" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["missing.toml"], ["missing.toml", "file not found"]),
        (["EXP", "--workers", "0"], ["--workers", "'0'", ">= 1"]),
        (["EXP", "--workers", "two"], ["--workers", "'two'", ">= 1"]),
        (["EXP", "--executor", "threads"], ["--executor", "'threads'", "local", "dask", "serial"]),
        (["EXP", "--scheduler", "tcp://127.0.0.1:1"], ["--scheduler", "--executor dask"]),
        (["EXP", "--executor", "local", "--scheduler", "tcp://127.0.0.1:1"], ["--scheduler", "--executor dask"]),
        (["EXP", "--resume", "--out", "nothing_here"], ["nothing_here", "nothing to resume"]),
        (["batch_missing_arg"], ["FILE"]),
    ],
)
def test_bad_batch_command_line(args, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_experiment(tmp_path, HEAD + "[scenarios.x]\n")
    argv = (
        ["batch"]
        if args == ["batch_missing_arg"]
        else ["batch", *(str(tmp_path / "exp.toml") if a == "EXP" else a for a in args)]
    )
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = _error_line(err)
    for text in expected:
        assert text in line
    assert not (tmp_path / "results").exists()
    assert not (tmp_path / "nothing_here").exists()


def test_out_that_is_a_file_is_bad_input(tmp_path, capsys):
    path = write_experiment(tmp_path, HEAD + "[scenarios.x]\n")
    target = tmp_path / "a_file"
    target.write_text("keep me\n")
    assert main(["batch", str(path), "--out", str(target), "--executor", "serial", "--quiet"]) == 2
    line = _error_line(capsys.readouterr().err)
    assert str(target) in line
    assert target.read_text() == "keep me\n"


def test_out_holding_another_experiment_is_left_byte_for_byte(tmp_path, capsys):
    first = write_experiment(tmp_path / "a", HEAD + "[scenarios.x]\n")
    out = tmp_path / "store"
    assert main(["batch", str(first), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    before = snapshot(out)
    assert "manifest.json" in before and "runs.parquet" in before
    other = write_experiment(tmp_path / "b", HEAD + "seed = 1\n[scenarios.x]\n")
    for extra in ([], ["--resume"]):
        capsys.readouterr()
        assert main(["batch", str(other), "--out", str(out), "--executor", "serial", "--quiet", *extra]) == 2
        line = _error_line(capsys.readouterr().err)
        assert str(out) in line and "different experiment" in line
        assert snapshot(out) == before
    # an edited copy of the same experiment is a different experiment too
    first.write_text(first.read_text() + "# edited\n")
    assert main(["batch", str(first), "--out", str(out), "--executor", "serial", "--quiet"]) == 2
    assert snapshot(out) == before


def test_out_that_holds_other_files_is_left_alone(tmp_path, capsys):
    path = write_experiment(tmp_path, HEAD + "[scenarios.x]\n")
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    assert main(["batch", str(path), "--out", str(out), "--executor", "serial", "--quiet"]) == 2
    line = _error_line(capsys.readouterr().err)
    assert str(out) in line and "not empty" in line
    assert snapshot(out) == {"notes.txt": b"mine\n"}


def test_default_out_is_results_slash_the_experiment_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_experiment(tmp_path, 'name = "tiny"\n' + HEAD + "[scenarios.x]\n")
    assert main(["batch", str(path), "--executor", "serial", "--quiet"]) == 0
    assert f"store: {Path('results') / 'tiny'}" in capsys.readouterr().out
    assert open_store(tmp_path / "results" / "tiny").done() == ["x-p000-r00"]
