"""Career inspector: pick a researcher of the model's career panel (at random, or among
those in a country, sector and age band now) and see their path year by year."""

from __future__ import annotations

import random

import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from ..sim.model import CirculationModel
from ..sim.sectors import SECTOR_NAMES

ANY = "any"
#: Age bands of the filter: label -> (lowest age, highest age).
AGE_BANDS: dict[str, tuple[int, int]] = {ANY: (0, 200), "under 30": (0, 29), "30-39": (30, 39), "40-49": (40, 49),
                                         "50 and over": (50, 200)}  # fmt: skip


def candidates(model: CirculationModel, country: str = ANY, sector: str = ANY, age: str = ANY) -> pd.DataFrame:
    """People of the career panel in the latest recorded year matching the filters."""
    panel = model.careers
    if panel is None or not panel.years:
        return pd.DataFrame(columns=["pid", "country", "sector", "age"])
    now = panel.table(model.codes, years=[panel.years[-1]])
    lo, hi = AGE_BANDS[age]
    keep = now["age"].between(lo, hi)
    if country != ANY:
        keep &= now["country"] == country
    if sector != ANY:
        keep &= now["sector"] == sector
    return now[keep]


def career_path(model: CirculationModel, pid: int) -> pd.DataFrame:
    """One person's path, a row a recorded year: year, country, sector, contract (last
    year of a fixed-term contract), age, visit abroad (host of a long visit)."""
    path = model.careers.table(model.codes, pids=[pid]) if model.careers is not None else pd.DataFrame()
    if path.empty:
        return pd.DataFrame(columns=["year", "country", "sector", "contract until", "age", "long visit to"])
    fixed = path["sector"] == "acad_fixed"
    return pd.DataFrame(
        {
            "year": path["year"],
            "country": path["country"],
            "sector": path["sector"],
            "contract until": path["contract_end"].where(fixed).map(lambda y: "" if pd.isna(y) else str(int(y))),
            "age": path["age"],
            "long visit to": path["visit_dest"],
        }
    ).reset_index(drop=True)


def summary(path: pd.DataFrame, nationality: str) -> str:
    """One line about a path: nationality, years followed, moves between countries, long visits."""
    moves = int((path["country"] != path["country"].shift()).sum() - 1) if len(path) else 0
    visits = int((path["long visit to"] != "").sum())
    return (
        f"nationality {nationality}; followed {len(path)} years; "
        f"{moves} move{'s' if moves != 1 else ''} between countries; {visits} long visit{'s' if visits != 1 else ''}"
    )


@solara.component
def CareerInspector(model: CirculationModel) -> None:
    """Filters, a 'random researcher' button and the chosen person's path (redrawn every step)."""
    update_counter.get()
    country, set_country = solara.use_state(model.codes[model.focal])
    sector, set_sector = solara.use_state(ANY)
    age, set_age = solara.use_state(ANY)
    pid, set_pid = solara.use_state(None)
    picker = solara.use_memo(random.Random, [])  # the interface's own draws, never the model's rng

    def pick() -> None:
        pool = candidates(model, country, sector, age)
        set_pid(int(picker.choice(pool["pid"].tolist())) if len(pool) else -1)

    with solara.Card("Career inspector", style={"width": "100%"}):
        if model.careers is None or not model.careers.years:
            solara.Info("No year simulated yet: press Step, then pick a researcher.")
            return
        with solara.Row():
            solara.Select("country now", value=country, values=[ANY, *model.codes], on_value=set_country)
            solara.Select("sector now", value=sector, values=[ANY, *SECTOR_NAMES.values()], on_value=set_sector)
            solara.Select("age now", value=age, values=list(AGE_BANDS), on_value=set_age)
            solara.Button("Random researcher", on_click=pick, color="primary", outlined=True)
        n = len(candidates(model, country, sector, age))
        solara.Text(f"{n:,} researchers of the panel (one person id in {model.careers.every}) match.")
        if pid == -1:
            solara.Warning("Nobody in the panel matches these filters now.")
        elif pid is not None:
            path = career_path(model, pid)
            if path.empty:
                solara.Warning(f"Researcher {pid} is not in this model's panel (the model was reset).")
            else:
                nationality = model.careers.table(model.codes, pids=[pid])["nationality"].iloc[0]
                solara.Markdown(f"**Researcher {pid}**: {summary(path, nationality)}")
                solara.Markdown(path.to_markdown(index=False))
