"""``circsim verify``: check every finished run's parts of a result store against the
checksums its journal recorded."""

from __future__ import annotations

import argparse

from .parser import Commands, add_command, path


def register(commands: Commands) -> None:
    """Declare ``circsim verify``."""
    cmd = add_command(
        commands,
        "verify",
        "check a result store: every finished run's parts against the journal's checksums",
        "Check that every finished run of a result store still has its parts (indicators,\n"
        "flows) and that each part's SHA-256 equals the one the journal recorded when the run\n"
        "was written. Lists each damaged run; 'circsim batch FILE --out DIR --resume' runs\n"
        "them again. Exit status: 0 intact, 1 damaged runs found, 2 not a readable store.",
        "examples:\n  circsim verify results/levers\n  circsim verify experiments/levers-2026/store",
    )
    cmd.add_argument("store", type=path, metavar="DIR", help="a result store written by 'circsim batch'")
    cmd.set_defaults(handler=verify_command)


def verify_command(args: argparse.Namespace) -> int:
    """``circsim verify``: list damaged runs; 1 if any."""
    from ..workbench.store import open_store

    store = open_store(args.store)
    problems = {rid: p for rid, p in store.verify().items() if p}
    runs = store.manifest["runs"]
    pending = sum(r["status"] == "pending" for r in runs.values())
    failed = sum(r["status"] == "failed" for r in runs.values())
    seal = "" if store.sealed else " (an older store without checksums: only the presence of parts is checked)"
    for rid, problem in problems.items():
        print(f"damaged: {rid}: {problem}")
    print(
        f"{args.store}: {len(store.done()) - len(problems)} of {len(store.done())} finished runs intact; "
        f"{failed} failed, {pending} not run{seal}"
    )
    return 1 if problems else 0
