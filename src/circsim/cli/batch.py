"""``circsim batch``: every run of an experiment file into a result store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError
from .parser import Commands, add_command, check_scheduler, executor_options, path

EXAMPLES = """examples:
  circsim batch scenarios/levers.toml
  circsim batch scenarios/levers.toml --out results/levers --workers 2
  circsim batch scenarios/levers.toml --executor dask                 # local Dask cluster
  circsim batch scenarios/levers.toml --executor dask --scheduler tcp://10.0.0.5:8786
  circsim batch scenarios/levers.toml --out results/levers --resume   # after Ctrl-C"""


def register(commands: Commands) -> None:
    """Declare ``circsim batch`` and its options."""
    batch = add_command(
        commands,
        "batch",
        "run an experiment file (scenarios x uncertainties x replicates) into a result store",
        "Run every run of an experiment file (policy packages x design points of the\n"
        "uncertainties x replicates; every package uses the same seeds at a design point) and\n"
        "stream the results to a result store: manifest.json, runs.parquet, indicators.parquet/,\n"
        "flows.parquet/. Running again on the same store (or --resume) skips finished runs.\n"
        "With a [precision] table, replicates are added round by round until the focal effects'\n"
        "95% intervals are narrow enough or the run budget is spent (docs/analysis.md).\n"
        "Exit status: 0 all runs done, 1 some runs failed (recorded in the store), 2 bad input,\n"
        "130 interrupted (the store resumes).",
        EXAMPLES,
    )
    batch.add_argument(
        "experiment", type=path, metavar="FILE", help="experiment file (TOML), e.g. scenarios/levers.toml"
    )
    batch.add_argument(
        "--out", type=path, metavar="DIR", help="result store directory (default: results/<experiment name>)"
    )
    executor_options(batch)
    batch.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted batch in DIR (also the default when DIR holds this experiment)",
    )
    batch.add_argument("--quiet", action="store_true", help="no progress on stderr")
    batch.add_argument(
        "--dry-run",
        action="store_true",
        help="check the experiment and say what would run; run nothing, write nothing",
    )
    batch.set_defaults(handler=batch_command)


def batch_command(args: argparse.Namespace) -> int:
    """``circsim batch``: run an experiment into a result store."""
    from ..workbench.experiment import load_experiment
    from ..workbench.precision import describe, precision_state
    from ..workbench.runner import check_resume, run_experiment
    from ..workbench.store import open_store

    experiment = load_experiment(args.experiment)
    out = args.out or Path("results") / experiment.spec.name
    if args.resume and not (out / "manifest.json").is_file():
        raise InputError("nothing to resume (no manifest.json)", source=str(out), allowed="a store written by a batch")
    check_scheduler(args, "circsim batch")
    if (out / "manifest.json").is_file():
        # a damaged store, or one planned for other runs, is refused before anything is said or started
        check_resume(experiment, open_store(out))
    plan = (
        f"{experiment.spec.name}: {len(experiment.runs)} runs "
        f"({len(experiment.scenario_names)} scenarios x {len(experiment.points)} design points x "
        f"{experiment.spec.replicates} replicates) -> {out}"
    )
    target = experiment.spec.precision
    if target is not None:
        plan += f"; then {describe(target)}"
    if args.dry_run:
        print(f"{plan} (dry run: nothing run or written)")
        return 0
    print(plan, file=sys.stderr)
    store = run_experiment(experiment, out, args.executor, args.workers, args.scheduler, progress=not args.quiet)
    runs = store.runs()
    failed = runs[runs["status"] != "done"]
    print(f"{len(runs) - len(failed)} of {len(runs)} runs done; store: {out}")
    if target is not None and failed.empty:
        print(f"precision: {precision_state(store, target).verdict()}")
    for row in failed.itertuples():
        first = str(row.error).splitlines()[0] if row.error else "unknown error"
        print(f"failed: {row.run_id}: {first}")
    return 1 if len(failed) else 0
