"""Time to first render of the compare page on a result store (default: the shipped
``experiments/levers-2026/store``, 204 runs, 4.6 million indicator rows).

Browser-free: each measurement is a fresh Python process (nothing cached) that imports
the interface, then renders ``ComparisonPage`` with ``solara.render`` as a new session
would on opening ``/compare`` (store read and verified, comparison, effects table, fan
chart specs, discovery and Pareto sections), timed from the render call until it
returns; then a second session's render (the results cached per store version); and the
same after :func:`circsim.ui.comparison.warm`, which ``circsim ui --store`` runs in the
background when the server starts (its own time printed beside). The
reference, measured in the same run, is reading the store alone (``open_store(...)
.indicators()``: every part verified and read), which no page can skip; with ``--before
REV``, the page of that git revision (its ``comparison.py`` loaded in place of this one)
is timed too. Each figure is the median of ``--repeat`` processes.

    python benchmarks/bench_compare_open.py [--store DIR] [--repeat 3] [--before REV]

Not included: importing the app (done once when the server starts), the websocket round
trip and the browser's drawing of the charts (vega, a few hundred ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORE = ROOT / "experiments" / "levers-2026" / "store"

#: One measurement, run in a fresh process: prints a JSON dict of seconds.
CHILD = """
import importlib.util, json, sys, time
from pathlib import Path
store, before = Path(sys.argv[1]), sys.argv[2]
import solara
import circsim.ui.app  # the server imports the app once, before any page opens
if sys.argv[3] == "store":
    from circsim.workbench.store import open_store
    t0 = time.perf_counter()
    open_store(store).indicators()
    print(json.dumps({"store": time.perf_counter() - t0}))
    sys.exit()
if before:
    spec = importlib.util.spec_from_loader("circsim.ui.comparison_before", loader=None)
    page = importlib.util.module_from_spec(spec)
    exec(compile(before, "comparison_before.py", "exec"), page.__dict__)
else:
    import circsim.ui.comparison as page
out = {}
if sys.argv[3] == "warm":  # what the server does in the background at start for --store
    t0 = time.perf_counter()
    page.warm(store)
    out["warm"] = time.perf_counter() - t0
for name in ("first", "second"):
    t0 = time.perf_counter()
    solara.render(page.ComparisonPage(store, [store.parent]), handle_error=False)
    out[name] = time.perf_counter() - t0
print(json.dumps(out))
"""


def measure(store: Path, what: str, before: str = "") -> dict[str, float]:
    """One fresh process's seconds (``what``: ``store`` or ``page``)."""
    env_src = str(ROOT / "src")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(store), before, what],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": env_src, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def median(runs: list[dict[str, float]], key: str) -> str:
    """The median of ``key`` over runs, in seconds."""
    return f"{statistics.median(r[key] for r in runs):6.2f} s"


def main() -> None:
    """Time the store read, this page's first and second render, and optionally an older page's."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=STORE, help="result store (default: the shipped levers-2026)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per figure (default 3)")
    parser.add_argument("--before", metavar="REV", help="also time the compare page of this git revision")
    args = parser.parse_args()
    store = args.store.resolve()
    measure(store, "store")  # once untimed: the files in the operating system's cache for every figure
    rows = {"reference: read the store": [measure(store, "store") for _ in range(args.repeat)]}
    rows["this page"] = [measure(store, "page") for _ in range(args.repeat)]
    rows["this page, store warmed"] = [measure(store, "warm") for _ in range(args.repeat)]
    if args.before:
        old = subprocess.run(["git", "show", f"{args.before}:src/circsim/ui/comparison.py"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
        # its relative imports resolve in circsim.ui, whose other modules are this tree's
        old = old.replace("from ..", "from circsim.").replace("from .", "from circsim.ui.")
        rows[f"page at {args.before}"] = [measure(store, "page", old) for _ in range(args.repeat)]
    print(f"{store}: median of {args.repeat} fresh processes")
    for name, runs in rows.items():
        if "store" in runs[0]:
            print(f"  {name:32s} {median(runs, 'store')}")
        elif "warm" in runs[0]:
            print(f"  {name:32s} first render {median(runs, 'first')}   another session {median(runs, 'second')}"
                  f"   (warm-up at server start {median(runs, 'warm')})")  # fmt: skip
        else:
            print(f"  {name:32s} first render {median(runs, 'first')}   another session {median(runs, 'second')}")


if __name__ == "__main__":
    main()
