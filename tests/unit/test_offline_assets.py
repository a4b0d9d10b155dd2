"""The flow map's Vega libraries, linked under the names Solara's chart widget asks for."""

from __future__ import annotations

from circsim.ui.offline_assets import VEGA_LIBRARIES, link_vega


def test_short_names_link_to_the_shipped_versions(tmp_path):
    for name in ("vega@5.21.0", "vega@5.9.1", "vega-lite@5.2.0", "vega-embed@6.20.2", "vega-lite@4.17.0"):
        (tmp_path / name / "build").mkdir(parents=True)
    assert link_vega(tmp_path) == list(VEGA_LIBRARIES)
    assert (tmp_path / "vega@5").resolve().name == "vega@5.21.0"  # the newest of the same major version
    assert (tmp_path / "vega-lite@5").resolve().name == "vega-lite@5.2.0"
    assert (tmp_path / "vega-embed@6" / "build").is_dir()
    assert link_vega(tmp_path) == []  # already there: nothing to do


def test_nothing_shipped_nothing_linked(tmp_path):
    (tmp_path / "vega@4.4.0").mkdir()
    assert link_vega(tmp_path) == [] and not (tmp_path / "vega@5").exists()
