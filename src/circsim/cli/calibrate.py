"""``circsim calibrate``: history matching of the free parameters against the targets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .parser import Commands, add_command, check_scheduler, executor_options, path, positive_int


def register(commands: Commands) -> None:
    """Declare ``circsim calibrate`` and its options."""
    cal = add_command(
        commands,
        "calibrate",
        "estimate the free parameters against the observed targets (history matching)",
        "History matching with regression emulators over the prior ranges of a calibration\n"
        "file (an experiment file with one scenario, calibrated = false, [uncertainties] ranges and a\n"
        "[calibration] table), in waves on the batch runner. Writes the waves' result stores, points,\n"
        "spread, discrepancy and NROY tables and a figure to --out, and the estimate with its\n"
        "provenance to src/circsim/sim/data/calibrated.toml, which every scenario then uses.",
        "examples:\n  circsim calibrate scenarios/calibration.toml\n"
        "  circsim calibrate scenarios/calibration.toml --budget 120 --workers 2 --out results/calibration\n"
        "  circsim calibrate scenarios/calibration.toml --executor dask --scheduler tcp://10.0.0.5:8786\n"
        "  circsim calibrate scenarios/calibration.toml --write results/calibrated.toml   # try it first",
    )
    cal.add_argument("calibration", type=path, metavar="FILE", help="calibration file, e.g. scenarios/calibration.toml")
    cal.add_argument("--budget", type=positive_int, metavar="N", help="total model runs (sets the points per wave)")
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
    """``circsim calibrate``: history matching, then the calibration file."""
    from ..sim.inputs import CALIBRATED_FILE
    from ..workbench.calibrate import calibrate, load_calibration, write_calibrated, write_outputs

    check_scheduler(args, "circsim calibrate")
    cal = load_calibration(args.calibration, args.budget)
    out = args.out or Path("results") / cal.experiment.spec.name
    s = cal.settings
    print(
        f"{cal.experiment.spec.name}: {len(cal.names)} parameters, {len(cal.targets)} targets; up to {s.waves} waves x "
        f"{s.points_per_wave} points x {cal.experiment.spec.replicates} replicates -> {out}",
        file=sys.stderr,
    )
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    result = calibrate(cal, out, args.executor, args.workers, args.scheduler, progress=not args.quiet, log=log)
    paths = write_outputs(result, out)
    target = args.write or CALIBRATED_FILE
    write_calibrated(result, target, "circsim " + " ".join(sys.argv[1:]))
    disc = result.estimate_discrepancy()
    print(result.spread().to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"the estimate holds {int(disc['holds'].sum())} of {len(disc)} targets (simulated mean within tolerance)")
    print(f"wrote {target} and {', '.join(str(p) for p in paths)}")
    return 0
