"""Batch throughput: runs per minute of an experiment with 1 and 2 workers, on the
local process pool and on a local Dask cluster, and the parallel speed-up.

    python benchmarks/bench_batch.py [scenarios/levers.toml] [--scale 100] [--runs 12]

Runs the first ``--runs`` runs of the experiment (at ``--scale``, overriding the
file's) into a fresh temporary store for each configuration, timing the whole batch
(executor start-up included) and the mean length of a run.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from circsim.sim.scenario import apply_overrides
from circsim.workbench.experiment import load_experiment
from circsim.workbench.runner import run_experiment


def measure(path: Path, scale: float, n_runs: int, executor: str, workers: int) -> tuple[float, float]:
    """Wall time of the batch and mean seconds per run."""
    exp = load_experiment(path)
    runs = [
        dataclasses.replace(r, scenario_data=apply_overrides(r.scenario_data, {"scale": scale}))
        for r in exp.runs[:n_runs]
    ]
    exp = dataclasses.replace(exp, runs=runs)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store = run_experiment(exp, Path(tmp) / "store", executor=executor, workers=workers, progress=False)
        wall = time.perf_counter() - t0
        per_run = store.runs()["seconds"].mean()
    return wall, per_run


def main() -> None:
    """Measure every configuration and print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("experiment", nargs="?", type=Path, default=Path("scenarios/levers.toml"))
    ap.add_argument("--scale", type=float, default=100.0)
    ap.add_argument("--runs", type=int, default=12)
    args = ap.parse_args()
    print(f"{args.experiment}: first {args.runs} runs at scale {args.scale:g}")
    print(f"{'executor':8} {'workers':>7} {'wall s':>8} {'s/run':>7} {'runs/min':>9} {'speed-up':>9}")
    for executor in ("local", "dask"):
        base = None
        for workers in (1, 2):
            wall, per_run = measure(args.experiment, args.scale, args.runs, executor, workers)
            rate = args.runs / wall * 60
            base = base or rate
            print(f"{executor:8} {workers:7d} {wall:8.1f} {per_run:7.2f} {rate:9.1f} {rate / base:8.2f}x")


if __name__ == "__main__":
    main()
