"""The test tiers (tests/tiers.py): every test of the suite is in exactly one, and a test
outside the tier folders or with two tier markers stops the run."""

from __future__ import annotations

import pytest

from tiers import FOLDERS, TIERS

CONFTEST = """
from pathlib import Path

import pytest

from tiers import assign_tiers


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    assign_tiers(items, Path(__file__).parent)
"""
INI = "[pytest]\naddopts = --strict-markers\nmarkers =\n" + "".join(f"    {t}: the {t} tier\n" for t in TIERS)
GIVEN = "from hypothesis import given, strategies as st\n\n@given(st.integers())\ndef test_gen(x):\n    pass\n"


def test_every_test_of_this_session_is_in_exactly_one_tier(request: pytest.FixtureRequest) -> None:
    items = request.session.items
    assert request.node in items
    for item in items:
        tiers = [m.name for m in item.iter_markers() if m.name in TIERS]
        assert len(tiers) == 1, (item.nodeid, tiers)
    assert request.node.get_closest_marker("unit") is not None


def test_the_tiers_are_the_registered_markers(pytestconfig: pytest.Config) -> None:
    registered = {line.split(":")[0].strip() for line in pytestconfig.getini("markers")}
    assert set(TIERS) <= registered
    assert pytestconfig.getoption("strict_markers") or "--strict-markers" in pytestconfig.getini("addopts")
    assert set(FOLDERS.values()) <= set(TIERS)


def _tree(pytester: pytest.Pytester, files: dict[str, str]) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makeini(INI)
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _selected(pytester: pytest.Pytester, expression: str) -> set[str]:
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider", "-m", expression)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    return {line.split("::")[1] for line in result.stdout.lines if "::" in line}


def test_the_folder_hypothesis_and_a_marker_give_the_tier(pytester: pytest.Pytester) -> None:
    _tree(
        pytester,
        {
            "unit/test_a.py": "import pytest\n\ndef test_plain():\n    pass\n\n"
            "@pytest.mark.integration\ndef test_slow():\n    pass\n\n" + GIVEN,
            "integration/test_b.py": "import pytest\n\ndef test_run():\n    pass\n\n"
            "@pytest.mark.unit\ndef test_pure():\n    pass\n",
            "browser/test_c.py": "def test_page():\n    pass\n",
        },
    )
    assert _selected(pytester, "unit") == {"test_plain", "test_pure"}
    assert _selected(pytester, "property") == {"test_gen"}
    assert _selected(pytester, "integration") == {"test_slow", "test_run"}
    assert _selected(pytester, "browser") == {"test_page"}


def test_a_test_outside_the_tier_folders_stops_the_run(pytester: pytest.Pytester) -> None:
    _tree(pytester, {"unit/test_ok.py": "def test_ok():\n    pass\n", "test_loose.py": "def test_new():\n    pass\n"})
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_loose.py::test_new: in no tier folder*"])
    result.stdout.no_fnmatch_line("*passed*")  # not even the test in a tier ran


def test_two_tier_markers_stop_the_run(pytester: pytest.Pytester) -> None:
    body = "import pytest\n\n@pytest.mark.unit\n@pytest.mark.browser\ndef test_both():\n    pass\n"
    _tree(pytester, {"integration/test_x.py": body})
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_x.py::test_both: two tier markers (browser, unit)*"])
