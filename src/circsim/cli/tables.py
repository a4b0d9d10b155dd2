"""Tables printed on the terminal by the commands that list and show things."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Widest a text column is before it wraps.
WRAP = 70


def print_table(table: pd.DataFrame, title: str | None = None, widths: list[int | None] | int | None = WRAP) -> None:
    """Print a table with its header (long text wrapped at ``widths``), after a title line if given."""
    from tabulate import tabulate

    if title:
        print(f"\n{title}\n")
    print(tabulate(table, headers="keys", showindex=False, maxcolwidths=widths) if len(table) else "  (none)")
