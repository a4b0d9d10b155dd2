"""Comparison page: open a result store, choose scenarios and indicators, and see them
side by side: fan charts (each scenario against the baseline band, with the observed
points) and the table of paired effects against the baseline with 95% intervals, from
:mod:`circsim.workbench.compare`, :mod:`circsim.workbench.figures` and :mod:`circsim.workbench.report`."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pandas as pd
import solara

from ..errors import InputError
from ..sim.indicators import names
from ..sim.input_files import check_path
from ..workbench import figures
from ..workbench.compare import FDR_Q, MIN_PAIRS, compare
from ..workbench.report import effects_table
from ..workbench.store import MANIFEST, ResultStore, open_store


def find_stores(*roots: Path) -> list[Path]:
    """Result stores (directories holding a manifest.json) at most two levels below ``roots``."""
    found: list[Path] = []
    for root in roots:
        if root.is_dir():
            found += [m.parent for pattern in (f"*/{MANIFEST}", f"*/*/{MANIFEST}") for m in root.glob(pattern)]
    return sorted(dict.fromkeys(found))


@cache
def _opened(path: Path, stamp: float) -> ResultStore:
    # results are read once per store version and shared (read-only) by every session
    return open_store(path)


def load_store(path: Path) -> ResultStore:
    """The store at ``path``, read once while its manifest is unchanged (InputError if none)."""
    manifest = path / MANIFEST
    return _opened(path.resolve(), manifest.stat().st_mtime if manifest.is_file() else 0.0)


def fan_png(store: ResultStore, country: str, indicator: str, scenarios: list[str], baseline: str) -> bytes:
    """The report's fan chart of one indicator for the chosen scenarios, as PNG bytes."""
    buf = io.BytesIO()
    figures.fan(store.indicators(), store.runs(), country, indicator, scenarios, buf, baseline)
    return buf.getvalue()


def effects(
    store: ResultStore, baseline: str, country: str, year: int, indicators: list[str], scenarios: list[str]
) -> pd.DataFrame:
    """Scenario x indicator table of paired effects against the baseline, "mean [lo, hi]"
    (the report's, :func:`circsim.workbench.report.effects_table`)."""
    comp = compare(store, baseline=baseline, country=country, years=[year], indicators=indicators)
    eff = comp.effects[(comp.effects["period"] == str(year)) & comp.effects["scenario"].isin(scenarios)]
    return effects_table(eff, [s for s in scenarios if s != baseline])


@solara.component
def ComparisonView(store: ResultStore) -> None:
    """Scenario, indicator and year pickers, then the effects table and fan charts."""
    runs = store.runs()
    done = runs[runs["status"] == "done"]
    all_scen = list(dict.fromkeys(done["scenario"]))
    ind = store.indicators()
    recorded = set(ind["indicator"].unique()) if not ind.empty else set()
    choices = [i for i in names(compared=True) if i in recorded] or sorted(recorded)
    first = [i for i in names(fan=True) if i in recorded][:2] or choices[:2]
    years = sorted(int(y) for y in ind["year"].unique()) if not ind.empty else []
    countries = list(dict.fromkeys(ind["country"])) if not ind.empty else ["JP"]
    baseline = "baseline" if "baseline" in all_scen else (all_scen[0] if all_scen else "")
    scenarios, set_scenarios = solara.use_state(all_scen)
    indicators, set_indicators = solara.use_state(first)
    year, set_year = solara.use_state(years[-1] if years else 0)
    country, set_country = solara.use_state("JP" if "JP" in countries else countries[0])
    if not all_scen or not years:
        solara.Warning(f"{store.path} holds no finished run.")
        return
    with solara.Card("What to compare"):
        with solara.Row():
            solara.SelectMultiple("scenarios", values=scenarios, all_values=all_scen, on_value=set_scenarios)
            solara.SelectMultiple("indicators", values=indicators, all_values=choices, on_value=set_indicators)
            solara.Select("year", value=year, values=years, on_value=set_year)
            solara.Select("country", value=country, values=countries, on_value=set_country)
        m = store.manifest
        solara.Text(
            f"{store.path}: experiment {m['experiment']['file']}, {len(done)} finished runs; "
            f"effects are paired differences against '{baseline}' (same seeds), mean [95% interval of the "
            f"paired t-test]; not estimable with fewer than {MIN_PAIRS} pairs; in bold where the effect survives "
            f"the false-discovery control (Benjamini-Hochberg, q = {FDR_Q}) over every scenario and the chosen "
            "indicators."
        )
    shown = [baseline, *(s for s in scenarios if s != baseline)]
    if len(shown) < 2 or not indicators:
        solara.Info("Choose at least one scenario besides the baseline and one indicator.")
        return
    try:
        table = effects(store, baseline, country, year, indicators, shown)
    except InputError as err:
        solara.Error(str(err))
        return
    with solara.Card(f"Effects against {baseline} in {year} ({country})"):
        solara.Markdown(table.to_markdown())
    with solara.Row(style={"flex-wrap": "wrap"}):
        for name in indicators:
            with solara.Card(f"{name}: fan chart"):
                solara.Image(fan_png(store, country, name, shown, baseline))


@solara.component
def ComparisonPage(default_store: Path | None, roots: list[Path]) -> None:
    """Pick a store (the one given to ``circsim ui --store`` first, then those found), then compare."""
    options = [str(p) for p in dict.fromkeys([*([default_store] if default_store else []), *find_stores(*roots)])]
    chosen, set_chosen = solara.use_state(options[0] if options else "")
    typed, set_typed = solara.use_state("")
    path = Path(typed or chosen) if (typed or chosen) else None
    with solara.Card("Result store"):
        if options:
            solara.Select(
                "result store", value=chosen, values=options, on_value=lambda v: (set_chosen(v), set_typed(""))
            )
        solara.InputText("or a store directory", value=typed, on_value=set_typed)
    if path is None:
        solara.Info("No result store found: run 'circsim batch' or start 'circsim ui --store DIR'.")
        return
    try:
        store = load_store(allowed_store(path, default_store, roots))
        store.indicators()  # every part verified now: a damaged store is a message, not a broken page
    except InputError as err:
        solara.Error(str(err))
        return
    ComparisonView(store).key(str(path))  # fresh choices for each store


def allowed_store(path: Path, given: Path | None, roots: list[Path]) -> Path:
    """``path`` if the page may open it: the store given to ``circsim ui --store`` or a
    directory under one of ``roots`` (the project's experiments/ and results/), links
    resolved; an InputError otherwise (the page serves whoever reaches it)."""
    check_path(path, "store")
    try:
        real = path.resolve()
    except (OSError, RuntimeError) as exc:
        raise InputError(f"cannot be resolved ({type(exc).__name__})", source=str(path)) from None
    allowed = [r.resolve() for r in roots]
    if (given is not None and real == given.resolve()) or any(real.is_relative_to(r) for r in allowed):
        return real
    raise InputError(
        "is outside the stores this page may open",
        source=str(path),
        allowed="a result store under " + " or ".join(str(r) for r in allowed) + " (or the one given to --store)",
    )
