"""``circsim sensitivity``: Morris or Sobol indices of the headline outcomes (SALib)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .parser import Commands, add_command, path, positive_int


def register(commands: Commands) -> None:
    """Declare ``circsim sensitivity`` and its options."""
    sens = add_command(
        commands,
        "sensitivity",
        "Morris or Sobol sensitivity of the headline outcomes to the uncertainties (SALib)",
        "Run an experiment file whose design is morris or sobol (resumable, like batch),\n"
        "then write sensitivity.csv (indices of every headline outcome of the focal country in\n"
        "the last year, for the first scenario) and sensitivity.png.",
        "example:\n  circsim sensitivity scenarios/sensitivity.toml --out results/sensitivity",
    )
    sens.add_argument("experiment", type=path, metavar="FILE", help="experiment file with a morris or sobol design")
    sens.add_argument("--out", type=path, metavar="DIR", help="output directory (default: results/<name>)")
    sens.add_argument("--workers", type=positive_int, metavar="N", help="parallel workers (default: all cores)")
    sens.add_argument("--quiet", action="store_true", help="no progress on stderr")
    sens.set_defaults(handler=sensitivity_command)


def sensitivity_command(args: argparse.Namespace) -> int:
    """``circsim sensitivity``: run a morris/sobol experiment and analyse it."""
    from ..workbench.experiment import load_experiment
    from ..workbench.runner import run_experiment
    from ..workbench.sensitivity import (
        NOISE_MARGIN,
        analyse,
        require_screening_design,
        verdict_counts,
        write_sensitivity,
    )

    exp = load_experiment(args.experiment)
    method = require_screening_design(exp)  # before any run
    out = args.out or Path("results") / exp.spec.name
    store = run_experiment(exp, out / "store", workers=args.workers, progress=not args.quiet)
    table = analyse(exp, store)
    path = write_sensitivity(table, method, out)
    if "signal" in table:
        counts = verdict_counts(table["signal"], "beyond noise", "within noise")
        print(
            f"{len(table)} parameter-outcome pairs: {counts} (mu* against {NOISE_MARGIN:g} noise floors, "
            "with its 95% interval)"
        )
    print(f"wrote {out / 'sensitivity.csv'} and {path}")
    return 0
