"""Shared fixtures. Helper functions live in ``simkit.py`` (importable from the tests)."""

from __future__ import annotations

import pytest

from circsim.model import CirculationModel
from simkit import tiny_model


@pytest.fixture
def tiny() -> CirculationModel:
    """A fresh tiny model (coarse scale, no burn-in) whose population tests replace."""
    return tiny_model(0)
