"""Shared fixtures. Helper functions live in ``simkit.py`` (importable from the tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from circsim.sim.model import CirculationModel
from simkit import tiny_model
from uikit import make_ui_root


@pytest.fixture
def tiny() -> CirculationModel:
    """A fresh tiny model (coarse scale, no burn-in) whose population tests replace."""
    return tiny_model(0)


@pytest.fixture(scope="session")
def ui_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder for the interface: coarse scenario files and a tiny result store."""
    return make_ui_root(tmp_path_factory.mktemp("ui-root"))
