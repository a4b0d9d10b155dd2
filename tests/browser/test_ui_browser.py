"""The interface in a real browser: Playwright drives Debian's Chromium against
``circsim ui`` on 127.0.0.1 (no internet needed). Screenshots go to test-artifacts/.

Without /usr/bin/chromium (or the Chromium that ``CIRCSIM_CHROMIUM`` names) these tests
are skipped with a loud reason, and fail under ``CI=true`` (``.ci/run`` installs Chromium
first). Never ``playwright install``: the downloads are not reachable here; Debian's
Chromium is used instead.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from itertools import permutations
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from circsim.sim.indicators import PANELS
from circsim.sim.inputs import load_regions
from circsim.sim.params import ModelParams
from circsim.ui import flow_chart, indicator_plots
from circsim.ui.batch_panel import BATCH_CLASS
from circsim.ui.comparison import MARK
from circsim.ui.run_controls import YEAR_CLASS
from circsim.workbench.store import open_store
from uikit import ROOT, image_spread

CHROMIUM = Path(os.environ.get("CIRCSIM_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1440, "height": 1000}
TIMEOUT_MS = 60_000  # a first page load builds a model on a busy machine
PADDING = 5  # vega-embed's padding around a chart, in pixels
SHIPPED_STORE = ROOT / "experiments" / "levers-2026" / "store"
START_YEAR = ModelParams.model_fields["start_year"].default  # the test baseline's (uikit.make_ui_root)


def _require_chromium() -> None:
    if CHROMIUM.is_file():
        return
    reason = (
        f"BROWSER TESTS NOT RUN: Debian's Chromium is missing at {CHROMIUM} "
        "(install it with 'apt-get install -y chromium'; .ci/run does)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """pytest-playwright's launch arguments: Debian's Chromium, headless, no network side-traffic."""
    _require_chromium()
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(autouse=True)
def _close_pages(browser: Browser) -> Iterator[None]:
    """Close every page a test opened when it ends: a page left open keeps its session's
    model, its charts and its websocket busy for the rest of the run."""
    yield
    for context in browser.contexts:
        context.close()


def _serve(ui_root: Path, store: Path) -> Iterator[str]:
    """``circsim ui --store STORE`` on a free port of 127.0.0.1, run from the test project
    folder; yields its address and stops it after."""
    _require_chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"circsim-ui-{store.parent.name}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "circsim", "ui", "--port", "0", "--store", str(store)],
            cwd=ui_root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so the solara child is stopped with it
        )
    try:
        yield _wait_for_server(proc, log)
    finally:
        _stop_group(proc)


@pytest.fixture(scope="module")
def server(ui_root: Path) -> Iterator[str]:
    """``circsim ui`` with the tiny store."""
    yield from _serve(ui_root, ui_root / "experiments" / "tiny" / "store")


@pytest.fixture(scope="module")
def shipped_server(ui_root: Path) -> Iterator[str]:
    """``circsim ui`` with the shipped store of experiments/levers-2026 (17 scenarios, 204 runs)."""
    yield from _serve(ui_root, SHIPPED_STORE)


def _stop_group(proc: subprocess.Popen, timeout: float = 20, grace: float = 3) -> None:
    """Stop ``circsim ui`` and its solara child (one process group), killing what lingers
    after ``grace`` seconds. (Offline, the server's stop waits for its look-ups of KaTeX on a
    CDN to fail, up to 9 s here; a second signal does not shorten that wait.)"""
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=timeout)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)  # is any process of the group left?
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)


def _wait_for_server(proc: subprocess.Popen, log: Path, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"circsim ui exited with {proc.returncode}:\n{log.read_text()}")
        found = re.search(r"http://127\.0\.0\.1:\d+/", log.read_text())
        if found:
            url = found.group(0)
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return url
            except OSError:
                pass
        time.sleep(0.5)
    raise AssertionError(f"circsim ui did not answer at {url} within {timeout} s:\n{log.read_text()}")


def _open(browser: Browser, url: str) -> Page:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    expect(page.get_by_role("button", name="Step")).to_be_visible()
    return page


def _years(page: Page, n: int) -> None:
    """Wait until the model has simulated ``n`` years (the year in the sidebar)."""
    expect(page.locator(f".{YEAR_CLASS}")).to_have_text(str(START_YEAR + n - 1) if n else "not started")


def _step(page: Page, times: int, start: int = 0) -> None:
    for i in range(times):
        page.get_by_role("button", name="Step").click()
        _years(page, start + i + 1)


def _figure_drawn(page: Page, card: str, not_as: str | None = None) -> str:
    """The card's figure is shown, is not blank (and differs from ``not_as``); returns its source."""
    img = page.locator(".v-card", has_text=card).locator("img").first
    expect(img).to_be_visible()
    if not_as is not None:
        expect(img).not_to_have_attribute("src", not_as)
    assert image_spread(img.screenshot()) > 5, f"the figure of '{card}' is blank"
    return img.get_attribute("src")


def _map_drawn(page: Page, year: int | None = None) -> Locator:
    """The flow map card shows the Vega-Lite map (vega-embed draws it on a canvas) with the
    country shapes in their regions' colours; with ``year``, the card names that year.
    Returns the canvas."""
    card = page.locator(".v-card", has_text="World flows of researchers")
    if year is not None:
        expect(card.get_by_text(f"World flows of researchers: {year}")).to_be_visible()
    canvas = card.locator(".vega-embed canvas.marks")
    expect(canvas).to_be_visible()
    fills = [flow_chart.FOCAL_FILL, *(flow_chart.REGION_FILLS[c] for c in ("US", "CN", "AFR", "LAM", "SAS"))]
    shown = canvas.evaluate(
        """(c, fills) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                          const hex = new Set();
                          for (let i = 0; i < d.length; i += 4 * 7)
                              hex.add('#' + [d[i], d[i + 1], d[i + 2]]
                                  .map(v => v.toString(16).padStart(2, '0')).join(''));
                          return fills.filter(f => hex.has(f)); }""",
        fills,
    )
    assert len(shown) == len(fills), f"region colours missing from the map: {set(fills) - set(shown)}"
    return canvas


def _hover_an_arc(page: Page, canvas: Locator) -> str:
    """Move the mouse over the middle of arcs between regions until one shows its
    tooltip (vega draws on a canvas: the arcs are found from their geometry); its text."""
    regions = {r.code: r for r in load_regions("regions")}
    tooltip = page.locator("#vg-tooltip-element.visible")
    pairs = sorted(permutations(regions, 2), key=lambda p: "US" not in p)  # the US's flows are the widest
    for o, d in pairs:
        lon, lat = flow_chart.arc_points(regions[o], regions[d])[flow_chart.ARC_POINTS // 2]
        box = canvas.bounding_box()  # again each time: vega-embed replaces the canvas when the year changes
        if box is None:
            continue
        x = box["x"] + PADDING + (lon + 180) * flow_chart.PX_PER_DEGREE
        y = box["y"] + PADDING + (flow_chart.LAT_TOP - lat) * flow_chart.PX_PER_DEGREE
        page.mouse.move(x, y)
        try:
            expect(tooltip).to_contain_text("people in the latest year", timeout=300)
        except AssertionError:
            continue
        return tooltip.inner_text()
    raise AssertionError("no arc shows a tooltip")


def _charts_drawn(page: Page, years: int) -> Locator:
    """The Indicators tab shows a chart a panel, drawn by vega-embed as SVG, each with a
    point a simulated year on its lines; returns the charts."""
    charts = page.locator(".v-card .vega-embed svg.marks")
    expect(charts).to_have_count(len(PANELS))
    for i, panel in enumerate(PANELS):
        points = charts.nth(i).locator("g.simulated_layer_1_marks path")
        expect(points).to_have_count(years * len(indicator_plots.PANEL_MEMBERS[panel]))
    return charts


def _hover_a_year(page: Page, chart: Locator) -> str:
    """Move the mouse over each year's band of ``chart``, at a few heights (a line may
    cover one), until the year's tooltip shows; its text."""
    tooltip = page.locator("#vg-tooltip-element.visible")
    bands = chart.locator("g.band_marks path")
    for i in range(bands.count()):
        box = bands.nth(i).bounding_box()
        for height in (0.15, 0.5, 0.85):
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * height)
            try:
                expect(tooltip).to_contain_text("(simulated)", timeout=300)
            except AssertionError:
                continue
            return tooltip.inner_text()
    raise AssertionError("no year shows a tooltip")


def _pipeline_drawn(page: Page) -> Locator:
    """The career pipeline card shows its Sankey (vega-embed, SVG): bands between the
    places' bars, each place labelled with its people a year; returns the chart."""
    chart = page.locator(".v-card", has_text="Career pipeline of JP researchers").locator(".vega-embed svg.marks")
    expect(chart).to_be_visible()
    expect(chart.locator("g.bands_marks path").first).to_be_visible()
    assert chart.locator("g.bands_marks path").count() >= 3
    doctoral = chart.locator("g.labels_from_marks text", has_text=re.compile(r"^Doctoral studies\s+[\d,]+$"))
    expect(doctoral).to_be_visible()
    return chart


def _age_bands_drawn(page: Page) -> Locator:
    """The age-band card shows its chart (SVG): a bar a band and kind of post, the
    fixed-term shares written on the bars; returns the chart."""
    chart = page.locator(".v-card", has_text="Academia by age band").locator(".vega-embed svg.marks")
    expect(chart.locator("g.bars_marks path")).to_have_count(2 * 8)  # 8 bands, permanent and fixed-term
    expect(chart.locator("g.shares_marks text", has_text=re.compile(r"\d+\.\d%")).first).to_be_visible()
    return chart


def _text_sizes(chart: Locator) -> list[float]:
    """Font sizes (px) of every text of an SVG chart (there is text: an empty list fails)."""
    sizes = chart.evaluate("c => [...c.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize))")
    assert sizes, "the chart has no text"
    return sizes


def _hover_largest(page: Page, marks: Locator, says: str) -> str:
    """Move the mouse to the middle of the tallest of ``marks`` (a Sankey band's middle is
    its box's middle) and wait for the tooltip to say ``says``; the tooltip's text."""
    marks.first.scroll_into_view_if_needed()  # the mouse reaches only what is in the window
    boxes = [b for b in (marks.nth(i).bounding_box() for i in range(marks.count())) if b]
    box = max(boxes, key=lambda b: b["height"])
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator("#vg-tooltip-element.visible")
    expect(tooltip).to_contain_text(says)
    return tooltip.inner_text()


def _inner_scrollers(page: Page) -> list[str]:
    """Elements whose content scrolls inside them (overflow auto or scroll and more to show)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(e => {
                  const s = getComputedStyle(e);
                  return /(auto|scroll)/.test(s.overflowY + s.overflowX)
                      && (e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1); })
              .map(e => e.tagName + '.' + e.className)"""
    )


def _shot(page: Page, name: str) -> None:
    """A full-length screenshot, from the top: scrolled down (by an element screenshot), the
    page would be pictured with the fixed app bar drawn over its middle."""
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_live_page_lever_reset_step_and_every_component(browser: Browser, server: str):
    page = _open(browser, server)
    _shot(page, "live-loaded")
    page.get_by_role("tab", name="Scenario and levers").click()
    page.get_by_text("contact window (off)").click()
    page.locator(".v-expansion-panel", has_text="contact window").get_by_text("enabled").click()
    expect(page.get_by_text("contact window (on)")).to_be_visible()
    expect(page.get_by_text(re.compile("levers on: contact_window"))).to_be_visible()
    page.get_by_role("button", name="Reset").click()
    _years(page, 0)
    page.get_by_role("tab", name="World flows").click()
    _map_drawn(page)
    _step(page, 5)
    _map_drawn(page, year=2008)
    _shot(page, "live-world-flows")
    page.get_by_role("tab", name="Indicators", exact=True).click()
    _charts_drawn(page, years=5)
    _step(page, 1, start=5)
    _charts_drawn(page, years=6)  # redrawn after a step
    _shot(page, "live-indicators")
    page.get_by_role("tab", name="Academia and careers").click()
    _pipeline_drawn(page)
    _age_bands_drawn(page)
    page.get_by_role("button", name="Random researcher").click()
    expect(page.get_by_text(re.compile(r"Researcher \d+"))).to_be_visible()
    expect(page.get_by_role("cell", name="2009").first).to_be_visible()  # a row a year of the path
    _shot(page, "live-careers")
    page.get_by_role("tab", name="Indicator table").click()
    expect(page.get_by_text("Indicators in 2009")).to_be_visible()
    _shot(page, "live-table")
    assert "Traceback" not in page.locator("body").inner_text()


def test_world_map_shows_country_shapes_and_arc_numbers_on_hover(browser: Browser, server: str):
    page = _open(browser, server)
    page.get_by_role("button", name="Reset").click()
    _years(page, 0)
    _map_drawn(page)
    _step(page, 3)
    text = _hover_an_arc(page, _map_drawn(page, year=2006))
    assert re.search(r"from:\s+\S.*to:\s+\S", text, re.S) and "2006" in text and "mean since 2004" in text
    _shot(page, "live-world-map-hover")
    page.get_by_role("button", name="mean a year since the start").click()
    _step(page, 1, start=3)
    _hover_an_arc(page, _map_drawn(page, year=2007))
    page.mouse.move(0, 0)  # the full-page picture without a tooltip
    _shot(page, "live-world-map")
    assert "Traceback" not in page.locator("body").inner_text()


def test_a_value_out_of_range_gets_a_message_in_the_page(browser: Browser, server: str):
    page = _open(browser, server)
    page.get_by_role("tab", name="Scenario and levers").click()
    seed = page.get_by_label("seed (integer >= 0)")
    seed.fill("-4")
    seed.press("Enter")
    expect(page.get_by_text(re.compile("seed: not applied.*allowed: an integer >= 0")).first).to_be_visible()
    scale = page.get_by_label("scale (real researchers per agent)")
    scale.fill("0")
    scale.press("Enter")
    expect(page.get_by_text(re.compile(r"model\.scale: not applied.*allowed: a number > 0")).first).to_be_visible()
    _shot(page, "live-out-of-range")
    _step(page, 1)  # the page and its model carry on
    assert "Traceback" not in page.locator("body").inner_text()


def test_two_browser_contexts_keep_separate_models(browser: Browser, server: str):
    a = _open(browser, server)
    _step(a, 3)
    b = _open(browser, server)  # another context: another session
    _years(b, 0)  # it starts its own model, not a's
    _step(b, 1)
    _years(a, 3)
    a.get_by_role("button", name="Reset").click()
    _years(a, 0)
    _years(b, 1)  # a's reset leaves b alone
    _step(b, 1, start=1)
    _years(a, 0)  # and b's step leaves a alone
    a.get_by_role("button", name="Play").click()  # play a while b waits
    expect(a.locator(f".{YEAR_CLASS}")).to_have_text(re.compile(r"20(0[6-9]|1[0-2])"))  # 3 years or more
    a.get_by_role("button", name="Pause").click()
    expect(a.get_by_role("button", name="Play")).to_be_enabled()
    a.wait_for_timeout(500)  # a year under way when Pause was pressed may still end
    paused = a.locator(f".{YEAR_CLASS}").inner_text()
    a.wait_for_timeout(1000)
    assert a.locator(f".{YEAR_CLASS}").inner_text() == paused  # no further year
    _years(b, 2)
    _shot(a, "two-sessions-a")
    _shot(b, "two-sessions-b")


def _compare_page(browser: Browser, server: str) -> Page:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server + "compare")
    expect(page.get_by_text("Effects against baseline in 2010 (JP)")).to_be_visible()
    return page


def _type_store(page: Page, path: str) -> None:
    box = page.get_by_label("or a store directory")
    box.fill(path)
    box.press("Enter")


def test_the_store_box_refuses_a_directory_outside_the_project(browser: Browser, server: str, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "experiments" / "levers-2026" / "store", elsewhere, dirs_exist_ok=True)
    page = _compare_page(browser, server)
    for path in (str(elsewhere), "../../elsewhere", "/etc", "x" * 5000):
        _type_store(page, path)
        expect(page.get_by_text(re.compile("outside the stores this page may open|path too long"))).to_be_visible()
        expect(page.get_by_text("Traceback")).to_have_count(0)
    _shot(page, "compare-refused")


def test_a_damaged_store_is_a_message_in_the_page(browser: Browser, server: str, ui_root: Path):
    broken = ui_root / "results" / "broken"
    shutil.copytree(ui_root / "experiments" / "tiny" / "store", broken)
    part = sorted((broken / "indicators.parquet").glob("*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:100])
    page = _compare_page(browser, server)
    _type_store(page, str(broken))
    expect(page.get_by_text(re.compile(f"{part.stem}.*was altered"))).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    _shot(page, "compare-damaged")


def _effects_cells(page: Page) -> dict[tuple[str, str], str]:
    """The effects table's cells by (scenario, column heading), as the page shows them."""
    table = page.locator(".v-card", has_text="Effects against").locator("table")
    headings = table.locator("thead th").all_inner_texts()
    cells = {}
    for row in table.locator("tbody tr").all():
        texts = row.locator("td").all_inner_texts()
        cells |= {(texts[0].strip(), h.strip()): t.strip() for h, t in zip(headings[1:], texts[1:], strict=True)}
    return cells


def _download(page: Page, button: str) -> bytes:
    """The file the page's download button gives."""
    with page.expect_download() as info:
        page.get_by_role("button", name=button).first.click()
    return Path(info.value.path()).read_bytes()


def _hover_a_point(page: Page, chart: Locator, text: str) -> str:
    """Move the mouse over the chart's points (vega draws them as SVG symbols) until a
    tooltip containing ``text`` shows; its text."""
    tooltip = page.locator("#vg-tooltip-element.visible")
    symbols = chart.locator("g.mark-symbol path")
    for i in range(min(symbols.count(), 60)):
        symbols.nth(i).hover(force=True)
        try:
            expect(tooltip).to_contain_text(text, timeout=300)
        except AssertionError:
            continue
        return tooltip.inner_text()
    raise AssertionError(f"no point shows a tooltip with {text!r}")


def test_compare_page_on_the_tiny_store_has_no_search_sections(browser: Browser, server: str):
    page = _compare_page(browser, server)
    expect(page.get_by_role("cell", name="fellows")).to_be_visible()
    expect(page.locator(".v-card .vega-embed svg.marks")).to_have_count(2)  # a fan chart an indicator
    body = page.locator("body")
    expect(body).to_contain_text("not estimable")
    for absent in ("Scenario discovery", "Pareto front"):
        expect(body).not_to_contain_text(absent)
    _shot(page, "compare")


def test_compare_page_on_the_shipped_store(browser: Browser, shipped_server: str):
    page = browser.new_context(viewport=VIEWPORT, accept_downloads=True).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(shipped_server + "compare")
    # the first page the server shows loads the app (and the model's code) first: not timed here
    expect(page.get_by_text("Effects against baseline in 2040 (JP)")).to_be_visible(timeout=TIMEOUT_MS)
    cells = _effects_cells(page)
    assert len({s for s, _ in cells}) == 16  # every scenario besides the baseline
    marked = {k for k, v in cells.items() if v.endswith(MARK)}
    assert marked and len(marked) < len(cells)  # some effects survive, not all
    expect(
        page.get_by_text(re.compile(f"{MARK} in bold: the effect survives the false-discovery control"))
    ).to_be_visible()
    # the CSV holds the table's rows, the marks where it says the effect survives
    csv = pd.read_csv(io.BytesIO(_download(page, "Download the table (CSV)")), keep_default_na=False)
    from_csv = {(r.scenario, r.column): r.effect + (f" {MARK}" if r.survives_fdr == "yes" else "")
                for r in csv.itertuples()}  # fmt: skip
    assert from_csv == cells
    png = _download(page, "Download the figure (PNG, as in the report)")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and image_spread(png) > 5
    charts = page.locator(".v-card .vega-embed svg.marks")
    expect(charts).to_have_count(2)
    sizes = charts.evaluate_all(
        "cs => cs.flatMap(c => [...c.querySelectorAll('text')]).map(t => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert min(sizes) >= 12, f"chart text smaller than 12 px: {sorted(set(sizes))}"
    text = _hover_a_point(page, charts.first, "median over runs")
    assert re.search(r"year:\s+20\d\d", text) and re.search(r"90% of runs:\s+[\d,]+ to [\d,]+", text)
    _shot(page, "compare-shipped-hover")
    page.mouse.move(0, 0)
    assert not _inner_scrollers(page)
    assert "Traceback" not in page.locator("body").inner_text()
    _shot(page, "compare-shipped")


def test_compare_page_shows_discovery_boxes_and_the_pareto_front(browser: Browser, server: str, ui_root: Path):
    store = ui_root / "results" / "searched" / "store"
    shutil.copytree(ui_root / "experiments" / "tiny" / "store", store)
    shutil.copytree(ROOT / "experiments" / "discovery-2026" / "returns", store / "returns")
    shutil.copy(ROOT / "experiments" / "portfolio-2026" / "front.csv", store.parent / "front.csv")
    page = _compare_page(browser, server)
    _type_store(page, str(store))
    shipped = pd.read_csv(store / "returns" / "boxes.csv")
    asked = (store / "returns" / "discover.md").read_text(encoding="utf-8").splitlines()[0].removeprefix("## ")
    boxes = page.locator(".v-card", has_text=f"Scenario discovery: {asked}")
    expect(boxes.locator("table tbody tr")).to_have_count(len(shipped))  # a row per box or leaf of boxes.csv
    expect(boxes.get_by_role("cell", name=f"{shipped['coverage'].iloc[0]:.0%}").first).to_be_visible()
    pareto = page.locator(".v-card", has_text="Pareto front").locator(".vega-embed svg.marks")
    expect(pareto).to_be_visible()
    text = _hover_a_point(page, pareto, "yearly cost")
    assert re.search(r"yearly cost:\s+[\d,.]+ 億円 a year", text) and "overseas_fellowships" in text
    _shot(page, "compare-discovery-pareto")
    assert "Traceback" not in page.locator("body").inner_text()


E_NOTATION = re.compile(r"\d(\.\d+)?e[+-]?\d", re.IGNORECASE)


def test_live_page_has_no_demo_leftovers_and_shows_the_year(browser: Browser, server: str):
    page = _open(browser, server)
    body = page.locator("body")
    for leftover in ("Model Parameters", "Use Threads", "Time:", "Play Interval", "Render Interval"):
        expect(body).not_to_contain_text(leftover)
    _years(page, 0)
    expect(body).to_contain_text("run 2004-2012: press Step or Play")
    for border in page.locator(".v-navigation-drawer__border").all():  # it would stop at the window's height
        expect(border).to_be_hidden()
    _step(page, 2)
    expect(page.locator(f".{YEAR_CLASS}")).to_have_text("2005")
    expect(body).to_contain_text("2 of 9 years simulated (2004-2012)")
    expect(page.get_by_text("This website runs on")).to_have_count(0)  # Solara's badge
    # nothing fixed covers the bottom right corner, where the badge was: the page is under it
    corner = page.evaluate(
        "([x, y]) => { const e = document.elementFromPoint(x, y); return getComputedStyle(e).position; }",
        [VIEWPORT["width"] - 30, VIEWPORT["height"] - 15],
    )
    assert corner != "fixed"
    _shot(page, "live-year")


def test_indicator_charts_show_values_and_sources_on_hover(browser: Browser, server: str):
    page = _open(browser, server)
    page.get_by_role("button", name="Reset").click()
    _years(page, 0)
    _step(page, 4)
    page.get_by_role("tab", name="Indicators", exact=True).click()
    charts = _charts_drawn(page, years=4)
    sizes = charts.evaluate_all(
        "cs => cs.flatMap(c => [...c.querySelectorAll('text')]).map(t => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert min(sizes) >= 12, f"chart text smaller than 12 px: {sorted(set(sizes))}"
    careers = charts.nth(PANELS.index("careers and openness"))
    text = _hover_a_year(page, careers)
    assert re.search(r"year:\s+200[4-7]", text) and re.search(r"Fixed-term share \(simulated\):\s+\d+\.\d%", text)
    _shot(page, "live-indicators-hover-year")
    careers.locator("g.observed_marks path").first.hover()  # an observed square of targets.csv
    tooltip = page.locator("#vg-tooltip-element.visible")
    expect(tooltip).to_contain_text(re.compile(r"source:\s*NISTEP"))
    expect(tooltip).to_contain_text(re.compile(r"observed ± tolerance:\s*\d+\.\d% ±\d+ pp"))
    _shot(page, "live-indicators-hover-source")
    page.mouse.move(0, 0)
    expect(tooltip).to_have_count(0)
    assert not _inner_scrollers(page)
    _shot(page, "live-indicators-charts")
    assert "Traceback" not in page.locator("body").inner_text()


def test_money_and_shares_are_written_out_and_the_page_is_full_length(browser: Browser, server: str):
    page = _open(browser, server)
    page.get_by_role("tab", name="Scenario and levers").click()
    page.get_by_text("overseas fellowships (off)").click()
    cost = page.get_by_label("cost per fellow year yen (yen/year)")
    expect(cost).to_have_value("7,000,000")
    section = page.locator(".v-expansion-panel", has_text="overseas fellowships")
    expect(section).to_contain_text("= 0.07 億円 a year")
    page.get_by_text("Main parameters").click()
    expect(page.get_by_text(re.compile(r"renewal prob \(share\): \d+\.\d%"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"end year \(calendar year\): 2012"))).to_be_visible()
    assert not E_NOTATION.search(page.locator("body").inner_text())
    assert not _inner_scrollers(page)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height > VIEWPORT["height"]  # the open sections make the page longer than the window: it grows
    _shot(page, "live-levers")
    _step(page, 2)
    page.get_by_role("tab", name="Indicator table").click()
    expect(page.get_by_text("Indicators in 2005")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"^\d[\d,.]* 億円$")).first).to_be_visible()  # the lever cost
    assert not E_NOTATION.search(page.locator("body").inner_text())
    assert not _inner_scrollers(page)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # no column cut off
    _shot(page, "live-table-full")


def test_career_pipeline_sankey_hover_and_the_year_or_run_so_far(browser: Browser, server: str):
    page = _open(browser, server)
    page.get_by_role("button", name="Reset").click()
    _years(page, 0)
    page.get_by_role("tab", name="Academia and careers").click()
    card = page.locator(".v-card", has_text="Career pipeline of JP researchers")
    expect(card).to_contain_text("No year simulated yet: press Step.")
    _step(page, 3)
    chart = _pipeline_drawn(page)
    unit = chart.locator("g.header_unit_marks text")
    expect(unit).to_have_text("people a year (latest year, 2006)")  # the last year's chart, not one being replaced
    assert min(_text_sizes(chart)) >= 12
    text = _hover_largest(page, chart.locator("g.bands_marks path"), "people in the latest year")
    assert re.search(r"from:\s+\S.*to:\s+\S", text, re.S)
    assert re.search(r"people in the latest year:\s+[1-9][\d,]*", text) and re.search(r"latest year:\s+2006", text)
    _shot(page, "live-pipeline-hover")
    card.get_by_role("button", name="mean a year since the start").click()
    expect(unit).to_have_text("people a year (mean a year, 2004-2006)")
    _step(page, 1, start=3)
    expect(unit).to_have_text("people a year (mean a year, 2004-2007)")  # the choice holds across a step
    text = _hover_largest(page, chart.locator("g.bars_marks path"), "people a year")
    assert re.search(r"place:\s+\S.*people a year:\s+[1-9][\d,]*", text, re.S)
    page.mouse.move(0, 0)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # nothing cut off
    assert not _inner_scrollers(page)
    _shot(page, "live-pipeline")
    assert "Traceback" not in page.locator("body").inner_text()


def test_age_band_chart_is_readable_with_numbers_on_hover(browser: Browser, server: str):
    page = _open(browser, server)
    page.get_by_role("button", name="Reset").click()
    _years(page, 0)
    _step(page, 2)
    page.get_by_role("tab", name="Academia and careers").click()
    chart = _age_bands_drawn(page)
    expect(page.get_by_text("Academia by age band, JP: 2005")).to_be_visible()
    sizes = _text_sizes(chart)
    assert min(sizes) >= 12, f"chart text smaller than 12 px: {sorted(set(sizes))}"
    expect(chart.locator("text", has_text="academics in JP (people)")).to_be_visible()  # the axis and its unit
    text = _hover_largest(page, chart.locator("g.bars_marks path"), "age band")
    assert re.search(r"permanent \(people\):\s+[1-9][\d,]*", text) and re.search(r"fixed-term share:\s+\d+\.\d%", text)
    _shot(page, "live-age-bands-hover")
    assert "Traceback" not in page.locator("body").inner_text()


#: Draws each character on a canvas in the font of ``element`` and returns their pixels
#: as strings: a character without a glyph in any font is drawn as the same box as another.
GLYPHS_JS = """([element, chars]) => {
    const canvas = document.createElement('canvas'); canvas.width = 64; canvas.height = 64;
    const ctx = canvas.getContext('2d');
    ctx.font = '40px ' + getComputedStyle(element).fontFamily;
    return chars.map(ch => { ctx.clearRect(0, 0, 64, 64); ctx.fillText(ch, 8, 48);
                             return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(','); }); }"""


def test_yen_units_render_as_japanese_glyphs_not_boxes(browser: Browser, server: str):
    page = _open(browser, server)
    page.get_by_role("tab", name="Scenario and levers").click()
    page.get_by_text("overseas fellowships (off)").click()
    hint = page.locator(".v-messages__message", has_text="億円").first
    expect(hint).to_be_visible()
    oku, en, box_a, box_b, blank = page.evaluate(
        GLYPHS_JS, [hint.element_handle(), ["億", "円", "\ue000", "\ue001", " "]]
    )
    assert box_a == box_b != blank  # the check sees a missing glyph: two unknown characters, one box
    assert oku != en, "億 and 円 are drawn as the same box: no CJK font (install fonts-noto-cjk)"
    assert blank not in (oku, en)
    hint.screenshot(path=str(ARTIFACTS / "yen-glyphs.png"))


def test_a_paired_batch_launched_from_the_page_shows_its_cost_progress_and_effects(
    browser: Browser, server: str, ui_root: Path
):
    page = _open(browser, server)
    page.get_by_role("tab", name="Scenario and levers").click()
    batch = page.locator(f".{BATCH_CLASS}")
    batch.get_by_role("button", name="Launch the batch").click()  # no lever on yet: refused in one line
    expect(batch.get_by_text(re.compile("no lever is on.*allowed: switch on at least one lever"))).to_be_visible()
    page.get_by_text("contact window (off)").click()
    page.locator(".v-expansion-panel", has_text="contact window").get_by_text("enabled").click()
    cost = page.locator(".lever-cost")  # the lever's default start, 2026, is after this run's last year
    expect(cost).to_contain_text("contact_window starts in 2026, after the run's last year (2012)")
    batch.get_by_role("button", name="Launch the batch").click()
    expect(
        batch.get_by_text(re.compile(r"levers\.contact_window\.start_year.*after the run's last year"))
    ).to_be_visible()
    # the test's policy file: the same lever from 2006
    page.locator(".v-select", has_text="scenario file").locator(".v-select__selections").click()
    page.get_by_role("option", name="contact_window").click()
    expect(cost).to_contain_text("(contact_window)")
    expect(cost).to_contain_text(re.compile(r"3 億円 a year\s+on average over 2006-2012"))
    before = set((ui_root / "results").glob("page-*"))
    batch.get_by_role("button", name="Launch the batch").click()
    expect(batch.get_by_text(re.compile(r"\d+ of 16 runs done"))).to_be_visible()  # the progress line
    expect(batch.get_by_text("Effects of contact_window in JP")).to_be_visible(timeout=180_000)
    table = batch.locator("table")
    assert table.locator("thead th").all_inner_texts()[1:] == ["2012", "cumulative"]  # 2030 is not run
    cells = table.locator("tbody td").all_inner_texts()
    assert any(re.search(r"\[[-+]?[\d,.]+, [-+]?[\d,.]+\]", c) for c in cells)  # effects with intervals
    _shot(page, "live-paired-batch")
    csv = pd.read_csv(io.BytesIO(_download(page, "Download the effects (CSV)")))
    assert set(csv["scenario"]) == {"package"} and (csv["n_pairs"] == 8).all()
    (folder,) = set((ui_root / "results").glob("page-*")) - before
    runs = open_store(folder / "store").runs()
    assert len(runs) == 16 and (runs["status"] == "done").all() and set(runs["scenario"]) == {"baseline", "package"}
    # an ordinary store: the compare page lists it and compares its package
    compare = _compare_page(browser, server)
    _type_store(compare, str(folder / "store"))
    expect(compare.get_by_role("cell", name="package")).to_be_visible()
    assert "Traceback" not in page.locator("body").inner_text() + compare.locator("body").inner_text()
