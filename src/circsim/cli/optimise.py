"""``circsim optimise``: the best package of levers under a yearly budget (NSGA-II, platypus)."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from .parser import Commands, add_command, check_scheduler, executor_options, path, positive_number, prepare_out

if TYPE_CHECKING:
    from ..workbench.optimise import OptimiseResult

EXAMPLES = """examples:
  circsim optimise scenarios/portfolio.toml
  circsim optimise scenarios/portfolio.toml --budget 150 --out results/portfolio-150
  circsim optimise scenarios/portfolio.toml --dry-run            # check the file, say what would run
  circsim optimise scenarios/portfolio.toml --executor dask --scheduler tcp://10.0.0.5:8786

Needs platypus, an optional extra: pip install 'circsim[optimise]' (EMA Workbench brings it too).
Exit status: 0 done, 1 platypus not installed or a model run failed, 2 bad input (one line on stderr)."""


def register(commands: Commands) -> None:
    """Declare ``circsim optimise`` and its options."""
    cmd = add_command(
        commands,
        "optimise",
        "the best package of levers under a yearly budget: a cost-effect front (NSGA-II)",
        "A multi-objective search over the lever settings of an experiment file's [optimise]\n"
        "table: maximise the outcome's robust effect against the baseline (the mean, or a low\n"
        "quantile, over draws of the uncertainties, paired runs with the same seeds), minimise\n"
        "the yearly lever cost, keep the cost within the budget (億円 a year). Each generation\n"
        "runs on the batch runner into a resumable store under --out, so a killed search goes\n"
        "on where it stopped. The non-dominated packages are then run again with fresh seeds:\n"
        "each gets its paired effect with a 95% interval and its yearly cost. Writes front.csv,\n"
        "search.csv, pareto.png and optimise.md (the best package under the budget in words).",
        EXAMPLES,
    )
    cmd.add_argument("file", type=path, metavar="FILE", help="an experiment file with an [optimise] table")
    cmd.add_argument(
        "--budget", type=positive_number, metavar="OKU", help="yearly cost cap in 億円 (overrides optimise.budget)"
    )
    cmd.add_argument("--out", type=path, metavar="DIR", help="output directory (default: results/<name>-optimise)")
    executor_options(cmd)
    cmd.add_argument("--dry-run", action="store_true", help="check the file and print the plan; run nothing")
    cmd.add_argument("--quiet", action="store_true", help="no progress on stderr")
    cmd.set_defaults(handler=optimise_command)


def optimise_command(args: argparse.Namespace) -> int:
    """``circsim optimise``: search, re-simulate the front, write the outputs."""
    from ..workbench.optimise import ModelSimulator, load_optimisation, optimise, plan, platypus, write_outputs
    from ..workbench.runner import run_experiment

    check_scheduler(args, "circsim optimise")
    opt = load_optimisation(args.file, args.budget)
    out = args.out or Path("results") / f"{opt.experiment.spec.name}-optimise"
    if args.dry_run:
        print(f"{plan(opt)} -> {out} (dry run: nothing run or written)")
        return 0
    platypus()  # a missing extra is said before any run
    prepare_out(out)
    print(f"{plan(opt)} -> {out}", file=sys.stderr)
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    run = partial(
        run_experiment, executor=args.executor, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet
    )
    result = optimise(opt, ModelSimulator(opt, out, run), log)
    paths = write_outputs(result, out)
    print(summary_line(result))
    print(f"wrote {', '.join(str(p) for p in paths)}")
    return 0


def summary_line(result: OptimiseResult) -> str:
    """The best package under the budget, in one line."""
    from ..workbench.optimise import effect_words, no_package_words, package_words

    best = result.best()
    opt = result.optimisation
    if best is None:
        return no_package_words(result)
    return (
        f"best under {opt.budget:g} 億円 a year: {package_words(opt, best)} "
        f"({best['yearly_cost_oku']:.0f} 億円 a year): {effect_words(opt, best)}"
    )
