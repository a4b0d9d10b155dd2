"""A result store's tables for spreadsheets and other tools: CSV files, or one Excel
workbook (written by XlsxWriter, about a minute per million rows: the CSV files are
much quicker for a large store).

The tables are the store's own (docs/indicators.md, "Result tables"): ``runs`` (one row
per run: plan, status, timings, uncertainty values, summary outcomes), ``indicators``
and ``flows`` (tidy, one row per value, with the run's id), and ``store``, where the
results come from (experiment, circsim version, git commit, dates, run counts). An Excel
sheet holds at most 1,048,576 rows: a longer table goes on as ``flows (2)``, ``flows (3)``...
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from .store import ResultStore, atomic_write

Format = Literal["csv", "xlsx"]
#: Rows of an Excel sheet, the header included.
EXCEL_ROWS = 1_048_576


def store_tables(store: ResultStore) -> dict[str, pd.DataFrame]:
    """The tables of a store to export, by name: store, runs, indicators, flows."""
    m = store.manifest
    statuses = store.runs()["status"].value_counts()
    about = {
        "store": str(store.path),
        "experiment file": m["experiment"].get("file", ""),
        "circsim version": m.get("circsim_version", ""),
        "git commit": m.get("git_commit") or "",
        "started": m.get("started", ""),
        "finished": m.get("finished") or "not finished",
        **{f"runs {status}": int(statuses.get(status, 0)) for status in ("done", "failed", "pending")},
    }
    return {
        "store": pd.DataFrame({"key": list(about), "value": [str(v) for v in about.values()]}),
        "runs": store.runs(),
        "indicators": store.indicators(),
        "flows": store.flows(),
    }


def sheets(name: str, table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """A table as Excel sheets: one, or several of at most :data:`EXCEL_ROWS` rows each."""
    size = EXCEL_ROWS - 1
    parts = [table.iloc[k : k + size] for k in range(0, max(len(table), 1), size)]
    return [(name if k == 0 else f"{name} ({k + 1})", part) for k, part in enumerate(parts)]


def export_store(store: ResultStore, out: Path, fmt: Format) -> list[Path]:
    """Write the store's tables into ``out``: ``NAME.csv`` each, or ``<store name>.xlsx``
    with a sheet each (a table the store did not keep, such as flows, is left out);
    returns the paths written."""
    tables = {name: table for name, table in store_tables(store).items() if len(table.columns)}
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        paths = [out / f"{name}.csv" for name in tables]
        for path, table in zip(paths, tables.values(), strict=True):
            atomic_write(path, lambda p, t=table: t.to_csv(p, index=False))
        return paths
    path = out / f"{store.path.resolve().name}.xlsx"

    def write(target: Path) -> None:
        # the engine named: the temporary file's name has no .xlsx ending
        with pd.ExcelWriter(target, engine="xlsxwriter") as book:
            for name, table in tables.items():
                for sheet, part in sheets(name, table):
                    part.to_excel(book, sheet_name=sheet, index=False)

    atomic_write(path, write)
    return [path]
