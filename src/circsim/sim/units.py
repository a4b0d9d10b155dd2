"""The units of the indicators and how values in them are written.

One number style everywhere (the command line, the report, the interface): integers with
thousands separators from 100 up, three significant digits below, never an exponent.
Shares are shown as percentages with one decimal, and differences of shares (effects,
tolerances) in percentage points; money in 億円 (1e8 yen), the unit of Japanese budget
tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

Unit = Literal["people", "visits", "papers", "per million", "share", "rank", "index", "years", "yen"]
UNITS: tuple[Unit, ...] = get_args(Unit)


@dataclass(frozen=True)
class Scale:
    """How values in a unit are shown: multiplied by ``factor``, then followed by
    ``suffix`` (a level, written with ``decimals`` fixed decimals if given) or
    ``change_suffix`` (a difference); ``axis`` names the shown unit on a chart."""

    axis: str
    factor: float = 1.0
    suffix: str = ""
    change_suffix: str = ""
    decimals: int | None = None

    @property
    def change_axis(self) -> str:
        """The unit of a difference on a chart (``pp`` for a share)."""
        return self.change_suffix.strip() or self.axis


SCALES: dict[Unit, Scale] = {
    "people": Scale("people"),
    "visits": Scale("visits"),
    "papers": Scale("papers"),
    "per million": Scale("per million population"),
    # a difference of two percentages is in percentage points, not per cent
    "share": Scale("%", 100.0, "%", " pp", decimals=1),
    "rank": Scale("rank, 1 = first"),
    "index": Scale("index"),
    "years": Scale("years"),
    "yen": Scale("億円", 1e-8, " 億円", " 億円"),
}


def number(x: float, signed: bool = False) -> str:
    """``x`` in the one number style: ``12,345``, ``123``, ``12.3``, ``0.0123``; ``n/a``
    for nan; a leading ``+`` on positive values if ``signed``."""
    if math.isnan(x):
        return "n/a"
    sign = "+" if signed else ""
    if x == 0 or not math.isfinite(x) or abs(x) >= 99.95:  # 99.96 would round to 100.0
        return f"{x + 0.0:{sign},.0f}"  # + 0.0: no "-0"
    decimals = max(0, 2 - math.floor(math.log10(abs(x))))
    text = f"{x:{sign},.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_level(unit: Unit, x: float) -> str:
    """A value in ``unit``: ``35.5%`` for a share, ``2,039 億円`` for yen, ``4,086`` for a count."""
    s = SCALES[unit]
    if math.isnan(x):
        return "n/a"
    shown = number(x * s.factor) if s.decimals is None else f"{x * s.factor:,.{s.decimals}f}"
    return shown + s.suffix


def format_change(unit: Unit, d: float) -> str:
    """A signed difference in ``unit``: ``+1.7 pp`` for a share, ``-967`` for a count."""
    s = SCALES[unit]
    return "n/a" if math.isnan(d) else number(d * s.factor, signed=True) + s.change_suffix


def format_tolerance(unit: Unit, t: float) -> str:
    """A tolerance as ``±x``: percentage points for a share."""
    s = SCALES[unit]
    return "±" + number(t * s.factor) + s.change_suffix


def format_interval(unit: Unit, mean: float, lo: float, hi: float) -> str:
    """An effect with its interval, the unit once at the end: ``+1.73 [+1.21, +2.25] pp``."""
    s = SCALES[unit]
    bounds = ", ".join(number(b * s.factor, signed=True) for b in (lo, hi))
    return f"{number(mean * s.factor, signed=True)} [{bounds}]{s.change_suffix}"
