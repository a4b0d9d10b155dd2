"""Comparison page: open a result store, choose scenarios and indicators, and see them
side by side: the table of paired effects against the baseline with 95% intervals, the
effects that survive the report's false-discovery control marked (the report's own
decision, :mod:`circsim.workbench.compare` and :mod:`circsim.workbench.report`), as CSV
too; interactive fan charts (:mod:`circsim.ui.fan_chart`) with the report's figure as
PNG (:func:`circsim.workbench.figures.fan`); and, where ``circsim discover`` or
``circsim optimise`` wrote them beside the store, the discovery boxes and the Pareto front.

Opening a store costs one read of its results (cached per store version and shared by
every session); the comparison is made once per store version, baseline, country and
year, on that country's rows only; the report's PNG is drawn only when downloaded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import solara
from solara.widgets import VegaLite

from ..errors import InputError
from ..sim.indicators import REGISTRY, names
from ..sim.input_files import check_path
from ..workbench import figures
from ..workbench.compare import COMPARABLE, ESTIMABLE, FDR_Q, MIN_PAIRS, Comparison, compare, report_years
from ..workbench.report import effect_cell, effects_table, heading
from ..workbench.store import MANIFEST, ResultStore, open_store
from .fan_chart import fan_spec
from .indicator_plots import unit_text
from .search_outputs import (
    BOX_COLUMNS,
    FRONT_COLUMNS,
    boxes_table,
    discovery_files,
    experiment_folders,
    front_files,
    pareto_spec,
    question,
    read_output,
    search_budget,
    search_outcome,
)
from .store_reading import countries, country_indicators, country_results, verified

#: Beside an effect that survives the false-discovery control (which the report writes in bold).
MARK = "✓"


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


@dataclass(frozen=True)
class Choices:
    """What a store offers to compare: finished scenarios, recorded indicators that can be
    compared, years and countries."""

    scenarios: list[str]
    indicators: list[str]
    first: list[str]
    years: list[int]
    countries: list[str]


@cache
def choices(store: ResultStore) -> Choices:
    """The store's :class:`Choices`, read once per store version (the indicators and years
    from the first country's rows: every country records the same)."""
    runs = store.runs()
    offered = countries(store)
    ind = country_indicators(store, "JP" if "JP" in offered else offered[0]) if offered else pd.DataFrame()
    recorded = set(ind["indicator"].unique()) if not ind.empty else set()
    compared = [i for i in names(compared=True) if i in recorded] or sorted(recorded & set(COMPARABLE))
    return Choices(
        scenarios=list(runs.loc[runs["status"] == "done", "scenario"].unique()),
        indicators=compared,
        first=[i for i in names(fan=True) if i in recorded][:2] or compared[:2],
        years=sorted(int(y) for y in ind["year"].unique()) if not ind.empty else [],
        countries=offered,
    )


def default_view(offer: Choices) -> tuple[str, str, int]:
    """The baseline, country and year the page shows first: the scenario named "baseline"
    (else the first), Japan (else the first country) and the last year."""
    baseline = "baseline" if "baseline" in offer.scenarios else (offer.scenarios[0] if offer.scenarios else "")
    country = "JP" if "JP" in offer.countries else next(iter(offer.countries), "")
    return baseline, country, offer.years[-1] if offer.years else 0


def warm(path: Path) -> None:
    """Read and compare the store at ``path`` as the page's first view needs it (the
    results shared by every session, :func:`load_store`, :func:`choices`,
    :func:`comparison`), so that the first session to open the page finds them ready.
    The server calls it in the background at start for the store given to ``--store``;
    a damaged store is left for the page to report."""
    try:
        store = verified(load_store(path))
        offer = choices(store)
        baseline, country, year = default_view(offer)
        if len(offer.scenarios) > 1 and offer.years:
            comparison(store, baseline, country, year)
    except InputError:
        return  # the page says what is wrong when it is opened


@cache
def comparison(store: ResultStore, baseline: str, country: str, year: int) -> Comparison:
    """The report's comparison of every scenario and indicator over the report's years
    with ``year`` added (:func:`~circsim.workbench.compare.report_years`: on the shipped
    store, what ``circsim compare STORE --years 2030,2040`` computes, false-discovery
    control included, so the page marks what the report marks), once per store version
    and choice."""
    years = report_years(choices(store).years, year)
    return compare(country_results(store, country), baseline=baseline, country=country, years=years)  # type: ignore[arg-type]


def shown_effects(comp: Comparison, indicators: list[str], scenarios: list[str], year: int) -> pd.DataFrame:
    """The comparison's effect rows of the chosen scenarios and indicators in ``year``."""
    eff = comp.effects
    return eff[(eff["period"] == str(year)) & eff["scenario"].isin(scenarios) & eff["indicator"].isin(indicators)]


def effects(
    store: ResultStore, baseline: str, country: str, year: int, indicators: list[str], scenarios: list[str]
) -> pd.DataFrame:
    """Scenario x indicator table of paired effects against the baseline, "mean [lo, hi]"
    (the report's, :func:`circsim.workbench.report.effects_table`), :data:`MARK` after the
    effects that survive the false-discovery control."""
    eff = shown_effects(comparison(store, baseline, country, year), indicators, scenarios, year)
    return effects_table(eff, [s for s in scenarios if s != baseline]).map(marked)


def marked(cell: object) -> object:
    """A cell of the report's effects table with :data:`MARK` beside an effect that survives
    the false-discovery control (the report writes it in bold, :func:`effect_cell`)."""
    return f"{cell} {MARK}" if isinstance(cell, str) and cell.startswith("**") else cell


def effects_csv(eff: pd.DataFrame) -> str:
    """The effect rows as CSV: a row a scenario and indicator, the text the page shows,
    whether it survives the false-discovery control, and the report's numbers (model
    units: shares as fractions, as in the report's effects.csv)."""
    out = pd.DataFrame(
        {
            "scenario": eff["scenario"],
            "indicator": eff["indicator"],
            "column": [heading(n) for n in eff["indicator"]],
            "period": eff["period"],
            "effect": [effect_cell(r).strip("*") for r in eff.itertuples()],
            "survives_fdr": [
                "not estimable" if s != ESTIMABLE else "yes" if d else "no"
                for s, d in zip(eff["status"], eff["discovery"], strict=True)
            ],
            **{c: eff[c] for c in ("status", "n_pairs", "n_points", "mean", "lo", "hi", "p_value", "q_value")},
        }
    )
    return out.to_csv(index=False, float_format="%.6g")


def fan_png(store: ResultStore, country: str, indicator: str, scenarios: list[str], baseline: str) -> bytes:
    """The report's fan chart of one indicator for the chosen scenarios, as PNG bytes."""
    buf = io.BytesIO()
    results = country_results(store, country)
    figures.fan(results.indicators(), results.runs(), country, indicator, scenarios, buf, baseline)
    return buf.getvalue()


def legend(comp: Comparison, store: str = "STORE") -> str:
    """What the marks of an effects table of ``comp`` mean, and how many effects survive."""
    found, tested = len(comp.discoveries), len(comp.estimable)
    *earlier, last = map(str, comp.years)
    years = f"{', '.join(earlier)} and {last}" if earlier else last
    return (
        f"**{MARK} in bold**: the effect survives the false-discovery control (Benjamini-Hochberg, q = {FDR_Q}) "
        f"over every estimable effect of every scenario and comparable indicator in {years} and cumulative to "
        f"{comp.years[-1]}, as `circsim compare {store} --years {','.join(map(str, comp.years))}` reports it: "
        f"{found} of {tested} survive. "
        f"**not estimable**: fewer than {MIN_PAIRS} pairs (design points, when there are several) or the same "
        "difference in every pair: no interval, never a finding. Effects are paired differences against the "
        "baseline (same seeds), mean [95% interval of the paired t-test]."
    )


@solara.component
def EffectsCard(comp: Comparison, table: pd.DataFrame, indicators: list[str], shown: list[str], year: int) -> None:
    """The effects table (:func:`effects`) of ``year`` with its legend and its CSV download."""
    baseline, country = comp.baseline, comp.country
    with solara.Card(f"Effects against {baseline} in {year} ({country})"):
        solara.Markdown(table.to_markdown(disable_numparse=True))
        solara.Markdown(legend(comp), style={"font-size": "0.95em", "color": "#444"})
        solara.FileDownload(
            lambda: effects_csv(shown_effects(comp, indicators, shown, year)),
            filename=f"effects-{country}-{year}.csv",
            label="Download the table (CSV)",
            mime_type="text/csv",
        )


@solara.component
def FanCard(store: ResultStore, baseline: str, country: str, indicator: str, shown: list[str]) -> None:
    """One indicator's interactive fan chart and the report's figure of it as PNG."""
    values = country_results(store, country).values
    spec = solara.use_memo(lambda: fan_spec(values, indicator, country, baseline, shown),
                           [store, country, indicator, baseline, tuple(shown)])  # fmt: skip
    ind = REGISTRY[indicator]
    with solara.Card(f"{ind.label} ({unit_text(ind)}), {country}: median and 90% of runs", style={"width": "100%"}):
        VegaLite.element(spec=spec)
        solara.Markdown(
            f"Grey: {baseline}; red: the scenario named above each panel. Squares: observed (targets file), the bar "
            "its tolerance. Hover a point for the year's median and band, a square for its source.",
            style={"font-size": "0.95em", "color": "#444"},
        )
        solara.FileDownload(
            lambda: fan_png(store, country, indicator, shown, baseline),
            filename=f"fan_{indicator}.png",
            label="Download the figure (PNG, as in the report)",
            mime_type="image/png",
        )


@solara.component
def ComparisonView(store: ResultStore) -> None:
    """Scenario, indicator and year pickers, then the effects table and fan charts."""
    offer = choices(store)
    baseline, first_country, last_year = default_view(offer)
    scenarios, set_scenarios = solara.use_state(offer.scenarios)
    indicators, set_indicators = solara.use_state(offer.first)
    year, set_year = solara.use_state(last_year)
    country, set_country = solara.use_state(first_country)
    if not offer.scenarios or not offer.years:
        solara.Warning(f"{store.path} holds no finished run.")
        return
    with solara.Card("What to compare"):
        with solara.Row():
            solara.SelectMultiple("scenarios", values=scenarios, all_values=offer.scenarios, on_value=set_scenarios)
            solara.SelectMultiple("indicators", values=indicators, all_values=offer.indicators,
                                  on_value=set_indicators)  # fmt: skip
            solara.Select("year", value=year, values=offer.years, on_value=set_year)
            solara.Select("country", value=country, values=offer.countries, on_value=set_country)
        done = int((store.runs()["status"] == "done").sum())
        solara.Text(f"{store.path}: experiment {store.manifest['experiment']['file']}, {done} finished runs.")
    shown = [baseline, *(s for s in scenarios if s != baseline)]
    if len(shown) < 2 or not indicators:
        solara.Info("Choose at least one scenario besides the baseline and one indicator.")
        return
    try:
        comp = comparison(store, baseline, country, year)
        table = effects(store, baseline, country, year, indicators, shown)
    except InputError as err:
        solara.Error(str(err))
        return
    EffectsCard(comp, table, indicators, shown, year)
    with solara.ColumnsResponsive(12):
        for name in indicators:
            FanCard(store, baseline, country, name, shown)


@solara.component
def SearchCards(store: ResultStore, roots: list[Path]) -> None:
    """The scenario-discovery boxes and the budget's Pareto front found beside the store
    (:mod:`circsim.ui.search_outputs`); nothing where there are none."""
    folders = experiment_folders(store.path, roots)
    for path in discovery_files(folders):
        with solara.Card(f"Scenario discovery: {question(path)}"):
            try:
                table = boxes_table(read_output(path, BOX_COLUMNS))
            except InputError as err:
                solara.Error(str(err))
                continue
            solara.Markdown(table.to_markdown(index=False, disable_numparse=True) if not table.empty else
                            "No box: the cases do not concentrate in any range of the uncertainties.")  # fmt: skip
            solara.Markdown(
                f"From `{path}` (circsim discover). Coverage: the share of all cases (runs where the package falls "
                "short) inside the box; density: the share of the box's runs that are cases. CART's p-values are "
                "optimistic (the leaf was chosen from the same runs); PRIM's are the stricter test.",
                style={"font-size": "0.95em", "color": "#444"},
            )
    for path in front_files(folders):
        with solara.Card("Budget: the Pareto front of cost against effect"):
            try:
                front = read_output(path, FRONT_COLUMNS)
            except InputError as err:
                solara.Error(str(err))
                continue
            budget = search_budget(store, front)
            VegaLite.element(spec=pareto_spec(front, search_outcome(store), budget))
            solara.Markdown(
                f"From `{path}` (circsim optimise): each package of the front re-run at fresh seeds, its paired "
                "effect against the baseline with the 95% interval. Filled: distinguishable from zero; hollow: "
                "not; a cross: not estimable. "
                + ("The dashed line: the search's budget. " if budget is not None else "")
                + "Hover a point for the package and its numbers.",
                style={"font-size": "0.95em", "color": "#444"},
            )


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
        store = verified(load_store(allowed_store(path, default_store, roots)))
    except InputError as err:
        solara.Error(str(err))
        return
    ComparisonView(store).key(str(path))  # fresh choices for each store
    SearchCards(store, roots).key(f"search {path}")


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
