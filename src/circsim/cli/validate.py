"""``circsim validate``: the baseline against every observed target (pattern table and figures)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..console import UsageError
from ..errors import InputError
from .parser import DEFAULT_SCENARIO, Commands, add_command, path, positive_int


def register(commands: Commands) -> None:
    """Declare ``circsim validate`` and its options."""
    val = add_command(
        commands,
        "validate",
        "the baseline against every observed target: pattern table and figure",
        "Run baseline replicates (or read them from a result store) and write the pattern\n"
        "table: every row of src/circsim/workbench/data/targets.csv with its observed value and source,\n"
        "the simulated mean and 90% interval across runs, the tolerance and whether it holds.\n"
        "Prints the targets held (in-sample), the out-of-sample score of the calibration file\n"
        "(circsim calibrate --holdout) and, on a line of their own, the input checks.",
        "examples:\n  circsim validate --replicates 5 --scale 100 --out results/validate\n"
        "  circsim validate --uncalibrated --replicates 10 --out results/validate-before\n"
        "  circsim validate --store results/levers --out results/validate-levers",
    )
    val.add_argument("--store", type=path, metavar="DIR", help="read the baseline runs of this result store")
    val.add_argument("--scenario", default="baseline", metavar="NAME", help="scenario of the store (default: baseline)")
    val.add_argument("--replicates", type=positive_int, default=5, metavar="R", help="runs to make (default: 5)")
    val.add_argument("--scale", type=float, default=100.0, metavar="S", help="scale of the runs made (default: 100)")
    val.add_argument("--workers", type=positive_int, metavar="N", help="parallel workers (default: all cores)")
    val.add_argument(
        "--uncalibrated",
        action="store_true",
        help="run on the raw parameter defaults, not the calibrated values (the table before calibration)",
    )
    val.add_argument("--out", type=path, default=Path("results/validate"), metavar="DIR", help="output directory")
    val.set_defaults(handler=validate_command)


def validate_command(args: argparse.Namespace) -> int:
    """``circsim validate``: the pattern table of the baseline."""
    from ..workbench.store import open_store
    from ..workbench.targets import read_targets
    from ..workbench.validate import (
        pattern_table,
        patterns_figure,
        run_baseline,
        scenario_indicators,
        score_lines,
        series_figure,
        store_calibrated,
        write_patterns,
    )

    if args.store and args.uncalibrated:
        raise UsageError("--uncalibrated applies to runs made here, not to the runs of --store", "circsim validate")
    targets = read_targets()  # a bad targets file stops before anything runs
    if args.store:
        store = open_store(args.store)
        indicators, n_runs = scenario_indicators(store, args.scenario)
        calibrated = store_calibrated(store)
        title = f"Pattern table: scenario {args.scenario} of {args.store} ({n_runs} runs)"
    else:
        baseline = DEFAULT_SCENARIO.resolve()
        if not baseline.is_file():
            raise InputError("file not found", source=str(baseline), allowed="run from the repository root")
        store = run_baseline(baseline, args.out, args.replicates, args.scale, not args.uncalibrated, args.workers)
        indicators = store.indicators()
        calibrated = not args.uncalibrated
        which = "raw defaults (before calibration)" if args.uncalibrated else "calibrated"
        title = f"Pattern table: baseline ({which}), {args.replicates} replicates at scale {args.scale:g}"
    table = pattern_table(indicators, targets)
    score = score_lines(table, calibrated)
    csv_path, md_path = write_patterns(table, args.out, title, score)
    patterns_figure(table, args.out / "patterns.png")
    series_figure(indicators, args.out / "series.png", targets)
    print("\n".join(score))
    print(f"wrote {md_path}, {csv_path}, {args.out / 'patterns.png'}, {args.out / 'series.png'}")
    return 0
