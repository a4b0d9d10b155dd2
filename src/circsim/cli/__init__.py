"""The ``circsim`` command line.

``circsim run`` runs one scenario, prints the focal country's headline indicators
beside the observed calibration targets, and can write the result tables as Parquet.
The command line only parses, calls the library and formats what comes back. Bad input
of any kind (a malformed scenario, an unknown key, an impossible value, a bad option)
ends with one line on stderr starting ``circsim: error:`` and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import tomllib
import unicodedata
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import pandas as pd

from .. import __version__
from ..errors import InputError
from ..sim.indicators import HEADLINE, REGISTRY
from ..sim.inputs import load_targets
from ..sim.model import CirculationModel
from ..sim.scenario import Scenario, default_scenario, load_scenario, with_overrides
from ..ui.server import DEFAULT_HOST, DEFAULT_PORT
from ..workbench.store import atomic_write
from ..workbench.validate import pattern_table

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
DEFAULT_SCENARIO = Path("scenarios/baseline.toml")
#: Years shown in the summary besides the first and last simulated year.
SUMMARY_YEARS = (2010, 2019, 2030)
_KEY = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")

RUN_EXAMPLES = """\
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


class UsageError(Exception):
    """A command-line usage error, reported as one line instead of argparse's usage block."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(f"{message} (see '{prog} --help')")


class _Parser(argparse.ArgumentParser):
    """ArgumentParser that raises :class:`UsageError` instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.prog)


def _seed(text: str) -> int:
    """argparse type for ``--seed``: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer; allowed: an integer >= 0") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; allowed: an integer >= 0")
    return value


class Assignment(NamedTuple):
    """One ``--set KEY=VALUE``: the key, the parsed value and the text as typed."""

    key: str
    value: Any
    text: str


def parse_assignment(text: str) -> Assignment:
    """Parse ``KEY=VALUE`` from ``--set``: VALUE is a TOML literal, a plain word a string.

    Raises ``argparse.ArgumentTypeError`` naming the key, the value and what is allowed.
    """
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    allowed = "KEY=VALUE, KEY a name or dotted path such as levers.contact_window.enabled"
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r} has no '='; allowed: {allowed}")
    if not _KEY.fullmatch(key):
        raise argparse.ArgumentTypeError(f"bad key {key!r} in {text!r}; allowed: {allowed}")
    if not raw:
        raise argparse.ArgumentTypeError(f"key '{key}' has an empty value; allowed: a TOML value or a plain word")
    try:
        parsed = tomllib.loads(f"value = {raw}")
    except tomllib.TOMLDecodeError:
        # a plain word (DE, some_name) is a string; broken quotes, arrays or tables are errors
        if raw[0] in "\"'[{" or "\n" in raw:
            raise argparse.ArgumentTypeError(
                f"key '{key}': {raw!r} is not a valid TOML value; allowed: 50, 0.5, true, \"text\", [1, 2]"
            ) from None
        return Assignment(key, raw, text)
    if len(parsed) != 1:
        raise argparse.ArgumentTypeError(f"key '{key}': {raw!r} is more than one value; allowed: one TOML value")
    return Assignment(key, parsed["value"], text)


def build_parser() -> argparse.ArgumentParser:
    """The ``circsim`` argument parser with its sub-commands."""
    parser = _Parser(
        prog="circsim",
        description="circsim: an agent-based model of researchers moving among countries and sectors,\n"
        "and a workbench for science-policy levers.",
        epilog="examples:\n  circsim run\n  circsim run scenarios/baseline.toml --seed 1 --out results/baseline\n"
        "  circsim run --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(metavar="COMMAND", required=True, parser_class=_Parser)
    run = commands.add_parser(
        "run",
        help="run one scenario and print a summary against the observed targets",
        description="Run one scenario year by year (progress on stderr), then print the focal country's\n"
        "headline indicators beside the observed calibration targets, and every target with\n"
        "its simulated value in the target year.",
        epilog=RUN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "scenario",
        nargs="?",
        type=Path,
        metavar="SCENARIO.toml",
        help=f"scenario file (default: {DEFAULT_SCENARIO} if it exists in the current directory, "
        "else the built-in defaults)",
    )
    run.add_argument("--seed", type=_seed, default=0, metavar="N", help="random seed, an integer >= 0 (default: 0)")
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
        type=Path,
        metavar="DIR",
        help="write DIR/indicators.parquet and DIR/flows.parquet (created if needed; files replaced atomically)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    run.set_defaults(handler=run_command)
    batch = commands.add_parser(
        "batch",
        help="run an experiment file (scenarios x uncertainties x replicates) into a result store",
        description="Run every run of an experiment file (policy packages x design points of the\n"
        "uncertainties x replicates; every package uses the same seeds at a design point) and\n"
        "stream the results to a result store: manifest.json, runs.parquet, indicators.parquet/,\n"
        "flows.parquet/. Running again on the same store (or --resume) skips finished runs.\n"
        "Exit status: 0 all runs done, 1 some runs failed (recorded in the store), 2 bad input,\n"
        "130 interrupted (the store resumes).",
        epilog=BATCH_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    batch.add_argument(
        "experiment", type=Path, metavar="FILE", help="experiment file (TOML), e.g. scenarios/levers.toml"
    )
    batch.add_argument(
        "--out", type=Path, metavar="DIR", help="result store directory (default: results/<experiment name>)"
    )
    _executor_options(batch)
    batch.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted batch in DIR (also the default when DIR holds this experiment)",
    )
    batch.add_argument("--quiet", action="store_true", help="no progress on stderr")
    batch.set_defaults(handler=batch_command)
    comp = commands.add_parser(
        "compare",
        help="compare the scenarios of a result store with the baseline: effects, costs, report",
        description="Paired effects of every scenario against the baseline (same seeds), with 95%\n"
        "intervals, effect per 100 億円 of lever cost and rank stability across design points;\n"
        "writes report.md, effects.csv, ranking.csv and PNG figures.",
        epilog="examples:\n  circsim compare results/levers\n"
        "  circsim compare results/levers --years 2030,2040 --country JP --out reports/levers\n"
        "  circsim compare results/levers-new --against results/levers-old   # two stores",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    comp.add_argument("store", type=Path, metavar="DIR", help="a result store written by 'circsim batch'")
    comp.add_argument("--baseline", default="baseline", metavar="NAME", help="baseline scenario (default: baseline)")
    comp.add_argument("--country", default="JP", metavar="CODE", help="country compared (default: JP)")
    comp.add_argument(
        "--years", type=_years, metavar="Y1,Y2", help="years compared, comma-separated (default: the last year)"
    )
    comp.add_argument("--out", type=Path, metavar="REPORT_DIR", help="report directory (default: DIR/report)")
    comp.add_argument(
        "--against",
        type=Path,
        metavar="DIR2",
        help="compare each scenario with the same scenario of another store (e.g. before a model change)",
    )
    comp.set_defaults(handler=compare_command)
    val = commands.add_parser(
        "validate",
        help="the baseline against every observed target: pattern table and figure",
        description="Run baseline replicates (or read them from a result store) and write the pattern\n"
        "table: every target of src/circsim/sim/data/targets.csv with its observed value and source,\n"
        "the simulated mean and 90% interval across runs, the tolerance and whether it holds.",
        epilog="examples:\n  circsim validate --replicates 5 --scale 100 --out results/validate\n"
        "  circsim validate --uncalibrated --replicates 10 --out results/validate-before\n"
        "  circsim validate --store results/levers --out results/validate-levers",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    val.add_argument("--store", type=Path, metavar="DIR", help="read the baseline runs of this result store")
    val.add_argument("--scenario", default="baseline", metavar="NAME", help="scenario of the store (default: baseline)")
    val.add_argument("--replicates", type=_positive_int, default=5, metavar="R", help="runs to make (default: 5)")
    val.add_argument("--scale", type=float, default=100.0, metavar="S", help="scale of the runs made (default: 100)")
    val.add_argument("--workers", type=_positive_int, metavar="N", help="parallel workers (default: all cores)")
    val.add_argument(
        "--uncalibrated",
        action="store_true",
        help="run on the raw parameter defaults, not the calibrated values (the table before calibration)",
    )
    val.add_argument("--out", type=Path, default=Path("results/validate"), metavar="DIR", help="output directory")
    val.set_defaults(handler=validate_command)
    cal = commands.add_parser(
        "calibrate",
        help="estimate the free parameters against the observed targets (history matching)",
        description="History matching with regression emulators over the prior ranges of a calibration\n"
        "file (an experiment file with one scenario, calibrated = false, [uncertainties] ranges and a\n"
        "[calibration] table), in waves on the batch runner. Writes the waves' result stores, points,\n"
        "spread, discrepancy and NROY tables and a figure to --out, and the estimate with its\n"
        "provenance to src/circsim/sim/data/calibrated.toml, which every scenario then uses.",
        epilog="examples:\n  circsim calibrate scenarios/calibration.toml\n"
        "  circsim calibrate scenarios/calibration.toml --budget 120 --workers 2 --out results/calibration\n"
        "  circsim calibrate scenarios/calibration.toml --executor dask --scheduler tcp://10.0.0.5:8786\n"
        "  circsim calibrate scenarios/calibration.toml --write results/calibrated.toml   # try it first",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cal.add_argument("calibration", type=Path, metavar="FILE", help="calibration file, e.g. scenarios/calibration.toml")
    cal.add_argument("--budget", type=_positive_int, metavar="N", help="total model runs (sets the points per wave)")
    cal.add_argument("--out", type=Path, metavar="DIR", help="output directory (default: results/<name>)")
    cal.add_argument(
        "--write",
        type=Path,
        metavar="PATH",
        help="where to write the result (default: src/circsim/sim/data/calibrated.toml)",
    )
    _executor_options(cal)
    cal.add_argument("--quiet", action="store_true", help="no progress on stderr")
    cal.set_defaults(handler=calibrate_command)
    sens = commands.add_parser(
        "sensitivity",
        help="Morris or Sobol sensitivity of the headline outcomes to the uncertainties (SALib)",
        description="Run an experiment file whose design is morris or sobol (resumable, like batch),\n"
        "then write sensitivity.csv (indices of every headline outcome of the focal country in\n"
        "the last year, for the first scenario) and sensitivity.png.",
        epilog="example:\n  circsim sensitivity scenarios/sensitivity.toml --out results/sensitivity",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sens.add_argument("experiment", type=Path, metavar="FILE", help="experiment file with a morris or sobol design")
    sens.add_argument("--out", type=Path, metavar="DIR", help="output directory (default: results/<name>)")
    sens.add_argument("--workers", type=_positive_int, metavar="N", help="parallel workers (default: all cores)")
    sens.add_argument("--quiet", action="store_true", help="no progress on stderr")
    sens.set_defaults(handler=sensitivity_command)
    ui = commands.add_parser(
        "ui",
        help="start the visual interface (live model, career inspector, comparison of stores) in the browser",
        description="Serve the Solara interface on HOST:PORT and print its address; open it in a browser.\n"
        "The live page runs one model per browser session; the comparison page (/compare)\n"
        "reads result stores (--store, or those under experiments/ and results/). Works offline.",
        epilog="examples:\n  circsim ui\n  circsim ui --port 8800 --store experiments/levers-2026/store",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ui.add_argument(
        "--host", default=DEFAULT_HOST, metavar="HOST", help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    ui.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        metavar="P",
        help=f"port (default: {DEFAULT_PORT}; 0 = any free one)",
    )
    ui.add_argument("--store", type=Path, metavar="DIR", help="result store opened on the comparison page")
    ui.set_defaults(handler=ui_command)
    return parser


def _executor_options(parser: argparse.ArgumentParser) -> None:
    """--workers, --executor and --scheduler, as batch and calibrate take them."""
    parser.add_argument("--workers", type=_positive_int, metavar="N", help="parallel workers (default: all cores)")
    parser.add_argument(
        "--executor",
        choices=("local", "dask", "serial"),
        default="local",
        help="local process pool (default), a Dask cluster, or serial in this process",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address (with --executor dask); default: start a local cluster on 127.0.0.1",
    )


def _check_scheduler(args: argparse.Namespace, prog: str) -> None:
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask", prog)


def calibrate_command(args: argparse.Namespace) -> int:
    """``circsim calibrate``: history matching, then the calibration file."""
    from ..sim.inputs import CALIBRATED_FILE
    from ..workbench.calibrate import calibrate, load_calibration, write_calibrated, write_outputs

    _check_scheduler(args, "circsim calibrate")
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


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to 65535 (got {text!r})")
    return value


def ui_command(args: argparse.Namespace) -> int:
    """``circsim ui``: serve the interface until Ctrl-C."""
    from ..ui.server import serve

    return serve(args.host, args.port, args.store)


def sensitivity_command(args: argparse.Namespace) -> int:
    """``circsim sensitivity``: run a morris/sobol experiment and analyse it."""
    from ..workbench.experiment import load_experiment
    from ..workbench.runner import run_experiment
    from ..workbench.sensitivity import analyse, require_screening_design, write_sensitivity

    exp = load_experiment(args.experiment)
    method = require_screening_design(exp)  # before any run
    out = args.out or Path("results") / exp.spec.name
    store = run_experiment(exp, out / "store", workers=args.workers, progress=not args.quiet)
    table = analyse(exp, store)
    path = write_sensitivity(table, method, out)
    print(f"wrote {out / 'sensitivity.csv'} and {path}")
    return 0


def validate_command(args: argparse.Namespace) -> int:
    """``circsim validate``: the pattern table of the baseline."""
    from ..workbench.experiment import load_experiment
    from ..workbench.runner import run_experiment
    from ..workbench.store import open_store
    from ..workbench.validate import pattern_table, patterns_figure, series_figure, write_patterns

    if args.store and args.uncalibrated:
        raise UsageError("--uncalibrated applies to runs made here, not to the runs of --store", "circsim validate")
    if args.store:
        store = open_store(args.store)
        runs = store.runs()
        ids = set(runs.loc[(runs["scenario"] == args.scenario) & (runs["status"] == "done"), "run_id"])
        if not ids:
            raise InputError(
                "no finished run of this scenario",
                source=str(args.store),
                key="scenario",
                value=args.scenario,
                allowed=", ".join(dict.fromkeys(runs["scenario"])),
            )
        indicators = store.indicators()
        indicators = indicators[indicators["run_id"].isin(ids)]
        title = f"Pattern table: scenario {args.scenario} of {args.store} ({len(ids)} runs)"
    else:
        baseline = Path(DEFAULT_SCENARIO).resolve()
        if not baseline.is_file():
            raise InputError("file not found", source=str(baseline), allowed="run from the repository root")
        args.out.mkdir(parents=True, exist_ok=True)
        exp_file = args.out / "validate.toml"
        relative = Path(os.path.relpath(baseline, args.out.resolve())).as_posix()  # the folder can move with the repo
        exp_file.write_text(
            f'name = "validate"\nbaseline = "{relative}"\nreplicates = {args.replicates}\n'
            f"scale = {args.scale}\ncalibrated = {str(not args.uncalibrated).lower()}\n[scenarios.baseline]\n",
            encoding="utf-8",
        )
        store = run_experiment(load_experiment(exp_file), args.out / "store", workers=args.workers)
        indicators = store.indicators()
        which = "raw defaults (before calibration)" if args.uncalibrated else "calibrated"
        title = f"Pattern table: baseline ({which}), {args.replicates} replicates at scale {args.scale:g}"
    table = pattern_table(indicators)
    csv_path, md_path = write_patterns(table, args.out, title)
    patterns_figure(table, args.out / "patterns.png")
    series_figure(indicators, args.out / "series.png")
    checked = table["holds"].notna()
    print(
        f"{int(table.loc[checked, 'holds'].astype(bool).sum())} of {int(checked.sum())} targets hold; "
        f"wrote {md_path}, {csv_path}, {args.out / 'patterns.png'}, {args.out / 'series.png'}"
    )
    return 0


def _years(text: str) -> list[int]:
    try:
        years = [int(y) for y in text.split(",") if y.strip()]
    except ValueError:
        years = []
    if not years:
        raise argparse.ArgumentTypeError(f"must be years separated by commas, e.g. 2030,2040 (got {text!r})")
    return years


def compare_command(args: argparse.Namespace) -> int:
    """``circsim compare``: write the comparison report of a result store."""
    from ..workbench.report import write_report, write_store_comparison
    from ..workbench.store import open_store

    store = open_store(args.store)
    if args.against:
        out = args.out or args.store / "report-against"
        path = write_store_comparison(store, open_store(args.against), out, args.country, args.years)
    else:
        path = write_report(store, args.out or args.store / "report", args.baseline, args.country, args.years)
    print(f"wrote {path}")
    return 0


BATCH_EXAMPLES = """examples:
  circsim batch scenarios/levers.toml
  circsim batch scenarios/levers.toml --out results/levers --workers 2
  circsim batch scenarios/levers.toml --executor dask                 # local Dask cluster
  circsim batch scenarios/levers.toml --executor dask --scheduler tcp://10.0.0.5:8786
  circsim batch scenarios/levers.toml --out results/levers --resume   # after Ctrl-C"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1 (got {text!r})")
    return value


def batch_command(args: argparse.Namespace) -> int:
    """``circsim batch``: run an experiment into a result store."""
    from ..workbench.experiment import load_experiment
    from ..workbench.runner import run_experiment

    experiment = load_experiment(args.experiment)
    out = args.out or Path("results") / experiment.spec.name
    if args.resume and not (out / "manifest.json").is_file():
        raise InputError("nothing to resume (no manifest.json)", source=str(out), allowed="a store written by a batch")
    _check_scheduler(args, "circsim batch")
    print(
        f"{experiment.spec.name}: {len(experiment.runs)} runs "
        f"({len(experiment.scenario_names)} scenarios x {len(experiment.points)} design points x "
        f"{experiment.spec.replicates} replicates) -> {out}",
        file=sys.stderr,
    )
    store = run_experiment(experiment, out, args.executor, args.workers, args.scheduler, progress=not args.quiet)
    runs = store.runs()
    failed = runs[runs["status"] != "done"]
    print(f"{len(runs) - len(failed)} of {len(runs)} runs done; store: {out}")
    for row in failed.itertuples():
        first = str(row.error).splitlines()[0] if row.error else "unknown error"
        print(f"failed: {row.run_id}: {first}")
    return 1 if len(failed) else 0


# --- running ---------------------------------------------------------------------


def _scenario(args: argparse.Namespace) -> tuple[Scenario, str]:
    """The validated scenario and a label saying where it came from.

    The file is validated alone first, so an error found only once the command-line
    values are applied names those options as well as the file.
    """
    path: Path | None = args.scenario
    if path is None and DEFAULT_SCENARIO.is_file():
        path = DEFAULT_SCENARIO
    label = str(path) if path else "built-in defaults"
    base = load_scenario(path) if path else None
    overrides = {a.key: a.value for a in args.assignments}
    given = [f"--set {a.text}" for a in args.assignments]
    for option, key in (("--scale", "scale"), ("--start-year", "start_year"), ("--end-year", "end_year")):
        value = getattr(args, key)
        if value is not None:
            overrides[key] = value
            given.append(f"{option} {value:g}" if isinstance(value, float) else f"{option} {value}")
    if not overrides:
        return (base or default_scenario()), label
    try:
        return with_overrides(base or default_scenario(), overrides), label
    except InputError as err:
        raise InputError(
            err.detail, source=f"{label} with {' '.join(given)}", key=err.key, value=err.value, allowed=err.allowed
        ) from None


def _prepare_out(out: Path) -> None:
    """Create the output directory before the run, so a bad --out fails before any work."""
    allowed = "a writable directory (created if missing)"
    if out.exists() and not out.is_dir():
        raise InputError("is not a directory", source="--out", value=str(out), allowed=allowed)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create: {exc.strerror}", source="--out", value=str(out), allowed=allowed) from None
    if not os.access(out, os.W_OK):
        raise InputError("cannot write there", source="--out", value=str(out), allowed=allowed)


def write_results(model: CirculationModel, out: Path) -> list[Path]:
    """Write ``indicators.parquet`` and ``flows.parquet`` into ``out`` atomically.

    Each table goes to a temporary file in ``out`` first and is then renamed over the
    final name (:func:`circsim.workbench.store.atomic_write`), so a reader never sees a half-written file.
    """
    written = []
    for name, frame in (("indicators", model.indicators()), ("flows", model.flows())):
        final = out / f"{name}.parquet"
        try:
            atomic_write(final, lambda p, frame=frame: frame.to_parquet(p, index=False))
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", source=str(final)) from None
        written.append(final)
    return written


def simulate(model: CirculationModel, quiet: bool) -> CirculationModel:
    """Step the model to its end year, with one progress line a year on stderr unless quiet."""
    p = model.p
    total = p.end_year - p.start_year + 1
    began = time.perf_counter()
    done = 0
    while model.running:
        model.step()
        done += 1
        if not quiet:
            print(
                f"circsim: {p.start_year + done - 1}  {done}/{total}  "
                f"{p.focal_country} researchers {REGISTRY['researchers'].format(model.focal_value('researchers'))}  "
                f"{time.perf_counter() - began:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    return model


def run_command(args: argparse.Namespace) -> int:
    """``circsim run``: validate, simulate, write results if asked, print the summary."""
    scenario, label = _scenario(args)
    if args.out is not None:
        _prepare_out(args.out)
    p = scenario.model
    if not args.quiet:
        print(
            f"circsim: setting up '{scenario.name}' (seed {args.seed}, scale {p.scale:g}, "
            f"{p.burn_in_years} burn-in years)",
            file=sys.stderr,
            flush=True,
        )
    model = simulate(CirculationModel(rng=args.seed, scenario=scenario), args.quiet)
    written = write_results(model, args.out) if args.out is not None else []
    indicators, targets = model.indicators(), load_targets()
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


# --- the summary -------------------------------------------------------------------


def summary_years(start: int, end: int) -> list[int]:
    """Start year, 2010, 2019, 2030 and end year: those within the horizon, in order."""
    return sorted({start, end, *(y for y in SUMMARY_YEARS if start <= y <= end)})


def _right(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns (a character of 億円 takes two)."""
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in text)
    return text.rjust(width - wide)


def _observed(targets: pd.DataFrame, indicator: str, country: str) -> str:
    rows = targets[(targets.indicator == indicator) & (targets.country == country)].sort_values("year")
    if rows.empty:
        return ""
    ind = REGISTRY[indicator]
    return "obs " + ", ".join(
        f"{ind.format(r.value)} {ind.format_tolerance(r.tolerance)} ({r.year})" for r in rows.itertuples()
    )


def headline_table(indicators: pd.DataFrame, targets: pd.DataFrame, country: str, years: list[int]) -> str:
    """The focal country's headline indicators at ``years``, each with its observed targets."""
    mine = indicators[indicators.country == country]
    values = mine.pivot(index="indicator", columns="year", values="value")
    width = max(len(name) for name in HEADLINE)
    lines = [
        f"Headline indicators, {country} (simulated; obs = observed target ± tolerance (year))",
        f"{'indicator':<{width}}" + "".join(f"{y:>12}" for y in years) + "  observed",
    ]
    for name in HEADLINE:
        cells = "".join(_right(REGISTRY[name].format(values.at[name, y]), 12) for y in years)
        lines.append(f"{name:<{width}}{cells}  {_observed(targets, name, country)}".rstrip())
    return "\n".join(lines)


def targets_table(indicators: pd.DataFrame, targets: pd.DataFrame) -> str:
    """Every calibration target with the simulated value in its year and whether it holds."""
    table = pattern_table(indicators, targets)
    width = max(len("indicator"), *(len(x) for x in targets.indicator))
    head = f"{'indicator':<{width}}  country  year  {'observed':>10}  {'tolerance':>10}  {'simulated':>10}  holds"
    lines = ["Calibration targets (all countries): simulated value in the target year", head]
    for t in table.itertuples():
        ind = REGISTRY[t.indicator]
        verdict = "- (not in this run)" if t.holds is None else ("yes" if t.holds else "no")
        lines.append(
            f"{t.indicator:<{width}}  {t.country:<7}  {t.year}  {ind.format(t.observed):>10}  "
            f"{ind.format_tolerance(t.tolerance):>10}  {ind.format(t.simulated_mean):>10}  {verdict}"
        )
    checked = table["holds"].notna()
    held = int(table.loc[checked, "holds"].astype(bool).sum())
    lines.append(f"{held} of {int(checked.sum())} checked targets hold; {int((~checked).sum())} not checked")
    return "\n".join(lines)


# --- entry point -------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input, 130 interrupted)."""
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as done:  # --help and --version
            return int(done.code or 0)
        return args.handler(args)
    except (UsageError, InputError) as err:
        print(f"circsim: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("circsim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader of stdout went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    raise SystemExit(main())
