"""``circsim calibrate``: history matching of the free parameters against the targets."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .parser import Commands, add_command, check_scheduler, executor_options, path, positive_int

if TYPE_CHECKING:
    from ..workbench.calibrate import Calibration


def register(commands: Commands) -> None:
    """Declare ``circsim calibrate`` and its options."""
    cal = add_command(
        commands,
        "calibrate",
        "estimate the free parameters against the observed targets (history matching)",
        "History matching over the prior ranges of a calibration file (an experiment file with one\n"
        "scenario, calibrated = false, [uncertainties] ranges and a [calibration] table), in waves on\n"
        "the batch runner, with a quadratic-regression or Gaussian-process emulator per target\n"
        "(the better by leave-one-out error). Writes the waves' result stores, points, spread,\n"
        "discrepancy, emulator, degeneracy and NROY tables, a summary and a figure to --out, and\n"
        "the estimate with its provenance to src/circsim/sim/data/calibrated.toml, which every\n"
        "scenario then uses. --holdout adds the out-of-sample score (group k-fold over the\n"
        "targets' groups); --screen runs the Morris screening of the [screening] table instead.",
        "examples:\n  circsim calibrate scenarios/calibration.toml --holdout\n"
        "  circsim calibrate scenarios/calibration.toml --screen --out results/screening\n"
        "  circsim calibrate scenarios/calibration.toml --budget 120 --workers 2 --out results/calibration\n"
        "  circsim calibrate scenarios/calibration.toml --executor dask --scheduler tcp://10.0.0.5:8786\n"
        "  circsim calibrate scenarios/calibration.toml --write results/calibrated.toml   # try it first",
    )
    cal.add_argument("calibration", type=path, metavar="FILE", help="calibration file, e.g. scenarios/calibration.toml")
    cal.add_argument(
        "--budget", type=positive_int, metavar="N", help="model runs of the waves (sets the points per wave)"
    )
    what = cal.add_mutually_exclusive_group()
    what.add_argument(
        "--holdout",
        action="store_true",
        help="also score out of sample: hold out each target group in turn, calibrate on the others "
        "(about 1 + (groups x (waves - 1) / waves) times the runs)",
    )
    what.add_argument(
        "--screen",
        action="store_true",
        help="Morris screening of the free parameters and the [screening] candidates against the targets, "
        "instead of calibrating (writes screening.csv, screening-groups.csv and a figure to --out)",
    )
    cal.add_argument("--out", type=path, metavar="DIR", help="output directory (default: results/<name>)")
    cal.add_argument(
        "--write",
        type=path,
        metavar="PATH",
        help="where to write the result (default: src/circsim/sim/data/calibrated.toml)",
    )
    executor_options(cal)
    cal.add_argument("--quiet", action="store_true", help="no progress on stderr")
    cal.set_defaults(handler=calibrate_command)


def calibrate_command(args: argparse.Namespace) -> int:
    """``circsim calibrate``: history matching, then the calibration file (or, with
    ``--screen``, the Morris screening)."""
    from ..sim.inputs import CALIBRATED_FILE
    from ..workbench.calibrate import calibrate, check_holdout, load_calibration
    from ..workbench.calibration_outputs import write_calibrated, write_outputs

    check_scheduler(args, "circsim calibrate")
    cal = load_calibration(args.calibration, args.budget)
    out = args.out or Path("results") / cal.experiment.spec.name
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    if args.screen:
        return _screen(cal, out, args, log)
    s = cal.settings
    groups = check_holdout(cal) if args.holdout else []
    print(
        f"{cal.experiment.spec.name}: {len(cal.names)} parameters, {len(cal.targets)} targets; up to {s.waves} waves x "
        f"{s.points_per_wave} points x {cal.experiment.spec.replicates} replicates"
        + (f", then a {len(groups)}-fold holdout ({', '.join(groups)})" if groups else "")
        + f" -> {out}",
        file=sys.stderr,
    )
    result = calibrate(
        cal, out, args.executor, args.workers, args.scheduler, progress=not args.quiet, log=log, holdout=args.holdout
    )
    paths = write_outputs(result, out)
    target = args.write or CALIBRATED_FILE
    write_calibrated(result, target, "circsim " + " ".join(sys.argv[1:]))
    disc = result.estimate_discrepancy()
    print(result.spread().to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"in-sample: the estimate holds {int(disc['holds'].sum())} of {len(disc)} targets (simulated mean within "
          "tolerance)")  # fmt: skip
    if result.holdout is not None:
        h, best = result.holdout, int(result.folds["best_plausible_hold"].sum())
        print(f"out-of-sample (group k-fold): {int(h['out_of_sample_holds'].sum())} of {len(h)} targets hold; "
              f"of the misses, {int(result.folds['missed_reachable'].sum())} reachable at plausible points of "
              f"their fold, {int(result.folds['missed_unreachable'].sum())} at none; the best plausible point "
              f"per fold, picked by looking at them, would hold {best}")  # fmt: skip
    if result.period_fold is not None:
        f = result.period_fold
        print(f"out-of-sample (forward, after {cal.settings.holdout_after}): {f['held_out_hold']} of {f['held_out']} "
              "targets hold")  # fmt: skip
    print(f"wrote {target} and {', '.join(str(p) for p in paths)}")
    return 0


def _screen(cal: Calibration, out: Path, args: argparse.Namespace, log: Callable[[str], None]) -> int:
    """``--screen``: the Morris screening of the calibration file's parameters and candidates."""
    from ..workbench.screening import screen, verdict_lines, write_screening

    table, groups = screen(cal, out, args.executor, args.workers, args.scheduler, progress=not args.quiet, log=log)
    paths = write_screening(table, groups, cal.screening.threshold, out)
    print(groups.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    for line in verdict_lines(groups, cal.screening.trajectories):
        print(line)
    print(f"wrote {', '.join(str(p) for p in paths)}")
    return 0
