"""The result store: a directory holding a batch's manifest and Parquet results.

    DIR/manifest.json          experiment text, design, seeds, circsim version, git commit,
                               per-run status and timings, start and end times
    DIR/runs.parquet           one row per finished run: run_id, scenario, point, replicate,
                               seed, the uncertainty values, summary outcomes
    DIR/indicators.parquet/    one part file per run: run_id, year, country, indicator, value
    DIR/flows.parquet/         one part file per run: run_id, year, origin, destination, ...

Every file is written to a temporary name and renamed into place, and a run's parts are
written before the manifest records it as done, so an interrupted batch (Ctrl-C,
kill -9) leaves a store that loads and resumes; parts of runs the manifest does not
record as done are ignored and rewritten.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..errors import InputError

MANIFEST = "manifest.json"
TABLES = ("indicators", "flows")


def now() -> str:
    """Current UTC time, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def atomic_write(path: Path, write) -> None:
    """Write a file through ``write(tmp_path)`` to a temporary name, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
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
    """A result store directory (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.manifest: dict[str, Any] = {}
        self._tables: dict[str, pd.DataFrame] = {}  # results read once per store object

    # --- writing -----------------------------------------------------------------
    def open_for(self, experiment_text: str, source: str, design: list[dict], runs: list[dict]) -> list[str]:
        """Create the store, or reopen it for the same experiment. Returns the run ids
        already done. A store holding a different experiment is left untouched."""
        mpath = self.path / MANIFEST
        if mpath.exists():
            self.manifest = self._read_manifest()
            if self.manifest.get("experiment", {}).get("content") != experiment_text:
                raise InputError(
                    "the store holds the results of a different experiment",
                    source=str(self.path),
                    allowed="a new --out directory, or the same experiment file to resume",
                )
            done = [rid for rid, r in self.manifest["runs"].items() if r["status"] == "done"]
            self.manifest["resumed"] = [*self.manifest.get("resumed", []), now()]
        else:
            if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
                raise InputError(
                    "is not empty (or not a directory) and holds no result store",
                    source=str(self.path),
                    allowed="a new or empty directory",
                )
            self.manifest = {
                "experiment": {"file": source, "content": experiment_text},
                "design": design,
                "circsim_version": __version__,
                "git_commit": git_commit(),
                "started": now(),
                "finished": None,
                "runs": {r["run_id"]: {**r, "status": "pending"} for r in runs},
            }
            done = []
        self.save_manifest()
        return done

    def save_manifest(self) -> None:
        """Write the manifest atomically."""
        atomic_write_text(self.path / MANIFEST, json.dumps(self.manifest, indent=1, default=str))

    def record(self, run_id: str, status: str, tables: dict[str, pd.DataFrame] | None, **info: Any) -> None:
        """Store one finished run: its parts first, then its manifest entry."""
        self._tables.clear()
        for name, df in (tables or {}).items():
            atomic_write(self.path / f"{name}.parquet" / f"{run_id}.parquet", lambda p, df=df: df.to_parquet(p))
        self.manifest["runs"][run_id].update(status=status, **info)
        self.save_manifest()

    def finish(self) -> None:
        """Write runs.parquet and the end time."""
        self.manifest["finished"] = now()
        self.save_manifest()
        atomic_write(self.path / "runs.parquet", lambda p: self.runs().to_parquet(p))

    # --- reading -----------------------------------------------------------------
    def _read_manifest(self) -> dict[str, Any]:
        try:
            return json.loads((self.path / MANIFEST).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"unreadable manifest: {exc}", source=str(self.path / MANIFEST)) from None

    def load(self) -> ResultStore:
        """Read an existing store's manifest."""
        if not (self.path / MANIFEST).is_file():
            raise InputError(
                "is not a result store (no manifest.json)",
                source=str(self.path),
                allowed="a directory written by 'circsim batch'",
            )
        self.manifest = self._read_manifest()
        return self

    def done(self) -> list[str]:
        """Ids of runs recorded as done, in manifest order."""
        return [rid for rid, r in self.manifest["runs"].items() if r["status"] == "done"]

    def runs(self) -> pd.DataFrame:
        """One row per run (all statuses) with its uncertainty values and summary outcomes."""
        rows = []
        for r in self.manifest["runs"].values():
            row = {k: v for k, v in r.items() if k not in ("values", "summary")}
            row.update(r.get("values", {}))
            row.update(r.get("summary") or {})
            rows.append(row)
        return pd.DataFrame(rows)

    def table(self, name: str) -> pd.DataFrame:
        """A results table (``indicators`` or ``flows``) of all finished runs."""
        if name not in TABLES:
            raise InputError("unknown table", key=name, allowed=", ".join(TABLES))
        if name not in self._tables:
            parts = [self.path / f"{name}.parquet" / f"{rid}.parquet" for rid in self.done()]
            parts = [p for p in parts if p.is_file()]
            self._tables[name] = (
                pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True) if parts else (pd.DataFrame())
            )
        return self._tables[name]

    def indicators(self) -> pd.DataFrame:
        """run_id, year, country, indicator, value for every finished run."""
        return self.table("indicators")

    def flows(self) -> pd.DataFrame:
        """run_id, year, origin, destination, nationality, from_sector, to_sector, count."""
        return self.table("flows")


def open_store(path: str | Path) -> ResultStore:
    """Open an existing result store for reading (pandas DataFrames via its methods)."""
    return ResultStore(path).load()
