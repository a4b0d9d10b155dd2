"""The interface's pages (``circsim ui`` serves this module with ``solara run``).

* ``/`` — the live model: the simulated year with Reset, Play and Step in the sidebar
  (:mod:`circsim.ui.run_controls`); in tabs, the scenario, seed, scale, main parameters
  and levers, then the flow map, headline indicators, the focal country's career pipeline
  with its academics by age band and the career inspector, and the indicator table.
* ``/compare`` — result stores side by side (:mod:`circsim.ui.comparison`).

Every browser session builds its own settings and model inside the page component
(never at module level), so two users, or two tabs, never share a model. The pages grow
to their full length in the browser window (:func:`Layout`): nothing scrolls inside a
panel, so a full-page screenshot shows everything.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import solara
import solara.lab
import solara.server.settings

from ..errors import InputError
from ..sim.model import CirculationModel
from .age_bands import AgeBands
from .batch_panel import BatchPanel
from .career_inspector import CareerInspector
from .career_pipeline import CareerPipeline
from .comparison import ComparisonPage, warm
from .controls import Settings, scenario_files
from .flow_map import FlowMap
from .indicator_plots import IndicatorPlots
from .indicator_table import IndicatorTable
from .offline_assets import link_vega
from .run_controls import RunControls
from .server import ENV_ROOT, ENV_STORE
from .settings_panel import SettingsPanel

# once, when the server loads the pages: the flow map's Vega libraries from the local copies
link_vega(Path(solara.server.settings.assets.proxy_cache_dir))
# and the store given to --store read and compared in the background, so that the compare
# page opens on results already there (docs/performance.md, "Compare page")
if os.environ.get(ENV_STORE):
    threading.Thread(target=warm, args=(Path(os.environ[ENV_STORE]),), name="warm-store", daemon=True).start()


def root() -> Path:
    """The project directory whose scenarios/, experiments/ and results/ the pages offer."""
    return Path(os.environ.get(ENV_ROOT) or Path.cwd())


class LiveModel(CirculationModel):
    """A CirculationModel built from a session's :class:`Settings`: what Reset builds,
    so Reset applies the page's settings."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(rng=settings.seed, scenario=settings.scenario, career_sample=settings.career_sample)


def initial_settings(files: list[Path]) -> tuple[Settings, str | None]:
    """The session's first settings, from the baseline file offered; if that file is
    broken, the built-in defaults and the reason, shown in the page."""
    path = first_scenario(files)
    try:
        return Settings.from_file(path), None
    except InputError as err:
        return Settings(), f"{err} (the page starts from the built-in defaults)"


def first_scenario(files: list[Path]) -> Path | None:
    """The baseline scenario if offered, else the first file, else None (built-in defaults)."""
    return next((p for p in files if p.stem == "baseline"), files[0] if files else None)


#: The charts' hover boxes: vega's 11 px text is hard to read on a projector; names such as
#: "Fixed-term share, under 40 (simulated)" on one line; a source shown whole, wrapped,
#: rather than cut after seven lines. And no border on the sidebar's edge: it is drawn the
#: window's height, so on a page longer than the window it stopped halfway down.
PAGE_CSS = """
#vg-tooltip-element { font-size: 13px; }
#vg-tooltip-element table tr td.key { max-width: 260px; }
#vg-tooltip-element table tr td.value { max-width: 420px; max-height: none; white-space: normal; }
.v-navigation-drawer__border { display: none; }
"""
#: Tabs of the live page. Only the open tab is drawn, so a step redraws one tab's figures.
TABS = ("Scenario and levers", "World flows", "Indicators", "Academia and careers", "Indicator table")
#: The tab open when the page loads: the world flow map.
FIRST_TAB = 1


@solara.component
def Dashboard(model: CirculationModel, settings: Settings, files: list[Path], results: Path) -> None:
    """The live page's settings and components in tabs; each component redraws after
    every step (Mesa's update counter). The settings are a tab rather than part of the
    sidebar, so that a step never redraws them; beside them, a paired batch of their
    levers (stored under ``results``)."""
    version = solara.use_reactive(0)  # the settings' changes: the batch panel shows their cost
    with solara.lab.Tabs(value=FIRST_TAB, lazy=True):
        with solara.lab.Tab(TABS[0]), solara.ColumnsResponsive(12, large=[6, 6]):
            SettingsPanel(settings, files, version)
            BatchPanel(settings, results, version.value)
        with solara.lab.Tab(TABS[1]):
            FlowMap(model)
        with solara.lab.Tab(TABS[2]):
            IndicatorPlots(model)
        with solara.lab.Tab(TABS[3]):
            CareerPipeline(model)  # the overview first, then the age structure and single paths
            with solara.ColumnsResponsive(12, large=[5, 7]):  # Columns would scroll inside (its cards have margins)
                AgeBands(model)
                CareerInspector(model)
        with solara.lab.Tab(TABS[4]):
            IndicatorTable(model)


@solara.component
def LivePage() -> None:
    """One session's live model: its own settings and model, made when the page first renders."""
    files = solara.use_memo(lambda: scenario_files(root() / "scenarios"), [])
    settings, problem = solara.use_memo(lambda: initial_settings(files), [])
    first = solara.use_memo(lambda: LiveModel(settings), [])
    model = solara.use_reactive(first)
    solara.Title("circsim: live model")
    with solara.Sidebar():
        RunControls(model, lambda: LiveModel(settings))
    if problem:
        solara.Error(problem)
    Dashboard(model.value, settings, files, root() / "results")


@solara.component
def ComparePage() -> None:
    """Result stores side by side."""
    store = os.environ.get(ENV_STORE)
    base = root()
    solara.Title("circsim: compare experiments")
    ComparisonPage(Path(store) if store else None, [base / "experiments", base / "results"])


@solara.component
def Layout(children: list) -> None:
    """Solara's app layout grown to the page's full length: its default content box is
    the window's height and scrolls inside, so a screenshot or a printout would cut the
    page off."""
    solara.Style(PAGE_CSS)
    solara.AppLayout(children=children, style={"padding": "12px"})


routes = [
    solara.Route(path="/", component=LivePage, label="Live model", layout=Layout),
    solara.Route(path="compare", component=ComparePage, label="Compare experiments", layout=Layout),
]
