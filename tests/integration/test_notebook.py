"""experiments/analysis.ipynb runs from top to bottom on the shipped lever store: every
code cell, in order, in one namespace, from the repository root (as an analyst would run
it), and what it shows is the store's."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "experiments" / "analysis.ipynb"


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("CIRCSIM_STORE", raising=False)
    matplotlib.use("Agg")


def test_the_analysis_notebook_runs_on_the_shipped_store(at_root) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    namespace: dict = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, NOTEBOOK.name, "exec"), namespace)
    store, comp, experiments = namespace["store"], namespace["comp"], namespace["experiments"]
    done = int((store.runs()["status"] == "done").sum())
    assert len(experiments) == done > 0
    assert set(comp.effects["scenario"]) == set(store.runs()["scenario"]) - {"baseline"}
    assert namespace["fig"].axes[0].get_xlabel().startswith(namespace["ind"].label)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")  # shipped clean
    assert os.getcwd() == str(ROOT)
