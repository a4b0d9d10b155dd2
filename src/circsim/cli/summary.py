"""The summary ``circsim run`` prints: the focal country's headline indicators beside
the observed targets, and every target with its simulated value."""

from __future__ import annotations

import unicodedata

import pandas as pd

from ..sim.indicators import HEADLINE, REGISTRY
from ..workbench.validate import pattern_table

#: Years shown in the summary besides the first and last simulated year.
SUMMARY_YEARS = (2010, 2019, 2030)


def summary_years(start: int, end: int) -> list[int]:
    """Start year, 2010, 2019, 2030 and end year: those within the horizon, in order."""
    return sorted({start, end, *(y for y in SUMMARY_YEARS if start <= y <= end)})


def _right(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns (a character of 億円 takes two)."""
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in text)
    return text.rjust(width - wide)


def _observed(targets: pd.DataFrame, indicator: str, country: str) -> str:
    rows = targets[(targets.indicator == indicator) & (targets.country == country)].sort_values("year")
    if rows.empty:
        return ""
    ind = REGISTRY[indicator]
    return "obs " + ", ".join(
        f"{ind.format(r.value)} {ind.format_tolerance(r.tolerance)} ({r.year})" for r in rows.itertuples()
    )


def headline_table(indicators: pd.DataFrame, targets: pd.DataFrame, country: str, years: list[int]) -> str:
    """The focal country's headline indicators at ``years``, each with its observed targets."""
    mine = indicators[indicators.country == country]
    values = mine.pivot(index="indicator", columns="year", values="value")
    width = max(len(name) for name in HEADLINE)
    lines = [
        f"Headline indicators, {country} (simulated; obs = observed target ± tolerance (year))",
        f"{'indicator':<{width}}" + "".join(f"{y:>12}" for y in years) + "  observed",
    ]
    for name in HEADLINE:
        cells = "".join(_right(REGISTRY[name].format(values.at[name, y]), 12) for y in years)
        lines.append(f"{name:<{width}}{cells}  {_observed(targets, name, country)}".rstrip())
    return "\n".join(lines)


def targets_table(indicators: pd.DataFrame, targets: pd.DataFrame) -> str:
    """Every calibration target with the simulated value in its year and whether it holds."""
    table = pattern_table(indicators, targets)
    width = max(len("indicator"), *(len(x) for x in targets.indicator))
    head = f"{'indicator':<{width}}  country  year  {'observed':>10}  {'tolerance':>10}  {'simulated':>10}  holds"
    lines = ["Calibration targets (all countries): simulated value in the target year", head]
    for t in table.itertuples():
        ind = REGISTRY[t.indicator]
        verdict = "- (not in this run)" if t.holds is None else ("yes" if t.holds else "no")
        lines.append(
            f"{t.indicator:<{width}}  {t.country:<7}  {t.year}  {ind.format(t.observed):>10}  "
            f"{ind.format_tolerance(t.tolerance):>10}  {ind.format(t.simulated_mean):>10}  {verdict}"
        )
    checked = table["holds"].notna()
    held = int(table.loc[checked, "holds"].astype(bool).sum())
    lines.append(f"{held} of {int(checked.sum())} checked targets hold; {int((~checked).sum())} not checked")
    return "\n".join(lines)
