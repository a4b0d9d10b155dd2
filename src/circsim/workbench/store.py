"""The result store: a directory holding a batch's plan, its journal and Parquet results.

    DIR/manifest.json          written when the store is created: experiment text,
                               design, the planned runs (id, scenario, point, replicate,
                               seed, uncertainty values), circsim version, git commit, start;
                               rewritten (atomically) only to add replicates to the plan,
                               each addition listed under "extensions"
    DIR/journal.jsonl          append-only, one JSON line per event: a run finished (status,
                               timings, summary, error, and for each part its file, SHA-256
                               and row count), a resume, the end of a batch
    DIR/runs.parquet           one row per run (derived from the two above at the end)
    DIR/indicators.parquet/    one part file per run: run_id, year, country, indicator, value
    DIR/flows.parquet/         one part file per run: run_id, year, origin, destination, ...
    DIR/.lock                  held (flock) while a batch writes the store

A store is *sealed*: a run's parts are written (to a temporary name, then renamed) before
its journal line, which records their checksums and row counts; every reader verifies a
part against them before using it, so a missing, truncated or altered part is refused
with a message naming it, never read silently, and ``circsim batch --resume`` runs it
again. An interrupted batch (Ctrl-C, kill -9) leaves a store that loads and resumes: a
torn last journal line is a run not finished. Only one batch writes a store at a time.
Files get the user's umask, as any file they create would.

The plan grows only by whole replicates of the same experiment (:meth:`ResultStore.add_replicates`,
used by the precision loop): runs of the next replicate indices for every scenario and
design point already planned, never a change to a planned run, so the runs done before
stay as they are and every check above holds for the added runs too.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pandas as pd

from .. import __version__
from ..errors import InputError, ResourceError, excerpt

MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
LOCK = ".lock"
TABLES = ("indicators", "flows")
#: Format of the store files (1: statuses in a manifest rewritten after every run, no checksums).
STORE_FORMAT = 2
#: Prefix of temporary files; any left by a killed writer are removed by the next one.
TMP_PREFIX = ".tmp-"


def now() -> str:
    """Current UTC time, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file through ``write(tmp_path)`` to a temporary name in the same
    directory, then rename it into place; the file gets the user's umask. A full disk
    raises :class:`~circsim.errors.ResourceError` and leaves the old file as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files whatever the umask
        os.replace(tmp, path)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ResourceError(f"no space left on the device while writing {path.name}", source=str(path)) from None
        raise
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_tables(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """Write each table as ``out/NAME.parquet`` atomically (a reader never sees a
    half-written file); a file that cannot be written is an InputError naming it."""
    written = []
    for name, frame in tables.items():
        final = out / f"{name}.parquet"
        try:
            atomic_write(final, lambda p, frame=frame: frame.to_parquet(p, index=False))
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", source=str(final)) from None
        written.append(final)
    return written


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def git_commit() -> str | None:
    """The commit of the circsim source tree, where it is a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


class ResultStore:
    """A result store directory (see the module docstring).

    ``manifest`` is the plan with each run's latest journal entry merged in
    (``manifest["runs"][run_id]["status"]`` etc.), as one dictionary.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.manifest: dict[str, Any] = {}
        self._tables: dict[str, pd.DataFrame] = {}  # results read once per store object
        self._lock_file: IO[str] | None = None  # held while this object writes the store

    # --- writing -----------------------------------------------------------------
    def open_for(
        self, experiment_text: str, source: str, design: list[dict], runs: list[dict], model: str
    ) -> list[str]:
        """Create the store, or reopen it for the same experiment run by the same model
        (``model``: :func:`circsim.sim.fingerprint.model_fingerprint`), and hold its write
        lock until :meth:`close` (a second batch on the same store is refused). Returns the
        run ids already done whose parts are intact (damaged ones will run again).
        Nothing is written to a directory that is not a store of this experiment."""
        resuming = (self.path / MANIFEST).exists()
        if resuming:
            self.check_same_experiment(experiment_text, model)
        elif self.path.exists() and (not self.path.is_dir() or any(p.name != LOCK for p in self.path.iterdir())):
            raise InputError(
                "is not empty (or not a directory) and holds no result store",
                source=str(self.path),
                allowed="a new or empty directory",
            )
        self._lock()
        if resuming:
            self.check_same_experiment(experiment_text, model)  # again, now that no one else writes
            self._check_part_folders()
            self._clean_temporary_files()
            self._drop_torn_line()
            for rid in [rid for rid, problem in self.verify().items() if problem]:
                self._append({"event": "invalidated", "run_id": rid, "time": now()})
            self._append({"event": "resumed", "time": now()})
            self._merge_journal()
            return self.done()
        plan = {
            "store_format": STORE_FORMAT,
            "experiment": {"file": source, "content": experiment_text},
            "design": design,
            "circsim_version": __version__,
            "git_commit": git_commit(),
            "model": model,
            "started": now(),
            "runs": {r["run_id"]: r for r in runs},
        }
        atomic_write_text(self.path / MANIFEST, json.dumps(plan, indent=1, default=str))
        self.load()
        return []

    def add_replicates(self, runs: list[dict[str, Any]], reason: str) -> None:
        """Add the runs of new replicates to the plan of the store this object writes (after
        :meth:`open_for`): every scenario at every design point of the plan, at the replicate
        indices that follow the plan's (R, R + 1, ...), none planned before. The manifest is rewritten atomically
        with the runs and an entry under ``extensions`` (time, replicates, runs, ``reason``)."""
        if self._lock_file is None:
            raise RuntimeError("add_replicates needs the store open for writing (open_for)")
        plan = self._read_manifest()
        planned = plan["runs"].values()
        top = max(r["replicate"] for r in planned)
        cells = {(r["scenario"], r["point"]) for r in planned}
        added = {(r["scenario"], r["point"], r["replicate"]) for r in runs}
        new_replicates = sorted({r for _s, _p, r in added})
        whole = added == {(s, p, r) for s, p in cells for r in new_replicates}
        following = new_replicates == list(range(top + 1, top + 1 + len(new_replicates)))
        if not runs or not whole or not following or any(r["run_id"] in plan["runs"] for r in runs):
            raise ValueError("runs to add must be whole new replicates of the planned scenarios and design points")
        plan["runs"].update({r["run_id"]: r for r in runs})
        entry = {"time": now(), "replicates": new_replicates, "runs": len(runs), "reason": reason}
        plan["extensions"] = [*plan.get("extensions", []), entry]
        atomic_write_text(self.path / MANIFEST, json.dumps(plan, indent=1, default=str))
        self._tables.clear()
        self._merge_journal()

    @property
    def replicates(self) -> int:
        """Replicates in the plan (those of the experiment file and any added since)."""
        return 1 + max((r["replicate"] for r in self.manifest["runs"].values()), default=-1)

    @property
    def extensions(self) -> list[dict[str, Any]]:
        """The additions of replicates to the plan, oldest first (see :meth:`add_replicates`)."""
        return self.manifest.get("extensions", [])

    def check_same_experiment(self, experiment_text: str, model: str) -> None:
        """InputError unless the store holds the results of this experiment text, run by
        this model (code, input data and calibrated values: ``model``), and can be resumed
        (written with checksums)."""
        self.load()
        if self.manifest.get("experiment", {}).get("content") != experiment_text:
            raise InputError(
                "the store holds the results of a different experiment",
                source=str(self.path),
                allowed="a new --out directory, or the same experiment file to resume",
            )
        if self.manifest.get("model") != model:
            raise InputError(
                "the store's runs were made by another version of the model (its code, input data "
                "or calibrated values have changed since): resuming would mix two models",
                source=str(self.path),
                key="model",
                value=self.manifest.get("model", "not recorded"),
                allowed=f"a new --out directory, or delete the store to run it again with this model ({model})",
            )
        if not self.sealed:
            raise InputError(
                "was written by an older circsim (no checksums) and cannot be resumed",
                source=str(self.path),
                allowed="a new --out directory",
            )

    def _lock(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        fh = open(self.path / LOCK, "a")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise InputError(
                "is being written by another circsim batch",
                source=str(self.path),
                allowed="wait for it to finish, or write to another --out directory",
            ) from None
        self._lock_file = fh

    def close(self) -> None:
        """Release the write lock (the batch is over, finished or not)."""
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def _clean_temporary_files(self) -> None:
        for folder in (self.path, *(self.path / f"{t}.parquet" for t in TABLES)):
            if folder.is_dir():
                for tmp in folder.glob(f"{TMP_PREFIX}*"):
                    tmp.unlink(missing_ok=True)

    def _drop_torn_line(self) -> None:
        """Cut a journal line left half-written by a killed writer, so appends start clean."""
        path = self.path / JOURNAL
        if path.is_file():
            data = path.read_bytes()
            if data and not data.endswith(b"\n"):
                with open(path, "r+b") as fh:
                    fh.truncate(data.rfind(b"\n") + 1)

    def _append(self, entry: dict[str, Any]) -> None:
        """Append one journal line, flushed to disk before returning."""
        line = (json.dumps(entry, default=str) + "\n").encode("utf-8")
        try:
            fd = os.open(self.path / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise ResourceError("no space left on the device for the journal", source=str(self.path)) from None
            raise

    def record(self, run_id: str, status: str, tables: dict[str, pd.DataFrame] | None, **info: Any) -> None:
        """Store one finished run: its parts first, then its journal line with their
        checksums and row counts."""
        self._tables.clear()
        parts = {}
        for name, df in (tables or {}).items():
            rel = f"{name}.parquet/{run_id}.parquet"
            atomic_write(self.path / rel, lambda p, df=df: df.to_parquet(p))
            parts[name] = {"file": rel, "sha256": sha256(self.path / rel), "rows": len(df)}
        entry = {"event": "run", "run_id": run_id, "status": status, **info, "parts": parts}
        self._append(entry)
        self._apply(entry)

    def finish(self) -> None:
        """Journal the end of the batch and write runs.parquet."""
        self._append({"event": "finished", "time": now()})
        self._merge_journal()
        atomic_write(self.path / "runs.parquet", lambda p: self.runs().to_parquet(p))

    # --- reading -----------------------------------------------------------------
    def _read_manifest(self) -> dict[str, Any]:
        path = self.path / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"unreadable manifest ({type(exc).__name__})", source=str(path)) from None
        allowed = "a manifest written by 'circsim batch'"
        runs = data.get("runs") if isinstance(data, dict) else None
        if not isinstance(runs, dict) or not all(isinstance(r, dict) for r in runs.values()):
            raise InputError("damaged manifest: 'runs' is not a table of runs", source=str(path), allowed=allowed)
        experiment = data.get("experiment")
        if not isinstance(experiment, dict) or not isinstance(experiment.get("content"), str):
            raise InputError("damaged manifest: no experiment text", source=str(path), allowed=allowed)
        if not isinstance(data.get("store_format", 1), int) or not isinstance(data.get("design", []), list):
            raise InputError("damaged manifest: bad store_format or design", source=str(path), allowed=allowed)
        extensions = data.get("extensions", [])
        if not isinstance(extensions, list) or not all(isinstance(e, dict) for e in extensions):
            raise InputError(
                "damaged manifest: 'extensions' is not a list of entries", source=str(path), allowed=allowed
            )
        for rid, r in runs.items():
            if not all(isinstance(r.get(k), int) for k in ("point", "replicate", "seed")) or not isinstance(
                r.get("scenario"), str
            ):
                raise InputError("damaged manifest: a run without its plan", source=str(path), key=rid, allowed=allowed)
        return data

    def _journal(self) -> list[dict[str, Any]]:
        """The journal's entries; a torn last line (a writer killed mid-line) is ignored."""
        path = self.path / JOURNAL
        if not path.is_file():
            return []
        try:
            lines = path.read_bytes().split(b"\n")
        except OSError as exc:
            raise InputError(f"unreadable journal ({exc.strerror})", source=str(path)) from None
        entries = []
        for k, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                if k == len(lines):  # no newline after it: written when the writer died
                    break
                raise InputError(f"damaged journal at line {k}", source=str(path)) from None
            if not isinstance(entry, dict) or not isinstance(entry.get("event"), str):
                raise InputError(f"damaged journal at line {k}", source=str(path))
            entries.append(entry)
        return entries

    def _apply(self, entry: dict[str, Any]) -> None:
        runs, where = self.manifest["runs"], str(self.path / JOURNAL)
        event, rid = entry["event"], entry.get("run_id")
        if event in ("run", "invalidated") and (not isinstance(rid, str) or rid not in runs):
            raise InputError("journal names a run the plan does not have", source=where, key=excerpt(str(rid), 60))
        if event == "run":
            _check_run_entry(entry, rid, where)
            runs[rid].update({k: v for k, v in entry.items() if k not in ("event", "run_id")})
        elif event == "invalidated":
            runs[rid].update(status="pending", parts={})
        elif event == "resumed":
            self.manifest.setdefault("resumed", []).append(entry.get("time"))
        elif event == "finished":
            self.manifest["finished"] = entry.get("time")
        else:
            raise InputError("journal entry of an unknown kind", source=where, value=excerpt(event, 40))

    def _merge_journal(self) -> None:
        self.manifest = self._read_manifest()
        fmt = self.manifest.get("store_format", 1)
        if fmt >= STORE_FORMAT:
            for r in self.manifest["runs"].values():
                r.setdefault("status", "pending")
            self.manifest.setdefault("resumed", [])
            self.manifest.setdefault("finished", None)
            for entry in self._journal():
                self._apply(entry)
        for rid, r in self.manifest["runs"].items():
            if r.get("status") not in ("done", "failed", "pending"):
                raise InputError("damaged manifest: a run without a valid status", source=str(self.path), key=rid)

    def load(self) -> ResultStore:
        """Read an existing store's plan and journal."""
        if not (self.path / MANIFEST).is_file():
            raise InputError(
                "is not a result store (no manifest.json)",
                source=str(self.path),
                allowed="a directory written by 'circsim batch'",
            )
        self._check_part_folders()
        self._tables.clear()
        self._merge_journal()
        return self

    def _check_part_folders(self) -> None:
        """InputError if a table's part folder is there but is a file or a link."""
        for table in TABLES:
            folder = self.path / f"{table}.parquet"
            if folder.exists() and (folder.is_symlink() or not folder.is_dir()):
                raise InputError("is not a directory of parts", source=str(folder), allowed="a store's part directory")

    @property
    def sealed(self) -> bool:
        """Whether the store records checksums of its parts (written by this version)."""
        return self.manifest.get("store_format", 1) >= STORE_FORMAT

    def done(self) -> list[str]:
        """Ids of runs recorded as done, in plan order."""
        return [rid for rid, r in self.manifest["runs"].items() if r["status"] == "done"]

    def part_problem(self, run_id: str, name: str) -> str | None:
        """What is wrong with a done run's part (missing, altered, wrong rows), or None."""
        run = self.manifest["runs"][run_id]
        path = self.path / f"{name}.parquet" / f"{run_id}.parquet"
        if not self.sealed:
            return None if path.is_file() else f"{path.relative_to(self.path)} is missing"
        info = (run.get("parts") or {}).get(name)
        if info is None:
            return None  # the run kept no such table
        path = self.path / info["file"]
        if path.is_symlink() or not path.is_file():
            return f"{info['file']} is missing" if not path.is_symlink() else f"{info['file']} is a link"
        if sha256(path) != info["sha256"]:
            return f"{info['file']} was altered (its checksum differs from the journal's)"
        return None

    def verify(self) -> dict[str, str | None]:
        """Every done run's problem (first one found) or None if all its parts are intact."""
        return {rid: next(filter(None, (self.part_problem(rid, t) for t in TABLES)), None) for rid in self.done()}

    def _checked_part(self, run_id: str, name: str) -> pd.DataFrame | None:
        problem = self.part_problem(run_id, name)
        if problem:
            raise InputError(
                f"run {run_id}: {problem}",
                source=str(self.path),
                allowed="an intact store: 'circsim verify' lists the damage, 'circsim batch --resume' re-runs it",
            )
        path = self.path / f"{name}.parquet" / f"{run_id}.parquet"
        if not path.is_file():
            return None
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types on a damaged file (unsealed stores)
            raise InputError(f"run {run_id}: unreadable part ({type(exc).__name__})", source=str(path)) from None

    def runs(self) -> pd.DataFrame:
        """One row per run (all statuses) with its uncertainty values and summary outcomes."""
        rows = []
        for r in self.manifest["runs"].values():
            row = {k: v for k, v in r.items() if k not in ("values", "summary", "parts")}
            row.update(r.get("values", {}))
            row.update(r.get("summary") or {})
            rows.append(row)
        return pd.DataFrame(rows)

    def table(self, name: str) -> pd.DataFrame:
        """A results table (``indicators`` or ``flows``) of all finished runs, each part
        verified against the journal first."""
        if name not in TABLES:
            raise InputError("unknown table", key=name, allowed=", ".join(TABLES))
        if name not in self._tables:
            parts = [df for rid in self.done() if (df := self._checked_part(rid, name)) is not None]
            self._tables[name] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return self._tables[name]

    def indicators(self) -> pd.DataFrame:
        """run_id, year, country, indicator, value for every finished run."""
        return self.table("indicators")

    def flows(self) -> pd.DataFrame:
        """run_id, year, origin, destination, nationality, from_sector, to_sector, count."""
        return self.table("flows")


def _check_run_entry(entry: dict[str, Any], run_id: str, where: str) -> None:
    """A run's journal line must have the shape :meth:`ResultStore.record` writes."""
    parts = entry.get("parts", {})
    ok = (
        entry.get("status") in ("done", "failed")
        and isinstance(entry.get("summary") or {}, dict)
        and isinstance(entry.get("seconds"), int | float | type(None))
        and isinstance(parts, dict)
        and all(
            name in TABLES
            and isinstance(info, dict)
            and info.get("file") == f"{name}.parquet/{run_id}.parquet"
            and isinstance(info.get("sha256"), str)
            and isinstance(info.get("rows"), int)
            for name, info in parts.items()
        )
    )
    if not ok:
        raise InputError("damaged journal: a run entry of the wrong shape", source=where, key=run_id)


def open_store(path: str | Path) -> ResultStore:
    """Open an existing result store for reading (pandas DataFrames via its methods)."""
    return ResultStore(path).load()
