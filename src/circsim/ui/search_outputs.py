"""What ``circsim discover`` and ``circsim optimise`` wrote next to a result store, for the
compare page: the scenario-discovery boxes (``boxes.csv`` of
:func:`circsim.workbench.discover.write_discovery`, one folder a question) and the budget's
Pareto front (``front.csv`` of :func:`circsim.workbench.optimise.write_outputs`).

They are looked for in the store's folder and in its experiment folder (the folder that
holds the store, unless that is one of the page's roots, whose other experiments are not
this store's), and in their direct subfolders for the boxes (``--out STORE/QUESTION``).
A store without them gets no section at all.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from ..errors import InputError
from ..sim.indicators import REGISTRY
from ..sim.input_files import check_path
from ..sim.units import format_interval, format_level
from ..workbench.compare import ESTIMABLE
from ..workbench.store import ResultStore
from .common import with_data
from .indicator_plots import EMBED

BOXES, FRONT = "boxes.csv", "front.csv"
#: Columns the page reads from each file (what the commands write; others are shown as they are).
BOX_COLUMNS = ("method", "box", "coverage", "density", "runs", "cases", "p_value", "rule")
FRONT_COLUMNS = ("yearly_cost_oku", "within_budget", "n_pairs", "status", "effect", "lo", "hi", "distinguishable")
#: The Pareto chart's size in pixels.
PARETO_WIDTH, PARETO_HEIGHT = 640, 340


def experiment_folders(store: Path, roots: list[Path]) -> list[Path]:
    """The store's folder and the experiment folder that holds it (not a root of the page)."""
    parent = store.parent
    tops = {r.resolve() for r in roots}
    return [store] if parent.resolve() in tops or parent == store else [store, parent]


def discovery_files(folders: list[Path]) -> list[Path]:
    """``boxes.csv`` of every discovery question in or directly under ``folders``."""
    found = [p for f in folders for p in (f / BOXES, *sorted(f.glob(f"*/{BOXES}"))) if p.is_file()]
    return list(dict.fromkeys(found))


def front_files(folders: list[Path]) -> list[Path]:
    """``front.csv`` of a search in ``folders``."""
    return [f / FRONT for f in folders if (f / FRONT).is_file()]


def read_output(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A CSV written by ``circsim discover`` or ``optimise``, with at least ``columns``;
    an InputError naming the file and what is wrong otherwise."""
    check_path(path)
    allowed = f"a {path.name} written by circsim (columns {', '.join(columns)})"
    try:
        table = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"unreadable CSV ({type(exc).__name__})", source=str(path), allowed=allowed) from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"missing column {missing[0]}", source=str(path), allowed=allowed)
    return table


def question(boxes: Path) -> str:
    """The question a discovery answered: the heading ``circsim discover`` wrote first in
    ``discover.md`` beside ``boxes``, else the name of its folder."""
    try:
        with open(boxes.parent / "discover.md", encoding="utf-8") as f:
            first = f.readline(1000).strip()
    except (OSError, UnicodeDecodeError):
        return boxes.parent.name
    return first.removeprefix("## ").strip() if first.startswith("## ") else boxes.parent.name


def search_budget(store: ResultStore, front: pd.DataFrame) -> float | None:
    """The yearly budget (億円) of the ``[optimise]`` table of the store's experiment, if
    the front agrees with it (a budget given on the command line instead is not recorded
    there: then no budget is drawn)."""
    try:
        budget = tomllib.loads(store.manifest["experiment"]["content"]).get("optimise", {}).get("budget")
    except (tomllib.TOMLDecodeError, AttributeError):
        return None
    if not isinstance(budget, int | float) or isinstance(budget, bool):
        return None
    within = front["yearly_cost_oku"] <= budget
    return float(budget) if (within == front["within_budget"].astype(bool)).all() else None


def boxes_table(boxes: pd.DataFrame) -> pd.DataFrame:
    """The boxes as the page shows them: method, box, coverage and density in %, runs,
    cases, p-value and the rule (the ranges of the uncertainties)."""
    return pd.DataFrame(
        {
            "Method": boxes["method"].str.upper(),
            "Box": boxes["box"],
            "Coverage": [f"{v:.0%}" for v in boxes["coverage"]],
            "Density": [f"{v:.0%}" for v in boxes["density"]],
            "Runs": boxes["runs"],
            "Cases": boxes["cases"],
            "p-value": [f"{v:.3g}" for v in boxes["p_value"]],
            "Rule": boxes["rule"],
        }
    )


def search_outcome(store: ResultStore) -> str | None:
    """The outcome indicator of the ``[optimise]`` table of the store's experiment, if any
    (a front's effects are on it; its registry entry gives their unit)."""
    try:
        outcome = tomllib.loads(store.manifest["experiment"]["content"]).get("optimise", {}).get("outcome")
    except (tomllib.TOMLDecodeError, AttributeError):
        return None
    return outcome if outcome in REGISTRY else None


def effect_text(row: Any, outcome: str | None) -> str:
    """A front package's effect with its interval in the outcome's unit, or why there is none."""
    if row.status != ESTIMABLE:
        return f"not estimable ({row.status})"
    unit = REGISTRY[outcome].unit if outcome in REGISTRY else "index"  # "index": a plain number
    return format_interval(unit, row.effect, row.lo, row.hi)


def pareto_spec(front: pd.DataFrame, outcome: str | None, budget: float | None = None) -> dict:
    """The Vega-Lite spec of a budget's Pareto front: yearly cost against the paired effect
    with its 95% interval; filled where distinguishable from zero, hollow where not, a
    cross where not estimable (the report's figure, :func:`circsim.workbench.figures.pareto`);
    the ``budget`` (億円 a year) as a dashed vertical line if known."""
    ind = REGISTRY.get(outcome or "")
    factor = ind.scale.factor if ind else 1.0
    settings = [c for c in front.columns if c.startswith("levers.")]
    estimable = front["status"] == ESTIMABLE
    rows = pd.DataFrame(
        {
            "cost": front["yearly_cost_oku"],
            "effect": front["effect"] * factor,
            "lo": front["lo"] * factor,
            "hi": front["hi"] * factor,
            "kind": [
                "not estimable" if not e else "distinguishable from 0" if d else "not distinguishable from 0"
                for e, d in zip(estimable, front["distinguishable"].astype(bool), strict=True)
            ],
            "cost_text": [f"{format_level('yen', c * 1e8)} a year" for c in front["yearly_cost_oku"]],
            "effect_text": [effect_text(r, outcome) for r in front.itertuples()],
            "package": [
                ", ".join(f"{c.removeprefix('levers.')} {front.at[i, c]:,.4g}" for c in settings) for i in front.index
            ],
        }
    )
    what = f"effect on {ind.label.lower()} ({ind.scale.change_axis})" if ind else "effect on the outcome"
    x = alt.X("cost:Q", title="yearly cost (億円 a year, the most expensive year)")
    y = alt.Y("effect:Q", title=what)
    shape = alt.Shape(
        "kind:N",
        scale=alt.Scale(
            domain=["distinguishable from 0", "not distinguishable from 0", "not estimable"],
            range=["circle", "circle", "cross"],
        ),
        legend=None,  # a legend of shapes cannot show the fill that tells the first two apart: the card's text says it
    )
    fill = alt.condition("datum.kind == 'distinguishable from 0'", alt.value("#1f77b4"), alt.value("white"))
    base = alt.Chart(alt.NamedData("front")).encode(x=x)
    bars = (
        base.transform_filter("datum.kind != 'not estimable'")
        .mark_rule(color="#1f77b4")
        .encode(y=alt.Y("lo:Q", title=what), y2="hi:Q")
    )
    points = base.mark_point(size=90, stroke="#1f77b4", strokeWidth=2, opacity=1).encode(
        y=y,
        shape=shape,
        fill=fill,
        tooltip=[
            alt.Tooltip("package:N"),
            alt.Tooltip("cost_text:N", title="yearly cost"),
            alt.Tooltip("effect_text:N", title="effect [95% CI]"),
            alt.Tooltip("kind:N", title="effect"),
        ],
    )
    zero = alt.Chart().mark_rule(color="grey").encode(y=alt.datum(0))
    layers = [zero, bars.properties(name="interval"), points.properties(name="packages")]
    if budget is not None:
        said = f"budget {format_level('yen', budget * 1e8)} a year"
        line = alt.Chart().mark_rule(color="#c0392b", strokeDash=[6, 4]).encode(x=alt.datum(budget))
        label = alt.Chart().mark_text(align="right", dx=-4, dy=8, color="#c0392b", fontSize=12, text=said)
        layers += [line.properties(name="budget"), label.encode(x=alt.datum(budget), y=alt.value(0))]
    chart = (
        alt.layer(*layers)
        .properties(width=PARETO_WIDTH, height=PARETO_HEIGHT, usermeta={"embedOptions": EMBED})
        .configure_axis(labelFontSize=12, titleFontSize=13, titleFontWeight="normal")
    )
    return with_data(chart.to_dict(), front=rows)
