"""``circsim run``: one scenario year by year, then its summary against the observed targets."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import InputError
from ..sim.indicators import REGISTRY
from .parser import DEFAULT_SCENARIO, Commands, add_command, parse_assignment, path, prepare_out, seed

if TYPE_CHECKING:
    from ..sim.model import CirculationModel
    from ..sim.scenario import Scenario

EXAMPLES = """\
examples:
  circsim run                                    # scenarios/baseline.toml if present, else built-in defaults
  circsim run scenarios/baseline.toml --seed 7 --out results/baseline
  circsim run --scale 1000 --end-year 2020 --quiet
  circsim run --set levers.overseas_fellowships.fellows_per_year=1000 --set levers.contact_window.enabled=true
  circsim run --set countries.JP.renewal_prob=0.5 --set focal_country=DE

--set KEY=VALUE: KEY is a model parameter name (scale, end_year, focal_country, ...) or a
dotted path into the scenario (model.NAME, countries.CODE.NAME, levers.LEVER.SETTING);
VALUE is a TOML literal (50, 0.5, true, "text", [1, 2]) and a plain word is a string.
Exit status: 0 on success, 2 on bad input (one line on stderr), 130 if interrupted."""


def register(commands: Commands) -> None:
    """Declare ``circsim run`` and its options."""
    run = add_command(
        commands,
        "run",
        "run one scenario and print a summary against the observed targets",
        "Run one scenario year by year (progress on stderr), then print the focal country's\n"
        "headline indicators beside the observed calibration targets, and every target with\n"
        "its simulated value in the target year.",
        EXAMPLES,
    )
    run.add_argument(
        "scenario",
        nargs="?",
        type=path,
        metavar="SCENARIO.toml",
        help=f"scenario file (default: {DEFAULT_SCENARIO} if it exists in the current directory, "
        "else the built-in defaults)",
    )
    run.add_argument("--seed", type=seed, default=0, metavar="N", help="random seed, an integer >= 0 (default: 0)")
    run.add_argument(
        "--scale",
        type=float,
        metavar="S",
        help="real researchers per simulated agent, > 0 (default: the scenario's, 100 built in); smaller is finer",
    )
    run.add_argument(
        "--start-year",
        type=int,
        metavar="Y",
        help="first recorded year; burn-in years run before it (default: the scenario's)",
    )
    run.add_argument("--end-year", type=int, metavar="Y", help="last simulated year (default: the scenario's)")
    run.add_argument(
        "--set",
        dest="assignments",
        type=parse_assignment,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one scenario value (repeat for several), e.g. --set levers.contact_window.enabled=true",
    )
    run.add_argument(
        "--out",
        type=path,
        metavar="DIR",
        help="write DIR/indicators.parquet and DIR/flows.parquet (created if needed; files replaced atomically)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    run.set_defaults(handler=run_command)


def _scenario(args: argparse.Namespace) -> tuple[Scenario, str]:
    """The validated scenario and a label saying where it came from.

    The file is validated alone first, so an error found only once the command-line
    values are applied names those options as well as the file.
    """
    from ..sim.scenario import default_scenario, from_overrides, load_scenario

    path: Path | None = args.scenario
    if path is None and DEFAULT_SCENARIO.is_file():
        path = DEFAULT_SCENARIO
    label = str(path) if path else "built-in defaults"
    overrides = {a.key: a.value for a in args.assignments}
    given = [f"--set {a.text}" for a in args.assignments]
    for option, key in (("--scale", "scale"), ("--start-year", "start_year"), ("--end-year", "end_year")):
        value = getattr(args, key)
        if value is not None:
            overrides[key] = value
            given.append(f"{option} {value:g}" if isinstance(value, float) else f"{option} {value}")
    if not overrides:
        return (load_scenario(path) if path else default_scenario()), label
    try:  # overrides go under validation with the file's own values, so calibrated = false is honoured
        return (load_scenario(path, overrides) if path else from_overrides(overrides)), label
    except InputError as err:
        raise InputError(
            err.detail, source=f"{label} with {' '.join(given)}", key=err.key, value=err.value, allowed=err.allowed
        ) from None


def simulate(model: CirculationModel, quiet: bool) -> CirculationModel:
    """Step the model to its end year, with one progress line a year on stderr unless quiet."""
    p = model.p
    total = p.end_year - p.start_year + 1
    began = time.perf_counter()
    done = 0
    researchers = REGISTRY["researchers"]
    while model.running:
        model.step()
        done += 1
        if not quiet:
            print(
                f"circsim: {p.start_year + done - 1}  {done}/{total}  "
                f"{p.focal_country} researchers {researchers.format(model.focal_value('researchers'))}  "
                f"{time.perf_counter() - began:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    return model


def run_command(args: argparse.Namespace) -> int:
    """``circsim run``: validate, simulate, write results if asked, print the summary."""
    from ..sim.model import CirculationModel
    from ..workbench.store import write_tables
    from ..workbench.targets import read_targets
    from .summary import headline_table, summary_years, targets_table

    scenario, label = _scenario(args)
    if args.out is not None:
        prepare_out(args.out)
    p = scenario.model
    if not args.quiet:
        print(
            f"circsim: setting up '{scenario.name}' (seed {args.seed}, scale {p.scale:g}, "
            f"{p.burn_in_years} burn-in years)",
            file=sys.stderr,
            flush=True,
        )
    model = simulate(CirculationModel(rng=args.seed, scenario=scenario), args.quiet)
    indicators, targets = model.indicators(), read_targets()
    tables = {"indicators": indicators, "flows": model.flows()}
    written = write_tables(tables, args.out) if args.out is not None else []
    print(
        f"circsim {__version__}: scenario '{scenario.name}' ({label}), seed {args.seed}, scale {p.scale:g}, "
        f"years {p.start_year}-{p.end_year}, {'calibrated' if scenario.calibrated else 'raw (uncalibrated)'} parameters"
    )
    print()
    print(headline_table(indicators, targets, p.focal_country, summary_years(p.start_year, p.end_year)))
    print()
    print(targets_table(indicators, targets))
    if written:
        print()
        for path in written:
            print(f"wrote {path}")
    return 0
