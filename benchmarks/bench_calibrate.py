"""Calibration wall time and model runs per hour, with 1 and 2 workers.

    python benchmarks/bench_calibrate.py [scenarios/calibration.toml] [--budget 72] [--executor local]

Runs the whole calibration (every wave, the confirmation re-runs and the emulator work
between waves) into a fresh temporary directory per configuration and prints the wall
time, runs per hour and the speed-up of 2 workers over 1.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from circsim.workbench.calibrate import calibrate, load_calibration


def measure(path: Path, budget: int, executor: str, workers: int) -> tuple[float, int]:
    """Wall time of one calibration and the number of model runs it made."""
    cal = load_calibration(path, budget)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = calibrate(cal, Path(tmp), executor=executor, workers=workers, progress=False, log=lambda _: None)
        wall = time.perf_counter() - t0
    runs = sum(w.runs for w in result.waves) + len(result.confirmed) * cal.settings.confirm_replicates
    return wall, runs


def main() -> None:
    """Measure 1 and 2 workers and print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("calibration", nargs="?", type=Path, default=Path("scenarios/calibration.toml"))
    ap.add_argument("--budget", type=int, default=72, help="model runs of the waves (the confirmation adds its own)")
    ap.add_argument("--executor", default="local", choices=("local", "dask"))
    args = ap.parse_args()
    print(f"{args.calibration}: budget {args.budget} runs, executor {args.executor}")
    print(f"{'workers':>7} {'runs':>5} {'wall s':>8} {'runs/hour':>10} {'speed-up':>9}")
    base = None
    for workers in (1, 2):
        wall, runs = measure(args.calibration, args.budget, args.executor, workers)
        rate = runs / wall * 3600
        base = base or rate
        print(f"{workers:7d} {runs:5d} {wall:8.1f} {rate:10.0f} {rate / base:8.2f}x")


if __name__ == "__main__":
    main()
