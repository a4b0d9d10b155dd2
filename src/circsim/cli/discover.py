"""``circsim discover``: scenario discovery on a result store (EMA Workbench's PRIM and CART)."""

from __future__ import annotations

import argparse

from .parser import Commands, add_command, number, path, positive_int, share

EXAMPLES = """examples:
  circsim discover results/discover --outcome researchers --threshold 0 --below --effect --scenario combined
  circsim discover results/discover --outcome nationals_abroad --threshold 30000 --scenario baseline --year 2040
  circsim discover results/discover --outcome foreign_share --threshold 0.08 --country JP --out results/why-open

A run is a case of interest when its outcome is at least VALUE (at most with --below).
Needs the optional extra: pip install 'circsim[discover]'.
Exit status: 0 done, 1 EMA Workbench not installed, 2 bad input (one line on stderr)."""


def register(commands: Commands) -> None:
    """Declare ``circsim discover`` and its options."""
    cmd = add_command(
        commands,
        "discover",
        "scenario discovery: under which assumptions does an outcome cross a threshold (PRIM, CART)",
        "Scenario discovery on a result store: the runs are the cases, their uncertainty values\n"
        "the inputs, and a run is a case of interest when an indicator of a country in a year\n"
        "(or, with --effect, its paired effect against the baseline) is at least the threshold\n"
        "(at most with --below). EMA Workbench's PRIM finds boxes of uncertainty ranges where\n"
        "the cases of interest concentrate (coverage, density, quasi-p values); CART's leaves\n"
        "are a second look. Writes boxes.csv, limits.csv, trajectory.csv, discover.md (the\n"
        "question and its answer), discover.png and prim-box.png. The store needs a design\n"
        "over uncertainties with many points, e.g. from scenarios/discover.toml.",
        EXAMPLES,
    )
    cmd.add_argument("store", type=path, metavar="STORE", help="a result store written by 'circsim batch'")
    cmd.add_argument("--outcome", required=True, metavar="NAME", help="indicator (see 'circsim list indicators')")
    cmd.add_argument("--threshold", required=True, type=number, metavar="VALUE", help="the outcome's threshold")
    cmd.add_argument("--below", action="store_true", help="cases of interest are at most VALUE (default: at least)")
    cmd.add_argument(
        "--effect",
        action="store_true",
        help="the outcome is the paired effect against the baseline run of the same design point and replicate",
    )
    cmd.add_argument("--scenario", metavar="S", help="analyse only this scenario's runs (default: every scenario)")
    cmd.add_argument("--baseline", default="baseline", metavar="NAME", help="baseline of --effect (default: baseline)")
    cmd.add_argument("--country", default="JP", metavar="CODE", help="country of the outcome (default: JP)")
    cmd.add_argument("--year", type=int, metavar="Y", help="year of the outcome (default: the last recorded year)")
    cmd.add_argument(
        "--min-coverage",
        type=share,
        default=0.5,
        metavar="C",
        help="each PRIM box kept is the densest covering at least C of the cases not yet explained (default: 0.5)",
    )
    cmd.add_argument(
        "--boxes", type=positive_int, default=3, metavar="N", help="PRIM boxes sought, at most (default: 3)"
    )
    cmd.add_argument("--out", type=path, metavar="DIR", help="output directory (default: STORE/discover)")
    cmd.set_defaults(handler=discover_command)


def discover_command(args: argparse.Namespace) -> int:
    """``circsim discover``: PRIM and CART boxes of a store's runs."""
    from ..workbench.discover import Question, discover, ema_analysis, outcome_cases, write_discovery
    from ..workbench.store import open_store

    ema_analysis("prim")  # a missing extra is said before any work
    store = open_store(args.store)
    question = Question(
        args.outcome, args.threshold, args.below, args.country, args.year, args.scenario, args.effect, args.baseline
    )
    cases = outcome_cases(store, question)
    found = discover(cases, args.min_coverage, args.boxes)
    paths = write_discovery(store, question, cases, found, args.out or args.store / "discover")
    print(question.title(cases.year))
    for box in found.boxes[found.boxes["method"] == "prim"].itertuples():
        print(f"  PRIM box {box.box}: {box.rule} (coverage {box.coverage:.0%}, density {box.density:.0%})")
    if not (found.boxes["method"] == "prim").any():
        print("  PRIM finds no box denser than all runs")
    print(f"wrote {', '.join(str(p) for p in paths)}")
    return 0
