"""Argument types and options shared by the commands, and how a command declares itself."""

from __future__ import annotations

import argparse
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

from ..console import Parser, UsageError
from ..errors import InputError
from ..sim.input_files import path_argument

DEFAULT_SCENARIO = Path("scenarios/baseline.toml")
_KEY = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")

Commands = argparse._SubParsersAction  # what add_subparsers returns


def add_command(commands: Commands, name: str, summary: str, description: str, epilog: str, **kw: Any) -> Parser:
    """A sub-command's parser: ``summary`` is its line in ``circsim --help``; its
    description and examples are printed as written."""
    formatter = argparse.RawDescriptionHelpFormatter
    return commands.add_parser(
        name, help=summary, description=description, epilog=epilog, formatter_class=formatter, **kw
    )


#: argparse type of file and directory options (checked for length)
path = path_argument


def seed(text: str) -> int:
    """argparse type for ``--seed``: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer; allowed: an integer >= 0") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; allowed: an integer >= 0")
    return value


def positive_int(text: str) -> int:
    """argparse type for counts (replicates, workers, budget): an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1 (got {text!r})")
    return value


def number(text: str) -> float:
    """argparse type for a threshold or a scale: a finite number."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number (got {text!r})")
    return value


def positive_number(text: str) -> float:
    """argparse type for an amount (a budget): a finite number > 0."""
    value = number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0 (got {text!r})")
    return value


def share(text: str) -> float:
    """argparse type for a share: a number from 0 to 1."""
    value = number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1 (got {text!r})")
    return value


def years(text: str) -> list[int]:
    """argparse type for ``--years``: years separated by commas."""
    try:
        values = [int(y) for y in text.split(",") if y.strip()]
    except ValueError:
        values = []
    if not values:
        raise argparse.ArgumentTypeError(f"must be years separated by commas, e.g. 2030,2040 (got {text!r})")
    return values


def name_list(text: str) -> list[str]:
    """argparse type for a list of names separated by commas (``--indicators a,b``); each
    name once, in the order given."""
    values = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not values:
        raise argparse.ArgumentTypeError(f"must be names separated by commas, e.g. researchers,papers (got {text!r})")
    return values


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


def executor_options(parser: argparse.ArgumentParser) -> None:
    """--workers, --executor and --scheduler, as batch and calibrate take them."""
    parser.add_argument("--workers", type=positive_int, metavar="N", help="parallel workers (default: all cores)")
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


def check_scheduler(args: argparse.Namespace, prog: str) -> None:
    """``--scheduler`` only goes with ``--executor dask``."""
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask", prog)


def prepare_out(out: Path) -> None:
    """Create the output directory before any work, so a bad --out fails first."""
    allowed = "a writable directory (created if missing)"
    if out.exists() and not out.is_dir():
        raise InputError("is not a directory", source="--out", value=str(out), allowed=allowed)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create: {exc.strerror}", source="--out", value=str(out), allowed=allowed) from None
    if not os.access(out, os.W_OK):
        raise InputError("cannot write there", source="--out", value=str(out), allowed=allowed)
