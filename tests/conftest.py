"""Shared fixtures and the test tiers. Helper functions live in ``simkit.py`` (models),
``storekit.py`` (result stores), ``uikit.py`` (the interface), ``hostile.py`` (hostile
inputs) and ``tiers.py`` (the tiers), importable from every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from circsim.sim.model import CirculationModel
from simkit import tiny_model
from tiers import assign_tiers

pytest_plugins = ("pytester",)  # tests/unit/test_tiers.py runs pytest on small test trees

TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put every test in its tier before ``-m`` selects (see tiers.py)."""
    assign_tiers(items, TESTS)


@pytest.fixture
def tiny() -> CirculationModel:
    """A fresh tiny model (coarse scale, no burn-in) whose population tests replace."""
    return tiny_model(0)


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The tiny real result store (see storekit.py), built once per session. Tests only
    read it (a test that writes copies it first); the teardown checks it is unchanged."""
    from storekit import build_tiny_store, tree_digest

    path = build_tiny_store(tmp_path_factory.mktemp("tiny"))
    digest = tree_digest(path)
    yield path
    assert tree_digest(path) == digest, f"a test changed the shared tiny store {path}; copy it before writing"


@pytest.fixture(scope="session")
def ui_root(tmp_path_factory: pytest.TempPathFactory, tiny_store: Path) -> Path:
    """A project folder for the interface: coarse scenario files and a copy of the tiny store."""
    from uikit import make_ui_root

    return make_ui_root(tmp_path_factory.mktemp("ui-root"), tiny_store)
