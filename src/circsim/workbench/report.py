"""The comparison report: ``report.md`` with its tables (CSV) and figures (PNG).

The report is a function of the store alone (no dates, no machine details), so the
same store regenerates it identically.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from ..sim.indicators import REGISTRY, names
from ..sim.units import SCALES, format_level, number
from . import figures
from .compare import Comparison, compare, compare_stores
from .store import ResultStore, atomic_write, atomic_write_text


def findings(comp: Comparison, period: str, top: int = 3) -> list[str]:
    """Plain-language lines: for each scenario, the indicators whose paired interval
    excludes zero, largest relative change first, with the cost."""
    lines = []
    eff = comp.effects[comp.effects["period"] == period]
    for scen, grp in eff.groupby("scenario", sort=False):
        sure = grp[(grp["lo"] > 0) | (grp["hi"] < 0)].copy()
        sure["rel"] = (sure["mean"] / sure["baseline"].abs().where(sure["baseline"] != 0)).abs()
        sure = sure.sort_values("rel", ascending=False).head(top)
        cost = grp["cost_yen"].iloc[0]
        cost_txt = f"cumulative cost by {period}: {format_level('yen', cost)}" if cost > 0 else "no cost recorded"
        if sure.empty:
            lines.append(
                f"- **{scen}**: no effect on the indicators compared is distinguishable from zero ({cost_txt})."
            )
            continue
        parts = []
        for r in sure.itertuples():
            ind = REGISTRY[r.indicator]
            ci = f"{ind.format_change(r.lo)} to {ind.format_change(r.hi)}"
            parts.append(f"{r.indicator} {ind.format_change(r.mean)} (95% CI {ci}; baseline {ind.format(r.baseline)})")
        lines.append(f"- **{scen}** ({cost_txt}): " + "; ".join(parts) + ".")
    return lines


def effects_table(eff: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Scenario x indicator table of "mean [lo, hi] unit" strings (shares in percentage points)."""
    cells = eff.assign(
        effect=[
            REGISTRY[name].format_interval(a, b, c)
            for name, a, b, c in zip(eff["indicator"], eff["mean"], eff["lo"], eff["hi"], strict=True)
        ]
    )
    return cells.pivot(index="scenario", columns="indicator", values="effect").reindex(order)


def cost_table(eff: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Scenario table of the cumulative lever cost (億円) and the effect per 100 億円 of
    each indicator (shares in percentage points), as strings."""
    cost = eff.groupby("scenario", sort=False)["cost_yen"].first()
    per = eff.pivot(index="scenario", columns="indicator", values="per_100_oku")
    table = pd.DataFrame({name: [REGISTRY[name].format_change(v) for v in per[name]] for name in per}, index=per.index)
    table.insert(0, "cost_oku_yen", [number(v * SCALES["yen"].factor) for v in cost.reindex(per.index)])
    return table.reindex(order)


def write_store_comparison(
    store: ResultStore, reference: ResultStore, out: Path, country: str = "JP", years: list[int] | None = None
) -> Path:
    """Each scenario of ``store`` against the same scenario of ``reference`` (before and
    after a model change): report.md, effects.csv and forest.png in ``out``."""
    comp = compare_stores(store, reference, country=country, years=years)
    out.mkdir(parents=True, exist_ok=True)
    last = str(comp.years[-1])
    atomic_write(out / "effects.csv", lambda p: comp.effects.to_csv(p, index=False, float_format="%.6g"))
    figures.forest(comp, last, list(dict.fromkeys(comp.effects["indicator"])), out / "forest.png")
    eff = comp.effects[comp.effects["period"] == last]
    lines = [
        f"# Store `{store.path}` against store `{reference.path}`",
        "",
        f"Country: {country}. Years: {', '.join(map(str, comp.years))}. Each scenario is compared with the same "
        "scenario of the reference store, paired on design point and replicate (the same seeds when both "
        "stores come from the same experiment file); mean and Student-t 95% interval of the paired differences.",
        "",
        f"## Differences in {last}",
        "",
        *findings(comp, last),
        "",
        effects_table(eff, list(dict.fromkeys(eff["scenario"]))).to_markdown(),
        "",
        "![differences](forest.png)",
        "",
    ]
    path = out / "report.md"
    atomic_write_text(path, "\n".join(lines))
    return path


def _caveat(calibrated: bool) -> str:
    """The report's caveat, which depends on the parameter values the runs used."""
    values = (
        "the runs use the calibrated parameter values (src/circsim/sim/data/calibrated.toml, whose "
        "provenance lists the observed patterns that hold), but the calibration leaves wide "
        "plausible ranges for most of them and many behavioural weights remain assumed"
        if calibrated
        else "the runs use the raw parameter defaults (calibrated = false): behavioural weights are assumed"
    )
    return (
        f"Caveats: {values} (docs/ODD.md); the uncertainty ranges of the experiment are assumed too. "
        "Read effects as the direction and rough size that the mechanisms imply, not as forecasts."
    )


def write_report(
    store: ResultStore, out: Path, baseline: str = "baseline", country: str = "JP", years: list[int] | None = None
) -> Path:
    """Compare the store's scenarios with ``baseline`` and write report.md, CSV tables and
    PNG figures into ``out``. Returns the report's path."""
    comp = compare(store, baseline=baseline, country=country, years=years)
    out.mkdir(parents=True, exist_ok=True)
    last = str(comp.years[-1])
    for name, df in (("effects", comp.effects), ("ranking", comp.ranking)):
        atomic_write(out / f"{name}.csv", lambda p, df=df: df.to_csv(p, index=False, float_format="%.6g"))
    indicators = list(dict.fromkeys(comp.effects["indicator"]))
    figures.forest(comp, last, indicators, out / "forest.png")
    runs = store.runs()
    ind = store.indicators()
    scenarios = list(dict.fromkeys(runs["scenario"]))
    fans = [i for i in names(fan=True) if i in set(ind["indicator"].unique())]
    for name in fans:
        figures.fan(ind, runs, country, name, scenarios, out / f"fan_{name}.png", baseline)
    period = (int(ind["year"].max()) - 9, int(ind["year"].max()))  # the last ten years
    extra = []
    if any(f"phd_dest_{d}" in set(ind["indicator"].unique()) for d in figures.PHD_DESTINATIONS):
        extra.append(figures.phd_destinations(ind, runs, country, period, out / "phd_destinations.png").name)
    flows = store.flows()
    if not flows.empty:
        shown = [baseline, "combined" if "combined" in scenarios else next(s for s in scenarios if s != baseline)]
        extra.append(figures.flow_map(flows, runs, shown, period, country, out / "flow_map.png").name)
    m = store.manifest
    n_done = int((runs["status"] == "done").sum())
    eff = comp.effects[comp.effects["period"] == last]
    wide = effects_table(eff, [s for s in scenarios if s != baseline])
    costs = cost_table(eff, list(wide.index))
    stab = (
        comp.ranking[comp.ranking["period"] == last]
        .pivot(index="scenario", columns="indicator", values="rank_stability")
        .reindex(wide.index)
    )
    lines = [
        f"# Policy packages compared: {m['experiment']['file']}",
        "",
        f"Store: `{store.path}`; {n_done} finished runs; circsim {m.get('circsim_version')}, "
        f"commit {m.get('git_commit') or 'unknown'}.",
        f"Country: {country}. Baseline scenario: `{baseline}`. Years: {', '.join(map(str, comp.years))} "
        "(and cumulative totals of per-year indicators).",
        "",
        "Method: each effect is the mean over design points x replicates of the difference from "
        "the baseline run with the same seed (common random numbers); the interval is a Student-t "
        "95% interval on those paired differences (`effects.csv` also gives the unpaired Welch "
        "interval, which ignores the pairing). Cost-effectiveness is the effect per 100 億円 of cumulative "
        "lever cost to that year. Rank stability is the share of design points at which a "
        "scenario keeps its average rank. Effects on shares are in percentage points (pp).",
        "",
        f"## Findings ({last})",
        "",
        *findings(comp, last),
        "",
        _caveat(tomllib.loads(m["experiment"]["content"]).get("calibrated", True)),
        "",
        f"## Effects in {last} (mean [95% CI])",
        "",
        wide.to_markdown(),
        "",
        f"## Cumulative lever cost to {last} (億円) and effect per 100 億円",
        "",
        costs.to_markdown(colalign=("left", *["right"] * costs.shape[1]), disable_numparse=True),
        "",
        f"## Rank stability across design points ({last})",
        "",
        stab.to_markdown(floatfmt=".2f"),
        "",
        "## Figures",
        "",
        "![effects](forest.png)",
        "",
        *[f"![{n}](fan_{n}.png)" for n in fans],
        "",
        *[f"![{Path(n).stem}]({n})" for n in extra],
        "",
    ]
    path = out / "report.md"
    atomic_write_text(path, "\n".join(lines))
    return path
