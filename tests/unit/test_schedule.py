"""The year as data: the documented step order is the one the model runs."""

from __future__ import annotations

import re
from pathlib import Path

from circsim.sim.schedule import YEAR

ROOT = Path(__file__).resolve().parents[2]


def _numbered_bold(text: str) -> list[str]:
    """Names of a numbered list whose items start with a bold name: ``1. **Name.**``."""
    return [m.group(2).rstrip(".").lower() for m in re.finditer(r"^(\d+)\. \*\*([^*]+)\*\*", text, re.M)]


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    nxt = re.search(r"^#{1,3} ", text[start + len(heading) :], re.M)
    return text[start : start + len(heading) + (nxt.start() if nxt else len(text))]


def test_steps_are_numbered_in_order():
    assert [s.number for s in YEAR] == list(range(1, len(YEAR) + 1))


def test_the_odd_lists_the_steps_the_model_runs():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert _numbered_bold(_section(odd, "## 3 Process overview and scheduling")) == [s.name for s in YEAR]


def test_the_readme_lists_the_steps_the_model_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _numbered_bold(_section(readme, "### The yearly step")) == [s.name for s in YEAR]
