"""Hostile inputs for the command line, and a checker that feeds them to it.

Six kinds of input, each generated from a seed: scenario files (mutated copies of the
shipped ones: wrong types, impossible values, unknown keys, broken syntax, binary junk,
deep nesting, huge files), experiment files (bad names, designs, tables, paths, sizes),
``[optimise]`` tables (unknown outcomes and lever settings, bad ranges, budgets, robust
statistics and search sizes, checked by ``circsim optimise --dry-run``),
``--set`` overrides and run options, damaged result stores (parts deleted, truncated,
replaced, linked; manifests and journals rewritten with wrong types), and random command
lines. Every case runs ``circsim`` in this process and must end within the time limit
with status 0, 1 or 2, never an escaped exception (a traceback), and a failing status
must come with one ``circsim: error:`` line.

The tests run a sample (``tests/integration/test_hostile.py``); the full run for
docs/reliability.md is ``python tests/hostile.py --cases 2500``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import shutil
import signal
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.toml") if "scenarios" not in tomllib.loads(p.read_text()))
#: Seconds a case may take before it counts as a hang.
TIME_LIMIT_S = 10.0
#: What every run of a scenario is held to, so a valid mutation stays quick.
QUICK = ["--quiet", "--scale", "20000", "--end-year", "2004"]

HOSTILE_VALUES: list[Any] = [
    "", "x" * 5000, "JP", "../../etc/passwd", "\u202e\u0000evil", -1, 0, 1, 10**30, -(10**30), 1e308, -1e308,
    float("nan"), float("inf"), float("-inf"), 1e-300, True, False, [], [1, 2, 3], [[[[1]]]], {"a": 1},
    {"enabled": "yes"}, 0.5, 2150, 1899, "2026", "true", [float("nan")], list(range(2000)),
]  # fmt: skip
BAD_PATHS = ["nope", "countries.XX.a", "levers.x.y", "scale", "model", "levers.contact_window"]
BAD_RANGES = [{"low": 1, "high": 0}, {"values": []}, {"values": list(range(100_000))}, {"low": "a", "high": "b"}, 5]
HOSTILE_TEXT = [
    "", "[[[[", "1e999", "nan", "-nan", "inf", "-0", "true", "'x'", '"unterminated', "{a=1}", "[1,[2,[3]]]",
    "1" * 5000, "é", "0x10", "1_000", "2004-01-01", "[]", '""', "{", "null", "None", "\\x00", "-1e-300",
]  # fmt: skip


@dataclass
class Case:
    """One hostile input: its kind, a label, and the command line to run (files written first)."""

    kind: str
    label: str
    argv: list[str]


@dataclass
class Outcome:
    """What a case did."""

    case: Case
    status: int | None  # None: an exception escaped (a traceback) or the time limit passed
    seconds: float
    error: str  # the escaped exception or the problem found, '' if none

    @property
    def ok(self) -> bool:
        return not self.error


# --- generators --------------------------------------------------------------------


def _leaves(data: Any, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*path, k))
    elif path:
        yield path


def _set(data: dict, path: tuple, value: Any) -> None:
    node = data
    for k in path[:-1]:
        node = node.setdefault(k, {}) if isinstance(node, dict) else node
    if isinstance(node, dict):
        node[path[-1]] = value


def _toml(data: dict) -> bytes | None:
    try:
        return tomli_w.dumps(data).encode("utf-8")
    except (TypeError, ValueError):
        return None


def _raw_mutation(rng: random.Random, text: bytes) -> bytes:
    ops = [
        lambda t: t[: rng.randrange(len(t) + 1)],  # truncated
        lambda t: t[: (i := rng.randrange(len(t) + 1))] + bytes(rng.randrange(256) for _ in range(8)) + t[i:],
        lambda t: t + t,  # every key twice
        lambda t: b"\xef\xbb\xbf" + t.replace(b"\n", b"\r\n"),
        lambda t: t.replace(b"=", b"", 1),
        lambda t: t.replace(b"]", b"", 1),
        lambda t: t + b"\n[model]\nscale = 50\n",  # a table twice
        lambda t: t.replace(b'"', b"'", 3),
        lambda t: t + b"\x00",
    ]
    return rng.choice(ops)(text)


def scenario_files(rng: random.Random, n: int, work: Path) -> Iterator[Case]:
    """Mutated scenario files run with ``circsim run FILE`` (held quick)."""
    specials: dict[str, bytes] = {
        "empty": b"",
        "comments only": b"# nothing\n",
        "binary": bytes(range(256)) * 40,
        "deep array": ("x = " + "[" * 1000 + "]" * 1000).encode(),
        "long header": ("[" + ".".join(["a"] * 200_000) + "]\n").encode(),
        "huge": b"description = '" + b"x" * 2_000_000 + b"'\n",
        "levers as a value": b"levers = 3\n",
        "countries as a list": b"countries = [1, 2]\n",
        "unknown country": b"[countries.XX]\nrenewal_prob = 0.5\n",
        "unknown lever": b"[levers.teleport]\nenabled = true\n",
    }
    for k in range(n):
        source = rng.choice(SCENARIOS)
        base = tomllib.loads(source.read_text())
        kind = rng.random()
        if k < len(specials):
            label, data = list(specials.items())[k]
        elif kind < 0.55:
            data = json.loads(json.dumps(base))
            leaves = list(_leaves(data)) or [("model", "scale")]
            for _ in range(rng.randint(1, 3)):
                path = rng.choice(leaves)
                _set(data, path, rng.choice(HOSTILE_VALUES))
            label = f"{source.name}: values {rng.random():.6f}"
            data = _toml(data) or source.read_bytes()
        elif kind < 0.75:
            data = json.loads(json.dumps(base))
            table = rng.choice(["model", "countries", "levers", ""])
            key = rng.choice(["nonsense", "scale ", "Scale", "x" * 300, "a.b", "é", "levers", "model"])
            value = rng.choice(HOSTILE_VALUES)
            if table:
                data.setdefault(table, {})
                if isinstance(data[table], dict):
                    data[table][key] = value
            else:
                data[key] = value
            label = f"{source.name}: key {key[:20]!r} in [{table}]"
            data = _toml(data) or source.read_bytes()
        else:
            data = _raw_mutation(rng, source.read_bytes())
            label = f"{source.name}: raw {rng.random():.6f}"
        path = work / f"scenario-{k}.toml"
        path.write_bytes(data)
        yield Case("scenario file", label, ["run", str(path), *QUICK])


def _experiment_base() -> dict[str, Any]:
    return {
        "name": "hostile",
        "baseline": str(ROOT / "scenarios" / "baseline.toml"),
        "replicates": 1,
        "scale": 20000,
        "end_year": 2005,
        "scenarios": {"baseline": {}, "fellows": {"file": str(ROOT / "scenarios" / "fellowships.toml")}},
        "uncertainties": {"return_logit_base": {"low": -3.0, "high": -1.0}},
        "design": {"method": "latin_hypercube", "samples": 2},
    }


def experiment_files(rng: random.Random, n: int, work: Path) -> Iterator[Case]:
    """Mutated experiment files checked with ``circsim batch FILE --dry-run``."""
    junk_csv = work / "junk.csv"
    junk_csv.write_bytes(b"return_logit_base,x\n1,abc\n" + bytes(range(256)))
    text_csv = work / "text.csv"
    text_csv.write_text("return_logit_base\nhello\n")
    good_csv = work / "good.csv"
    good_csv.write_text("visit_logit_base\n-4.0\n-3.5\n")
    link = work / "link.csv"
    if not link.exists():
        link.symlink_to("/etc/passwd")
    tables = ["/proc/self/environ", "/etc/passwd", "/dev/zero", str(work), "", "missing.csv", str(junk_csv),
              str(text_csv), str(good_csv), str(link), "../" * 40 + "etc/passwd", "x" * 5000]  # fmt: skip
    edits: list[Callable[[dict], None]] = [
        lambda d: d.update(name=rng.choice(["../../x", "/abs", "", ".", "a" * 500, "a/b", "é", " ", "..", "-x"])),
        lambda d: d["design"].update(method=rng.choice(["table", "sobol", "morris", "full_factorial", "magic", 3])),
        lambda d: d["design"].update(samples=rng.choice([0, -1, 10**9, 100_000, "10", 2.5, 65536])),
        lambda d: d["design"].update(method="table", file=rng.choice(tables)),
        lambda d: d.update(replicates=rng.choice([0, -1, 10**6, 10_000, 1.5, "3", True])),
        lambda d: d.update(scale=rng.choice([0, -1, 1e-300, 1e-6, "x", float("nan"), 1e6, 1])),
        lambda d: d.update(end_year=rng.choice([1000, 9999, 2003, "2040", 2004.5])),
        lambda d: d["uncertainties"].update({rng.choice(BAD_PATHS): {"low": 0, "high": 1}}),
        lambda d: d["uncertainties"].update(return_logit_base=rng.choice(BAD_RANGES)),
        lambda d: d["scenarios"].update(x={"file": rng.choice([*tables, "scenarios"])}),
        lambda d: d["scenarios"].update(x=rng.choice([3, "x", [], {"levers": {"teleport": {}}}, {"levers": 5}])),
        lambda d: d.update(scenarios={}),
        lambda d: d.update(keep={"indicators": rng.choice([["nope"], "all", [1], []]), "countries": ["XX"]}),
        lambda d: d.update(baseline=rng.choice(tables)),
        lambda d: d.update({rng.choice(["unknown", "Design", "x" * 200]): 1}),
        lambda d: d["design"].update(method="full_factorial", levels=rng.choice([1, 10**6, 100])),
        lambda d: d.update(precision={
            "indicators": rng.choice([["papers"], ["nope"], [], "papers", ["lever_cost_cum_yen"], [1]]),
            "half_width": rng.choice([0.05, 0, -1, 2, "5%", float("nan"), True]),
            "max_runs": rng.choice([40, 0, 3, 10**9, 2.5, "400"]),
            "step": rng.choice([1, 0, -2, 10**6, "2"]),
            rng.choice(["baseline", "country", "bogus"]): rng.choice(["baseline", "fellows", "XX", "nope", 3, ""]),
        }),
    ]  # fmt: skip
    for k in range(n):
        data = _experiment_base()
        for _ in range(rng.randint(1, 3)):
            with contextlib.suppress(KeyError, AttributeError, TypeError):
                rng.choice(edits)(data)
        raw = _toml({key: v for key, v in data.items() if v is not None})
        if raw is None or rng.random() < 0.15:
            raw = _raw_mutation(rng, (_toml(_experiment_base()) or b""))
        path = work / f"experiment-{k}.toml"
        path.write_bytes(raw)
        yield Case(
            "experiment file", f"experiment {k}", ["batch", str(path), "--dry-run", "--out", str(work / f"out-{k}")]
        )


#: Setting paths an [optimise.levers] table might name: one valid, the others not.
OPTIMISE_PATHS = [
    "levers.overseas_fellowships.fellows_per_year", "levers.overseas_fellowships.guarantee",
    "levers.overseas_fellowships.duration_years", "levers.contact_window.visibility_gain", "levers.teleport.x",
    "levers.overseas_fellowships", "scale", "x" * 300, "levers..x", "levers.overseas_fellowships.enabled",
]  # fmt: skip


def optimise_files(rng: random.Random, n: int, work: Path) -> Iterator[Case]:
    """Experiment files with mutated [optimise] tables, checked with ``circsim optimise FILE --dry-run``."""
    counts = ["population", "generations", "samples", "replicates", "front_points", "year"]
    edits: list[Callable[[dict], None]] = [
        lambda o: o.update(outcome=rng.choice(["", "nope", "stayers", "lever_cost_yen", 3, ["researchers"]])),
        lambda o: o.update(budget=rng.choice(HOSTILE_VALUES)),
        lambda o: o.update(robust=rng.choice(["median", "mean ", 0, 1, 0.9, -0.1, 0.5, float("nan"), True, []])),
        lambda o: o.update({rng.choice(counts): rng.choice(HOSTILE_VALUES)}),
        lambda o: o.update(package=rng.choice(["", "baseline", "nope", 3]), baseline=rng.choice(["fellows", "x", ""])),
        lambda o: o.update(country=rng.choice(["XX", "", "jp", 5])),
        lambda o: o["levers"].update({rng.choice(OPTIMISE_PATHS): rng.choice([*BAD_RANGES, {"low": 0, "high": 1}])}),
        lambda o: o.update(levers=rng.choice([{}, 3, [], {"x": 1}])),
        lambda o: o.update({rng.choice(["unknown", "Budget", "x" * 200]): 1}),
    ]
    for k in range(n):
        data = _experiment_base()
        data["optimise"] = {
            "outcome": "researchers", "budget": 300, "population": 4, "generations": 1, "samples": 1, "replicates": 1,
            "levers": {OPTIMISE_PATHS[0]: {"low": 0, "high": 2000}},
        }  # fmt: skip
        for _ in range(rng.randint(1, 3)):
            with contextlib.suppress(KeyError, AttributeError, TypeError):
                rng.choice(edits)(data["optimise"])
        if rng.random() < 0.1:
            data["optimise"] = rng.choice([3, "x", [1]])
        raw = _toml(data)
        if raw is None or rng.random() < 0.1:
            raw = _raw_mutation(rng, (_toml({**_experiment_base(), "optimise": {"outcome": "researchers"}}) or b""))
        path = work / f"optimise-{k}.toml"
        path.write_bytes(raw)
        budget = ["--budget", rng.choice(["0", "-1", "nan", "inf", "x", "1e308", "50"])] if rng.random() < 0.3 else []
        argv = ["optimise", str(path), "--dry-run", *budget, "--out", str(work / f"optimise-out-{k}")]
        yield Case("optimise file", f"optimise {k}", argv)


def overrides(rng: random.Random, n: int) -> Iterator[Case]:
    """``--set KEY=VALUE`` and run options on the baseline (held quick)."""
    keys = ["scale", "end_year", "start_year", "burn_in_years", "focal_country", "renewal_prob", "model.scale",
            "countries.JP.renewal_prob", "countries.XX.renewal_prob", "countries.JP", "levers.contact_window.enabled",
            "levers.overseas_fellowships.fellows_per_year", "levers.teleport.x", "levers", "model", "x" * 500,
            "a..b", "__", ".", "countries__JP__insider_preference", "levers.base_funding.country",
            "calibrated", "name", "topic_seed_share", "topic_threshold", "enable_returns"]  # fmt: skip
    options = [["--seed", v] for v in ("-1", "x", "1e3", "99999999999999999999", "")]
    options += [["--scale", v] for v in ("0", "-5", "1e-6", "1e-300", "nan", "inf", "x", "1e6")]
    options += [["--end-year", v] for v in ("1000", "9999", "x", "2003")] + [["--start-year", "3000"]]
    options += [["--out", v] for v in ("/proc/x", "/dev/null", "", "x" * 5000)]
    for k in range(n):
        if k % 5 == 4:
            extra = rng.choice(options)
            argv = ["run", str(ROOT / "scenarios" / "baseline.toml"), "--quiet", *extra]
            if "--scale" not in extra:
                argv += ["--scale", "20000"]
            if "--end-year" not in extra:
                argv += ["--end-year", "2004"]
        else:
            key = rng.choice(keys)
            value = rng.choice(HOSTILE_TEXT + [str(v) for v in HOSTILE_VALUES[:14]])
            argv = ["run", str(ROOT / "scenarios" / "baseline.toml"), *QUICK, "--set", f"{key}={value}"]
        yield Case("override", " ".join(argv[2:])[-80:], argv)


def command_lines(rng: random.Random, n: int) -> Iterator[Case]:
    """Random command lines from the commands' words."""
    words = ["run", "batch", "compare", "verify", "validate", "calibrate", "sensitivity", "ui", "discover", "export",
             "optimise", "--dry-run",
             "list", "show", "levers", "scenarios", "--outcome", "--threshold", "--effect", "--format", "xlsx", "nan",
             "--dir", "--no-cost", "--help", "--out",
             "--set", "--seed", "--years", "--country", "--baseline", "--against", "--store", "--workers",
             "--executor", "--scheduler", "--budget", "--port", "--host", "--resume", "--quiet", "--scenario",
             "--replicates", "--uncalibrated", "2030,x", "ZZ", "-1", "0", "/nonexistent", "/proc/self/environ",
             "tcp://127.0.0.1:1", "dask", "serial", "9" * 30, "", "--", "-", "é"]  # fmt: skip
    for _ in range(n):
        argv = [rng.choice(words) for _ in range(rng.randint(0, 6))]
        if "ui" in argv or "--help" in argv or "-h" in argv:
            argv = [w for w in argv if w not in ("ui", "--help", "-h")]  # ui hands over its process
        if "--executor" in argv and "dask" in argv:
            argv = [w for w in argv if w != "dask"]  # a real cluster is not a hostile input
        yield Case("command line", " ".join(argv)[:80] or "(none)", argv)


# --- damaged stores --------------------------------------------------------------------


def _damage(rng: random.Random, store: Path) -> str:
    parts = sorted(store.glob("*.parquet/*.parquet")) or [store / "indicators.parquet" / "x.parquet"]
    part = rng.choice(parts)
    manifest = store / "manifest.json"
    journal = store / "journal.jsonl"
    try:
        plan = json.loads(manifest.read_text())
        entries = [json.loads(x) for x in journal.read_text().splitlines()]
    except (OSError, ValueError):
        plan, entries = {"runs": {}}, []

    def rewrite_entry(mut: Callable[[dict], None]) -> None:
        e = rng.choice([e for e in entries if e["event"] == "run"])
        mut(e)
        journal.write_text("".join(json.dumps(x) + "\n" for x in entries))

    ops: dict[str, Callable[[], None]] = {
        "part deleted": lambda: part.unlink(),
        "part truncated": lambda: part.write_bytes(part.read_bytes()[: rng.randrange(1, 200)]),
        "part empty": lambda: part.write_bytes(b""),
        "part is CSV": lambda: part.write_text("run_id,year\nx,1\n"),
        "part is a link": lambda: (part.unlink(), part.symlink_to("/etc/passwd")),
        "part replaced by another run's": lambda: shutil.copyfile(rng.choice(parts), part),
        "part directory is a file": lambda: (shutil.rmtree(part.parent), part.parent.write_text("x")),
        "no indicators directory": lambda: shutil.rmtree(store / "indicators.parquet", ignore_errors=True),
        "manifest is a list": lambda: manifest.write_text("[]"),
        "manifest runs a list": lambda: manifest.write_text(json.dumps({**plan, "runs": list(plan["runs"])})),
        "manifest run a number": lambda: manifest.write_text(json.dumps({**plan, "runs": dict.fromkeys(plan["runs"])})),
        "manifest truncated": lambda: manifest.write_text(manifest.read_text()[: rng.randrange(1, 100)]),
        "manifest empty": lambda: manifest.write_text(""),
        "manifest deleted": lambda: manifest.unlink(),
        "manifest experiment a number": lambda: manifest.write_text(json.dumps({**plan, "experiment": 5})),
        "manifest format a string": lambda: manifest.write_text(json.dumps({**plan, "store_format": "two"})),
        "manifest extensions a number": lambda: manifest.write_text(json.dumps({**plan, "extensions": 5})),
        "manifest run added": lambda: manifest.write_text(json.dumps({**plan, "runs": {**plan["runs"], "x-r50": {
            **next(iter(plan["runs"].values())), "run_id": "x-r50", "replicate": 50}}})),
        "journal garbage line": lambda: journal.write_text("{oops\n" + journal.read_text()),
        "journal not objects": lambda: journal.write_text("[1,2]\n3\n"),
        "journal unknown run": lambda: rewrite_entry(lambda e: e.update(run_id="nope")),
        "journal bad status": lambda: rewrite_entry(lambda e: e.update(status=rng.choice([None, 5, "maybe"]))),
        "journal parts a string": lambda: rewrite_entry(lambda e: e.update(parts="x")),
        "journal sha a number": lambda: rewrite_entry(lambda e: e["parts"]["indicators"].update(sha256=5)),
        "journal file escapes": lambda: rewrite_entry(lambda e: e["parts"]["indicators"].update(file="../../../x")),
        "journal summary a list": lambda: rewrite_entry(lambda e: e.update(summary=[1])),
        "journal event a number": lambda: journal.write_text('{"event": 5}\n'),
        "journal binary": lambda: journal.write_bytes(bytes(range(256))),
        "store is a file": lambda: (shutil.rmtree(store), store.write_text("x")),
        "runs.parquet junk": lambda: (store / "runs.parquet").write_bytes(b"junk"),
    }  # fmt: skip
    label = rng.choice(sorted(ops))
    # a second damage may find nothing left to damage (no run line, no part): then it is the first alone
    with contextlib.suppress(IndexError, KeyError, TypeError, OSError, ValueError, StopIteration):
        ops[label]()
    return label


def damaged_stores(rng: random.Random, n: int, intact: Path, experiment: Path, work: Path) -> Iterator[Case]:
    """Copies of an intact store, each damaged, read by every reader and resumed."""
    for k in range(n):
        store = work / f"store-{k}"
        shutil.copytree(intact, store, symlinks=True)
        labels = [_damage(rng, store) for _ in range(rng.randint(1, 2)) if store.is_dir()]
        command = rng.choice(["compare", "verify", "validate", "resume", "export", "discover"])
        argv = {
            "compare": ["compare", str(store), "--out", str(work / f"report-{k}")],
            "verify": ["verify", str(store)],
            "export": ["export", str(store), "--out", str(work / f"export-{k}")],
            "discover": [
                "discover",
                str(store),
                "--outcome",
                "researchers",
                "--threshold",
                "0",
                "--out",
                str(work / f"discover-{k}"),
            ],
            "validate": ["validate", "--store", str(store), "--out", str(work / f"validate-{k}")],
            "resume": ["batch", str(experiment), "--out", str(store), "--resume", "--executor", "serial", "--quiet"],
        }[command]
        yield Case("damaged store", f"{' + '.join(labels)} -> {command}", argv)


# --- the checker ---------------------------------------------------------------------------


class _Timeout(BaseException):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def check(case: Case, limit: float = TIME_LIMIT_S) -> Outcome:
    """Run one case in this process; an escaped exception, a hang (over ``limit``
    seconds), a bad status or a failing status without its one error line is a problem."""
    from circsim.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    began = time.perf_counter()
    status: int | None = None
    problem = ""
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(case.argv)
    except _Timeout:
        problem = f"hang: over {limit:g} s"
    except BaseException as exc:
        problem = f"traceback: {type(exc).__name__}: {str(exc)[:200]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - began
    text = err.getvalue()
    if not problem:
        lines = [line for line in text.splitlines() if line.strip()]
        if status not in (0, 1, 2):
            problem = f"exit status {status}"
        elif "Traceback" in text:
            problem = "traceback printed"
        elif status == 2 and (len(lines) != 1 or not lines[0].startswith("circsim: error: ")):
            problem = f"not one error line: {text[-300:]!r}"
        elif len(text) > 2000:
            problem = f"{len(text)} characters on stderr"
    return Outcome(case, status, seconds, problem)


def build_intact_store(work: Path) -> tuple[Path, Path]:
    """A tiny experiment and its intact store, for the damage cases."""
    from circsim.workbench.experiment import load_experiment
    from circsim.workbench.runner import run_experiment

    exp = work / "intact.toml"
    data = _experiment_base()
    data.pop("uncertainties")
    data["design"] = {"method": "none"}
    data["replicates"] = 2
    exp.write_bytes(tomli_w.dumps(data).encode())
    run_experiment(load_experiment(exp), work / "intact", executor="serial", progress=False)
    return exp, work / "intact"


def all_cases(seed: int, counts: dict[str, int], work: Path) -> Iterator[Case]:
    """Every kind of case, ``counts[kind]`` of each, reproducible from ``seed``."""
    rng = random.Random(seed)
    exp, intact = build_intact_store(work)
    yield from scenario_files(rng, counts["scenario file"], work)
    yield from experiment_files(rng, counts["experiment file"], work)
    yield from optimise_files(rng, counts["optimise file"], work)
    yield from overrides(rng, counts["override"])
    yield from command_lines(rng, counts["command line"])
    yield from damaged_stores(rng, counts["damaged store"], intact, exp, work)


def split(total: int) -> dict[str, int]:
    """How ``total`` cases are shared among the kinds."""
    shares = {"scenario file": 0.26, "experiment file": 0.22, "optimise file": 0.07, "override": 0.2,
              "command line": 0.1}  # fmt: skip
    counts = {k: int(total * v) for k, v in shares.items()}
    counts["damaged store"] = total - sum(counts.values())
    return counts


def main() -> int:
    """The full run: counts per kind and every problem found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--work", type=Path, default=None, help="scratch directory (default: a temporary one)")
    args = parser.parse_args()
    import tempfile

    work = args.work or Path(tempfile.mkdtemp(prefix="circsim-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    os.chdir(work)  # a default results/ directory lands in the scratch directory
    began = time.perf_counter()
    outcomes = [check(c) for c in all_cases(args.seed, split(args.cases), work)]
    by_kind = Counter(o.case.kind for o in outcomes)
    status = Counter((o.case.kind, o.status) for o in outcomes)
    print(f"{len(outcomes)} cases in {time.perf_counter() - began:.0f} s (seed {args.seed})")
    print("| kind | cases | exit 0 | exit 1 | exit 2 | problems | slowest (s) |")
    print("|---|---|---|---|---|---|---|")
    for kind in split(args.cases):
        mine = [o for o in outcomes if o.case.kind == kind]
        print(
            f"| {kind} | {by_kind[kind]} | {status[(kind, 0)]} | {status[(kind, 1)]} | {status[(kind, 2)]} | "
            f"{sum(not o.ok for o in mine)} | {max((o.seconds for o in mine), default=0):.2f} |"
        )
    for o in outcomes:
        if not o.ok:
            print(f"PROBLEM {o.case.kind}: {o.case.label}: {o.error}")
    return 1 if any(not o.ok for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
