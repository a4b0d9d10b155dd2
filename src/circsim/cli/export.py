"""``circsim export``: a result store's tables as CSV files or an Excel workbook."""

from __future__ import annotations

import argparse
import sys

from .parser import Commands, add_command, path


def register(commands: Commands) -> None:
    """Declare ``circsim export``."""
    cmd = add_command(
        commands,
        "export",
        "export a result store's tables (runs, indicators, flows) as CSV files or an Excel workbook",
        "Write a result store's tables for spreadsheets and other tools: store (where the\n"
        "results come from), runs (one row per run with its uncertainty values and summary\n"
        "outcomes), indicators and flows (tidy, one row per value, with the run's id). CSV: a\n"
        "file per table; xlsx: one workbook with a sheet per table (a table longer than an\n"
        "Excel sheet goes on in 'NAME (2)', ...). Every part is checked against the store's\n"
        "checksums first. From Python, circsim.workbench.ema.load_ema(STORE) gives EMA\n"
        "Workbench's (experiments, outcomes) instead.",
        "examples:\n  circsim export results/levers                       # CSV files in results/levers/export/\n"
        "  circsim export results/levers --format xlsx --out ~/levers",
    )
    cmd.add_argument("store", type=path, metavar="STORE", help="a result store written by 'circsim batch'")
    cmd.add_argument(
        "--format", choices=("csv", "xlsx"), default="csv", help="csv files (default) or one xlsx workbook"
    )
    cmd.add_argument("--out", type=path, metavar="DIR", help="output directory (default: STORE/export)")
    cmd.set_defaults(handler=export_command)


def export_command(args: argparse.Namespace) -> int:
    """``circsim export``: write the store's tables."""
    from ..workbench.export import export_store
    from ..workbench.store import open_store

    store = open_store(args.store)
    if args.format == "xlsx":
        rows = sum(len(store.table(name)) for name in ("indicators", "flows"))
        print(f"writing {rows:,} rows to an Excel workbook (about a minute per million rows)", file=sys.stderr)
    paths = export_store(store, args.out or args.store / "export", args.format)
    print(f"wrote {', '.join(str(p) for p in paths)}")
    return 0
