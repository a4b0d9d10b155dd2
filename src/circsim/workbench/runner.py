"""Run an experiment's runs on a ``concurrent.futures.Executor`` and stream them to a store.

The same code path serves a local process pool (default, all cores), a Dask cluster
(``client.get_executor()``; a local cluster on 127.0.0.1 or a scheduler address), and a
serial in-process executor. Each run takes its seed from the experiment, so results do
not depend on the executor or the number of workers.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Literal

import pandas as pd

from ..errors import InputError
from ..sim.fingerprint import model_fingerprint
from ..sim.indicators import HEADLINE
from ..sim.model import CirculationModel
from .experiment import Experiment, Keep, RunSpec, build_scenario
from .precision import refine
from .store import MANIFEST, ResultStore, now

ExecutorKind = Literal["local", "dask", "serial"]
#: Seconds to wait for a Dask scheduler given by address before giving up.
DASK_CONNECT_TIMEOUT_S = 10.0
_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)


def _stop_with_parent(parent: int) -> None:
    """Process-pool worker start-up: on Linux, ask the kernel to end this worker when
    the batch process ``parent`` dies (kill -9 included), so no worker outlives it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
    except (OSError, AttributeError):  # no libc of that name: workers end when their pipe closes
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _keep(df: pd.DataFrame, keep: Keep, country_col: str | None) -> pd.DataFrame:
    if keep.years is not None:
        df = df[df["year"].isin(keep.years)]
    if keep.indicators is not None and "indicator" in df:
        df = df[df["indicator"].isin(keep.indicators)]
    if keep.countries is not None and country_col:
        df = df[df[country_col].isin(keep.countries)]
    return df.reset_index(drop=True)


def run_one(run: RunSpec) -> dict[str, Any]:
    """Run one model run; never raises. Returns its status, tables, summary and timings."""
    started, t0 = now(), time.perf_counter()
    try:
        m = CirculationModel(rng=run.seed, scenario=build_scenario(run))
        m.run()
        ind = m.indicators()
        focal, end = m.p.focal_country, m.p.end_year
        last = ind[(ind["country"] == focal) & (ind["year"] == end)].set_index("indicator")["value"]
        summary = {f"{focal}_{name}_{end}": float(last[name]) for name in (*HEADLINE, "lever_cost_cum_yen")}
        tables = {"indicators": _keep(ind, run.keep, "country")}
        if run.keep.flows:
            flows = _keep(m.flows(), run.keep, None)
            if run.keep.countries is not None:
                flows = flows[flows["origin"].isin(run.keep.countries) | flows["destination"].isin(run.keep.countries)]
            tables["flows"] = flows.reset_index(drop=True)
        for df in tables.values():
            df.insert(0, "run_id", run.run_id)
        return {
            "status": "done",
            "tables": tables,
            "summary": summary,
            "error": None,
            "started": started,
            "finished": now(),
            "seconds": time.perf_counter() - t0,
        }
    except Exception as exc:  # a failing run is recorded and the batch goes on
        return {
            "status": "failed",
            "tables": None,
            "summary": None,
            "started": started,
            "finished": now(),
            "seconds": time.perf_counter() - t0,
            "error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}",
        }


class SerialExecutor(Executor):
    """Runs each task at submission, in this process (debugging, small batches, tests)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn`` now and return a finished future."""
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:  # surfaced through the future, as other executors do
            fut.set_exception(exc)
        return fut


@contextmanager
def make_executor(
    kind: ExecutorKind = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    connect_timeout: float = DASK_CONNECT_TIMEOUT_S,
) -> Iterator[Executor]:
    """An executor: a local process pool, a Dask cluster (given or started locally), or
    serial. An unreachable scheduler is an input error after ``connect_timeout`` seconds."""
    workers = workers or os.cpu_count() or 1
    if kind == "serial":
        yield SerialExecutor()
    elif kind == "local":
        # spawn: clean workers, the same on every platform
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_stop_with_parent, initargs=(os.getpid(),)
        ) as ex:
            yield ex
    elif kind == "dask":
        from distributed import Client, LocalCluster

        if scheduler:
            try:
                client = Client(scheduler, timeout=connect_timeout)
            except (OSError, TimeoutError) as exc:
                raise InputError(
                    f"cannot reach the Dask scheduler within {connect_timeout:g} s ({type(exc).__name__})",
                    source="--scheduler",
                    value=scheduler,
                    allowed="the address of a running scheduler, e.g. tcp://HOST:8786",
                ) from None
            with client:
                yield client.get_executor()
        else:
            import dask

            # Dask's default worker environment (MALLOC_TRIM_THRESHOLD_, *_NUM_THREADS)
            # made model runs 2-2.5x slower here (measured: 5.5-6.4 s vs 2.7 s a run);
            # the model is single-threaded and needs none of it.
            with (
                dask.config.set({"distributed.nanny.pre-spawn-environ": {}}),
                LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
                ) as cluster,
                Client(cluster) as client,
            ):
                yield client.get_executor()
    else:
        raise ValueError(f"unknown executor kind {kind!r}")


#: Told after every finished run: runs done (resumed ones included), runs planned, failures.
Listener = Callable[[int, int, int], None]


class Progress:
    """Runs done, failures and ETA: a bar on a terminal, plain lines otherwise (``echo``
    false: neither), and each count told to ``listener`` (a page's progress bar)."""

    def __init__(
        self, total: int, already: int, stream=None, echo: bool = True, listener: Listener | None = None
    ) -> None:
        stream = stream or sys.stderr
        self.total, self.done, self.failed = total, already, 0
        self.t0, self.stream = time.perf_counter(), stream
        self.started_with = already
        self.echo, self.listener = echo, listener
        self.bar = None
        if echo and stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=already, unit="run", file=stream, dynamic_ncols=True)

    def update(self, run_id: str, status: str, seconds: float) -> None:
        """Count one finished run."""
        self.done += 1
        self.failed += status != "done"
        if self.listener is not None:
            self.listener(self.done, self.total, self.failed)  # may raise to stop the batch
        if not self.echo:
            return
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(failed=self.failed)
            return
        new = self.done - self.started_with
        rate = new / max(time.perf_counter() - self.t0, 1e-9)
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        print(
            f"run {self.done}/{self.total} {status}: {run_id} ({seconds:.1f} s); failed {self.failed}; ETA {eta:.0f} s",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()


def run_experiment(
    experiment: Experiment,
    out: str | os.PathLike,
    executor: ExecutorKind = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    listener: Listener | None = None,
) -> ResultStore:
    """Run every run of ``experiment`` not already done in the store at ``out``, and with a
    ``[precision]`` table add replicates until its target or budget is reached
    (:func:`~circsim.workbench.precision.refine`). ``progress`` prints the runs as they
    finish; ``listener`` is told each count, and an exception it raises stops the batch
    (what is recorded stays, and a second call resumes).

    Results are written as runs finish; nothing accumulates in memory. Returns the store.
    """
    store = ResultStore(out)
    # the executor first: an unreachable scheduler leaves no store behind
    with make_executor(executor, workers, scheduler) as ex:
        store.open_for(
            experiment.text, str(experiment.path), experiment.points, [r.plan for r in experiment.runs],
            model_fingerprint(experiment.spec.calibrated),
        )  # fmt: skip
        # a bounded window of submitted runs: results are recorded as they finish and
        # a serial executor records each run before starting the next
        window = 1 if executor == "serial" else 2 * (workers or os.cpu_count() or 1)

        def run_pending(exp: Experiment) -> None:
            """Run the runs of ``exp`` the store does not have done."""
            done = set(store.done())
            pending = [r for r in exp.runs if r.run_id not in done]
            total, already = len(exp.runs), len(exp.runs) - len(pending)
            bar = Progress(total, already, echo=progress, listener=listener) if progress or listener else None
            if listener is not None:
                listener(already, total, 0)
            try:
                _submit_and_collect(ex, pending, window, store, bar)
            finally:
                if bar:
                    bar.close()

        try:
            experiment = store_plan(experiment, store)
            run_pending(experiment)
            if experiment.spec.precision is not None:
                say = (lambda line: print(line, file=sys.stderr, flush=True)) if progress else (lambda _line: None)
                refine(experiment, store, run_pending, say)
            store.finish()
        finally:
            store.close()
    return store


def check_resume(experiment: Experiment, store: ResultStore) -> None:
    """An existing store to run ``experiment`` into must hold this experiment and exactly
    its planned runs: InputError otherwise (for a batch to check before it says anything)."""
    store.check_same_experiment(experiment.text, model_fingerprint(experiment.spec.calibrated))
    store_plan(experiment, store)


def store_plan(experiment: Experiment, store: ResultStore) -> Experiment:
    """The experiment at the store's replicates (a resumed store may hold replicates a
    precision loop added: its plan is the one to finish). The store's plan must be exactly
    its runs, seeds and all: a manifest edited by hand is refused before a run is recorded."""
    planned = store.manifest["runs"]
    replicates = max(experiment.spec.replicates, store.replicates)
    # the count first: a replicate index edited to 10**9 must not build a billion runs
    if len(planned) == experiment.runs_per_replicate * replicates:
        experiment = experiment.with_replicates(replicates)
        expected = {r.run_id: r.plan for r in experiment.runs}
        if planned.keys() == expected.keys() and all(
            {k: planned[rid].get(k) for k in plan} == plan for rid, plan in expected.items()
        ):
            return experiment
    raise InputError(
        "damaged manifest: its planned runs are not those of the experiment",
        source=str(store.path / MANIFEST),
        allowed="a store written by 'circsim batch' for this experiment file",
    )


def _submit_and_collect(
    ex: Executor, pending: list[RunSpec], window: int, store: ResultStore, bar: Progress | None
) -> None:
    """Keep up to ``window`` runs submitted; record each in the store as it finishes.
    On Ctrl-C, cancel what has not started and re-raise."""
    queue = iter(pending)
    active: dict[Future, RunSpec] = {}
    try:
        while True:
            while len(active) < window and (run := next(queue, None)) is not None:
                active[ex.submit(run_one, run)] = run
            if not active:
                return
            finished, _ = wait(active, return_when=FIRST_COMPLETED)
            for fut in finished:
                _record(store, active.pop(fut), fut, bar)
    except BaseException:  # Ctrl-C, or a store that cannot be written (full disk)
        for fut in active:
            fut.cancel()
        ex.shutdown(wait=False, cancel_futures=True)
        raise


def _record(store: ResultStore, run: RunSpec, fut: Future, bar: Progress | None) -> None:
    """Write one finished run to the store and report it."""
    try:
        res = fut.result()
    except Exception as exc:  # the worker itself died
        res = {
            "status": "failed",
            "tables": None,
            "summary": None,
            "seconds": 0.0,
            "error": f"{type(exc).__name__}: {exc}",
            "started": None,
            "finished": now(),
        }
    store.record(run.run_id, res.pop("status"), res.pop("tables"), **res)
    if bar:
        bar.update(run.run_id, store.manifest["runs"][run.run_id]["status"], res["seconds"])
