"""The test tiers: every test is in exactly one, as a pytest marker (registered in pyproject.toml).

    unit         one function, class or mechanism, on hand-built inputs or a tiny model; fast
    property     hypothesis tests (generated inputs) of the unit folder; fast
    integration  the model run as a whole, the batch runner, the command line and subprocesses,
                 validation, calibration and sensitivity runs, the interface's pages on a live model
    browser      the interface in a real browser (Playwright driving Chromium)

The folder gives the tier: ``tests/unit``, ``tests/integration``, ``tests/browser``; in
``tests/unit`` a hypothesis test (``@given``) is a property test. A test may name its tier
with a marker instead, e.g. ``@pytest.mark.integration`` on a slow test of a unit module.
A test file outside the tier folders, or a test with two tier markers, stops the run before
any test runs, so a new test cannot escape the tiers. ``make test-fast`` runs unit and property.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

TIERS: tuple[str, ...] = ("unit", "property", "integration", "browser")
#: The tier of each tier folder (a folder directly under tests/).
FOLDERS: dict[str, str] = {"unit": "unit", "integration": "integration", "browser": "browser"}
#: The tiers ``make test-fast`` runs.
FAST: tuple[str, ...] = ("unit", "property")


def is_hypothesis_test(item: pytest.Item) -> bool:
    """Whether the test is driven by hypothesis (decorated with ``@given``)."""
    return bool(getattr(getattr(item, "obj", None), "is_hypothesis_test", False))


def tier_of(item: pytest.Item, tests_root: Path) -> str:
    """The item's tier: its own tier marker, else its folder's (property for a hypothesis
    test of the unit folder). Raises ValueError outside the tier folders or with two tier markers."""
    try:
        folder = Path(item.path).resolve().relative_to(tests_root.resolve()).parts[0]
    except ValueError:
        folder = ""
    if folder not in FOLDERS:
        where = ", ".join(f"{tests_root.name}/{f}/" for f in FOLDERS)
        raise ValueError(f"{item.nodeid}: in no tier folder; put its file under one of {where}")
    named = sorted({m.name for m in item.iter_markers() if m.name in TIERS})
    if len(named) > 1:
        raise ValueError(f"{item.nodeid}: two tier markers ({', '.join(named)}); keep one")
    if named:
        return named[0]
    tier = FOLDERS[folder]
    return "property" if tier == "unit" and is_hypothesis_test(item) else tier


def assign_tiers(items: Iterable[pytest.Item], tests_root: Path) -> None:
    """Mark every item with its tier; one UsageError naming every test without exactly one tier."""
    problems = []
    for item in items:
        try:
            tier = tier_of(item, tests_root)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if not any(m.name == tier for m in item.iter_markers()):
            item.add_marker(getattr(pytest.mark, tier))
    if problems:
        raise pytest.UsageError("tests outside the tiers (see tests/tiers.py):\n  " + "\n  ".join(problems))
