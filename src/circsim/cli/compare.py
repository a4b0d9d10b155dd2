"""``circsim compare``: the comparison report of a result store (or of two stores)."""

from __future__ import annotations

import argparse

from .parser import Commands, add_command, name_list, path, years


def register(commands: Commands) -> None:
    """Declare ``circsim compare`` and its options."""
    comp = add_command(
        commands,
        "compare",
        "compare the scenarios of a result store with the baseline: effects, costs, report",
        "Paired effects of every scenario against the baseline (same seeds) with paired t-test\n"
        "intervals and p-values, false-discovery control over all of them (Benjamini-Hochberg),\n"
        "effect per 100 億円 of lever cost with its Fieller interval for the effects that survive,\n"
        "and ranks in the better direction; an effect with too few pairs is 'not estimable' (the\n"
        "report's Method section). Writes report.md, effects.csv, ranking.csv and PNG figures.",
        "examples:\n  circsim compare results/levers\n"
        "  circsim compare results/levers --years 2030,2040 --country JP --out reports/levers\n"
        "  circsim compare results/levers --indicators researchers,return_rate,papers\n"
        "  circsim compare results/levers-new --against results/levers-old   # two stores",
    )
    comp.add_argument("store", type=path, metavar="DIR", help="a result store written by 'circsim batch'")
    comp.add_argument("--baseline", default="baseline", metavar="NAME", help="baseline scenario (default: baseline)")
    comp.add_argument("--country", default="JP", metavar="CODE", help="country compared (default: JP)")
    comp.add_argument(
        "--years", type=years, metavar="Y1,Y2", help="years compared, comma-separated (default: the last year)"
    )
    comp.add_argument(
        "--indicators",
        type=name_list,
        metavar="A,B",
        help="indicators compared, comma-separated (default: those the registry marks as compared)",
    )
    comp.add_argument("--out", type=path, metavar="REPORT_DIR", help="report directory (default: DIR/report)")
    comp.add_argument(
        "--against",
        type=path,
        metavar="DIR2",
        help="compare each scenario with the same scenario of another store (e.g. before a model change)",
    )
    comp.set_defaults(handler=compare_command)


def compare_command(args: argparse.Namespace) -> int:
    """``circsim compare``: write the comparison report of a result store."""
    from ..workbench.report import write_report, write_store_comparison
    from ..workbench.store import open_store

    store = open_store(args.store)
    if args.against:
        out = args.out or args.store / "report-against"
        path = write_store_comparison(store, open_store(args.against), out, args.country, args.years, args.indicators)
    else:
        out = args.out or args.store / "report"
        path = write_report(store, out, args.baseline, args.country, args.years, args.indicators)
    print(f"wrote {path}")
    return 0
