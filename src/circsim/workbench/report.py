"""The comparison report: ``report.md`` with its tables (CSV) and figures (PNG).

The report is a function of the store alone (no dates, no machine details), so the
same store regenerates it identically. It claims no more than the runs support (the
statistics are those of :mod:`circsim.workbench.compare`): an effect has an interval
only where it is estimable, the Findings and the cost-effectiveness list only effects
that survive the false-discovery control over every comparison in the report, ranks
follow the registry's ``better`` direction and are shown only with enough design points,
and warnings at the top say when the store's scale or its pairs limit what it can
resolve. Indicators appear by their registry labels, values in their units (people,
papers, percentage points for shares, 億円) in the registry's one number style.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from ..sim.indicators import REGISTRY, Indicator, names
from ..sim.units import format_level, number
from . import figures
from .compare import (
    ESTIMABLE,
    FDR_Q,
    FEW_PAIRS,
    FEW_POINTS,
    MIN_PAIRS,
    MIN_POINTS,
    NO_SPREAD,
    Comparison,
    compare,
    compare_stores,
)
from .precision import percent, precision_state, relative_text, store_target
from .store import ResultStore, atomic_write, atomic_write_text

#: People per agent from which the report warns that small effects are not resolved.
COARSE_SCALE = 500
#: Indicator columns per effects table (with the scenario column, a table fits a page).
TABLE_WIDTH = 4


def unit_word(ind: Indicator) -> str:
    """The unit to write after a difference whose format carries none (`` people``,
    `` papers``); empty where the format has it (pp, 億円) or there is none (index, rank)."""
    return "" if ind.scale.change_suffix or ind.unit in ("index", "rank") else f" {ind.scale.axis}"


def heading(name: str) -> str:
    """An indicator's column heading: its label, and the unit of its differences where
    the cells do not carry it and the label does not say it (``Researchers (people)``)."""
    ind = REGISTRY[name]
    unit = unit_word(ind).strip()
    return f"{ind.label} ({unit})" if unit and unit not in ind.label.lower() else ind.label


def effect_text(name: str, mean: float, lo: float, hi: float) -> str:
    """An effect with its interval and unit, e.g. ``+967 [+858, +1,075] people``."""
    ind = REGISTRY[name]
    return ind.format_interval(mean, lo, hi) + unit_word(ind)


def sd_text(name: str, sd: float) -> str:
    """A standard deviation of differences in the indicator's unit, e.g. ``1.2 pp``, ``340 people``."""
    ind = REGISTRY[name]
    return ind.format_change(sd).lstrip("+") + unit_word(ind)


def p_text(name: str, p: float) -> str:
    """A p-value or adjusted p-value called ``name``: ``q < 0.001`` below that, else with
    three significant digits (``q = 0.0123``)."""
    return f"{name} < 0.001" if p < 0.001 else f"{name} = {number(p)}"


def ratio_text(row: Any) -> str:
    """An effect per 100 億円 with its Fieller interval (``unbounded`` where the cost
    varies too much across the pairs to bound it)."""
    ind = REGISTRY[row.indicator]
    if math.isinf(row.per_lo):
        return f"{ind.format_change(row.per_100_oku)}{unit_word(ind)} [unbounded]"
    return effect_text(row.indicator, row.per_100_oku, row.per_lo, row.per_hi)


def effect_cell(row: Any) -> str:
    """One cell of :func:`effects_table`: the effect with its interval, in bold if it
    survives the false-discovery control; "not estimable" (with the difference where every
    pair gives the same) where it has none."""
    if row.status == NO_SPREAD:
        return f"not estimable ({REGISTRY[row.indicator].format_change(row.mean)} in every pair)"
    if row.status != ESTIMABLE:
        return "not estimable"
    text = REGISTRY[row.indicator].format_interval(row.mean, row.lo, row.hi)
    return f"**{text}**" if row.discovery else text


def effects_table(eff: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Scenario x indicator table of "mean [lo, hi] unit" strings (shares in percentage
    points, see :func:`effect_cell`), columns headed by label and unit."""
    cells = eff.assign(
        heading=[heading(n) for n in eff["indicator"]], effect=[effect_cell(r) for r in eff.itertuples()]
    )
    columns = [heading(n) for n in dict.fromkeys(eff["indicator"])]
    table = cells.pivot(index="scenario", columns="heading", values="effect").reindex(index=order, columns=columns)
    return table.rename_axis(index="Scenario", columns=None)


def split(table: pd.DataFrame, width: int = TABLE_WIDTH) -> list[str]:
    """A wide table as Markdown tables of at most ``width`` columns (besides the index)."""
    return [
        table.iloc[:, i : i + width].to_markdown(disable_numparse=True) + "\n"
        for i in range(0, max(table.shape[1], 1), width)
    ]


def family_text(comp: Comparison) -> str:
    """How many comparisons the false-discovery control covered and how many survive."""
    m, k = len(comp.estimable), len(comp.discoveries)
    left = len(comp.effects) - m
    not_est = f" {left} of the {len(comp.effects)} effects are not estimable and not tested." if left else ""
    return (
        f"{k} of {m} comparisons survive the false-discovery control at q = {number(FDR_Q)} (Benjamini-Hochberg "
        f"over every estimable effect in this report: each scenario, indicator, year and cumulative total).{not_est}"
    )


def findings(comp: Comparison, period: str, top: int = 3) -> list[str]:
    """Plain-language lines: for each scenario, its effects in ``period`` that survive the
    false-discovery control, largest relative change first, with the cost; or why there
    are none."""
    lines = []
    eff = comp.effects[comp.effects["period"] == period]
    for scen, grp in eff.groupby("scenario", sort=False):
        cost = grp["cost_yen"].iloc[0]
        cost_txt = (
            f"cumulative lever cost by {period}: {format_level('yen', cost)}" if cost > 0 else "no lever cost recorded"
        )
        estimable = grp[grp["status"] == ESTIMABLE]
        sure = estimable[estimable["discovery"]].copy()
        if estimable.empty:
            why = " or ".join(dict.fromkeys(grp["status"]))
            lines.append(f"- **{scen}**: not estimable ({why}); no finding ({cost_txt}).")
            continue
        if sure.empty:
            lines.append(f"- **{scen}**: no effect survives the false-discovery control ({cost_txt}).")
            continue
        sure["rel"] = (sure["mean"] / sure["baseline"].abs().where(sure["baseline"] != 0)).abs()
        sure = sure.sort_values("rel", ascending=False)
        parts = [
            f"{REGISTRY[r.indicator].label} {effect_text(r.indicator, r.mean, r.lo, r.hi)} "
            f"(baseline {REGISTRY[r.indicator].format(r.baseline)}; {p_text('q', r.q_value)})"
            for r in sure.head(top).itertuples()
        ]
        more = f"; and {len(sure) - top} more in the tables" if len(sure) > top else ""
        lines.append(f"- **{scen}** ({cost_txt}): " + "; ".join(parts) + more + ".")
    return lines


def cost_table(eff: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """The effects of ``eff`` that survive the false-discovery control in scenarios with a
    positive lever cost: scenario, its cumulative cost, indicator, effect and effect per
    100 億円 with its Fieller interval, as strings (shares in percentage points)."""
    position = {s: i for i, s in enumerate(order)}
    rows = eff[eff["discovery"] & (eff["cost_yen"] > 0)].sort_values(
        "scenario", key=lambda s: s.map(position), kind="stable"
    )
    return pd.DataFrame(
        {
            "Scenario": rows["scenario"],
            "Lever cost": [format_level("yen", v) for v in rows["cost_yen"]],
            "Indicator": [REGISTRY[n].label for n in rows["indicator"]],
            "Effect [95% CI]": [effect_text(r.indicator, r.mean, r.lo, r.hi) for r in rows.itertuples()],
            "Per 100 億円 [95% CI]": [ratio_text(r) for r in rows.itertuples()],
        }
    )


def rank_table(ranking: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Scenario x indicator table of "rank (share of design points holding it)" strings."""
    cells = ranking.assign(
        heading=[REGISTRY[n].label for n in ranking["indicator"]],
        cell=[f"{r.rank} ({number(r.rank_stability)})" for r in ranking.itertuples()],
    )
    columns = [REGISTRY[n].label for n in dict.fromkeys(ranking["indicator"])]
    table = cells.pivot(index="scenario", columns="heading", values="cell").reindex(index=order, columns=columns)
    return table.rename_axis(index="Scenario", columns=None)


def rank_section(comp: Comparison, period: str, order: list[str]) -> list[str]:
    """The ranks and their stability across design points, or why they are not shown."""
    ranking = comp.ranking[comp.ranking["period"] == period]
    if comp.n_points < MIN_POINTS or ranking.empty:
        return [
            f"Not shown: the store has {comp.n_points} design point(s) of the uncertainties and rank "
            f"stability needs at least {MIN_POINTS} (with two, the share of points at which a scenario "
            "holds its rank can only be 0, 1/2 or 1). `ranking.csv` has the ranks by mean effect."
        ]
    unranked = [REGISTRY[n].label for n in dict.fromkeys(comp.effects["indicator"]) if REGISTRY[n].better is None]
    note = f" Not ranked (no agreed better direction): {', '.join(unranked)}." if unranked else ""
    return [
        f"Rank 1 = the best effect in the direction the indicator registry calls better (the largest "
        f"where higher is better, the smallest where lower is); in brackets the share of the "
        f"{comp.n_points} design points at which the scenario holds that rank.{note}",
        "",
        *split(rank_table(ranking, order)),
    ]


def spread_section(comp: Comparison, period: str, order: list[str]) -> list[str]:
    """Where the spread of the findings in ``period`` comes from: across parameter sets
    (design points) or run-to-run noise, as standard deviations of the paired differences
    and the share of their variance across parameter sets; empty with fewer than two
    design points or replicates (the split needs both)."""
    found = comp.discoveries[comp.discoveries["period"] == period].dropna(subset=["sd_points", "sd_noise"])
    if found.empty:
        return []
    found = found.assign(order=found["scenario"].map({s: i for i, s in enumerate(order)})).sort_values("order")
    variance = found["sd_points"] ** 2 + found["sd_noise"] ** 2
    share = (found["sd_points"] ** 2 / variance.where(variance > 0)).fillna(0.0)
    table = pd.DataFrame({
        "Scenario": found["scenario"],
        "Indicator": [heading(n) for n in found["indicator"]],
        "Across parameter sets (sd)": list(map(sd_text, found["indicator"], found["sd_points"])),
        "Run-to-run (sd)": list(map(sd_text, found["indicator"], found["sd_noise"])),
        "Share from parameter sets": [f"{v:.0%}" for v in share],
    })  # fmt: skip
    return [
        f"## Parameter sets and run-to-run noise ({period})",
        "",
        f"For each finding, the standard deviation of its paired differences across the {comp.n_points} "
        "parameter sets (design points) and between replicates at one set, and the share of their "
        f"variance that the parameter sets carry (median over the findings: {share.median():.0%}). A large "
        "share says the effect depends on the uncertain parameters more than on chance: more replicates "
        "will not narrow it, a narrower uncertainty range would.",
        "",
        table.to_markdown(index=False, disable_numparse=True),
        "",
    ]


def warnings(comp: Comparison, scale: float | None) -> list[str]:
    """Warning lines (Markdown quotes) where the store's scale, pairs or design points
    limit what the report can say."""
    out = []
    if scale is not None and scale >= COARSE_SCALE:
        people = number(scale)
        out.append(
            f"> **Warning:** at 1:{people} each agent stands for {people} people; small effects are not "
            f"resolved (a count moves in steps of {people}, a share of a small group in coarse steps)."
        )
    for status, count, units in ((FEW_PAIRS, "n_pairs", "pairs (design points x replicates)"),
                                 (FEW_POINTS, "n_points", "design points")):  # fmt: skip
        few = comp.effects[comp.effects["status"] == status]
        if few.empty:
            continue
        which = "every effect" if len(few) == len(comp.effects) else f"{len(few)} of the {len(comp.effects)} effects"
        out.append(
            f"> **Warning:** {number(few[count].min())} {units} for {which}; an effect needs at least "
            f"{MIN_PAIRS} to be estimated, so those are not estimable and cannot be findings."
        )
    if comp.n_points < MIN_POINTS:
        out.append(
            f"> **Warning:** {comp.n_points} design point(s) of the uncertainties: an interval from one point "
            "describes the model's randomness at its parameter values, not the uncertainty over the "
            f"parameters' ranges, and rank stability is not computed (it needs at least {MIN_POINTS})."
        )
    return [line for w in out for line in (w, "")]


def precision_section(store: ResultStore, title: str = "Precision") -> list[str]:
    """The section on a ``[precision]`` target (none without one): the target, the 95%
    half-width reached by each focal effect, the replicates used, and whether the target
    was reached or the run budget stopped the loop first (:mod:`.precision`)."""
    target = store_target(store)
    if target is None:
        return []
    state = precision_state(store, target)
    eff = state.effects
    labels = ", ".join(REGISTRY[n].label for n in dict.fromkeys(eff["indicator"]))
    verdict = state.verdict()
    table = pd.DataFrame(
        {
            "Scenario": eff["scenario"],
            "Indicator": [REGISTRY[n].label for n in eff["indicator"]],
            "Pairs": [number(n) for n in eff["n_pairs"]],
            "95% half-width": [
                REGISTRY[r.indicator].format_tolerance(r.half_width) + unit_word(REGISTRY[r.indicator])
                if r.status == ESTIMABLE
                else "none"
                for r in eff.itertuples()
            ],
            "Of the baseline mean": [relative_text(row) for _, row in eff.iterrows()],
            "Target met": ["yes" if met else "no" for met in eff["met"]],
        }
    )
    return [
        f"## {title}",
        "",
        f"Target: the 95% interval of every focal effect ({labels} of {target.country} in {state.year}, each "
        f"scenario against `{target.baseline}`) within ±{percent(target.half_width)} of the baseline mean, "
        f"replicates added {target.step} a round (the same seeds in every scenario) up to {target.max_runs:,} runs.",
        "",
        f"**{verdict[0].upper()}{verdict[1:]}.**",
        "",
        table.to_markdown(index=False, disable_numparse=True),
        "",
    ]


def method_lines(pairing: str) -> list[str]:
    """The Method section: how effects, intervals, the false-discovery control, costs and
    ranks are computed; ``pairing`` says what each run is paired with."""
    return [
        "## Method",
        "",
        f"- **Effect**: the mean over pairs (design points x replicates) of the difference from {pairing}. "
        "Effects on shares are in percentage points (pp), money in 億円 (1e8 yen).",
        "- **Interval and p-value**: the paired t-test on the differences (scipy.stats.ttest_rel): "
        "its 95% interval and two-sided p-value. `effects.csv` also gives the unpaired Welch interval, "
        "which ignores the pairing.",
        "- **Parameter sets**: with more than one design point, the unit of the test is the design point "
        "(its mean difference over replicates), since the replicates at a point share its parameter "
        "values: the interval is for the effect over the uncertainty ranges, not at one setting. The "
        "spread of the differences is split into the part across parameter sets and run-to-run noise "
        "(one-way analysis of variance; `sd_points` and `sd_noise` in `effects.csv`).",
        f"- **Not estimable**: with fewer than {MIN_PAIRS} pairs, or design points when there are several "
        "(below six, no distribution-free test can "
        "reach p < 0.05 however consistent the pairs, so an interval would rest wholly on an unchecked "
        "normal model) or the same difference in every pair. Such an effect has no interval and no "
        "p-value and is never a finding.",
        f"- **Multiple comparisons**: the p-values of all estimable effects are adjusted together by "
        f"Benjamini-Hochberg (scipy.stats.false_discovery_control); an effect survives when its adjusted "
        f"p-value q is at most {number(FDR_Q)} (in bold in the tables), so that at most about "
        f"{number(FDR_Q * 100)}% of the survivors are expected to be false discoveries.",
    ]


def write_store_comparison(
    store: ResultStore,
    reference: ResultStore,
    out: Path,
    country: str = "JP",
    years: list[int] | None = None,
    indicators: list[str] | None = None,
) -> Path:
    """Each scenario of ``store`` against the same scenario of ``reference`` (before and
    after a model change): report.md, effects.csv and forest.png in ``out``."""
    comp = compare_stores(store, reference, country=country, years=years, indicators=indicators)
    out.mkdir(parents=True, exist_ok=True)
    last = str(comp.years[-1])
    atomic_write(out / "effects.csv", lambda p: comp.effects.to_csv(p, index=False, float_format="%.6g"))
    figures.forest(comp, last, list(dict.fromkeys(comp.effects["indicator"])), out / "forest.png")
    eff = comp.effects[comp.effects["period"] == last]
    lines = [
        f"# Store `{store.path}` against store `{reference.path}`",
        "",
        f"Country: {country}. Years: {', '.join(map(str, comp.years))}. Each scenario is compared with the same "
        "scenario of the reference store.",
        "",
        *warnings(comp, None),
        *precision_section(store, f"Precision of `{store.path}`"),
        *precision_section(reference, f"Precision of `{reference.path}`"),
        *method_lines(
            "the same scenario's run in the reference store at the same design point and replicate (the "
            "same seeds when both stores come from the same experiment file)"
        ),
        "",
        f"## Differences in {last}",
        "",
        family_text(comp),
        "",
        *findings(comp, last),
        "",
        *split(effects_table(eff, list(dict.fromkeys(eff["scenario"])))),
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
    store: ResultStore,
    out: Path,
    baseline: str = "baseline",
    country: str = "JP",
    years: list[int] | None = None,
    indicators: list[str] | None = None,
) -> Path:
    """Compare the store's scenarios with ``baseline`` and write report.md, CSV tables and
    PNG figures into ``out``. Returns the report's path."""
    comp = compare(store, baseline=baseline, country=country, years=years, indicators=indicators)
    out.mkdir(parents=True, exist_ok=True)
    last = str(comp.years[-1])
    for name, df in (("effects", comp.effects), ("ranking", comp.ranking)):
        atomic_write(out / f"{name}.csv", lambda p, df=df: df.to_csv(p, index=False, float_format="%.6g"))
    compared = list(dict.fromkeys(comp.effects["indicator"]))
    figures.forest(comp, last, compared, out / "forest.png")
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
    experiment = tomllib.loads(m["experiment"]["content"])
    scale = experiment.get("scale")
    n_done = int((runs["status"] == "done").sum())
    eff = comp.effects[comp.effects["period"] == last]
    order = [s for s in scenarios if s != baseline and s in set(eff["scenario"])]
    costs = cost_table(eff, order)
    scale_txt = (
        f"1:{number(scale)} (each agent stands for {number(scale)} people)"
        if scale is not None
        else "as in the baseline scenario file (the experiment file does not set it)"
    )
    lines = [
        f"# Policy packages compared: {m['experiment']['file']}",
        "",
        f"Store: `{store.path}`; {n_done} finished runs; circsim {m.get('circsim_version')}, "
        f"commit {m.get('git_commit') or 'unknown'}.",
        f"Country: {country}. Baseline scenario: `{baseline}`. Years: {', '.join(map(str, comp.years))} "
        f"(and cumulative totals of per-year indicators). Scale: {scale_txt}. "
        f"Pairs per comparison: {number(comp.effects['n_pairs'].max())} at {comp.n_points} design point(s).",
        "",
        *warnings(comp, scale),
        *precision_section(store),
        *method_lines("the baseline run with the same seed (common random numbers)"),
        "- **Cost-effectiveness**: the mean effect per 100 億円 of mean cumulative lever cost beyond the "
        "baseline's to that year, with Fieller's 95% interval for a ratio of means, only for effects that "
        "survive and scenarios that cost something. It is a rate at the lever's own size, not a promise "
        "that more money buys proportionally more.",
        f"- **Ranks**: 1 = best in the direction the indicator registry calls better; shown with their "
        f"stability only with at least {MIN_POINTS} design points.",
        "",
        f"## Findings ({last})",
        "",
        family_text(comp),
        "",
        *findings(comp, last),
        "",
        _caveat(experiment.get("calibrated", True)),
        "",
        f"## Effects in {last} (mean [95% CI])",
        "",
        "In bold: effects that survive the false-discovery control.",
        "",
        *split(effects_table(eff, order)),
        f"## Cost-effectiveness to {last}",
        "",
        *(
            [costs.to_markdown(index=False, disable_numparse=True), ""]
            if not costs.empty
            else ["None: no effect of a scenario with a lever cost survives the false-discovery control.", ""]
        ),
        *spread_section(comp, last, order),
        f"## Ranks across design points ({last})",
        "",
        *rank_section(comp, last, order),
        "",
        "## Figures",
        "",
        "![effects](forest.png)",
        "",
        *[f"![{REGISTRY[n].label}](fan_{n}.png)" for n in fans],
        "",
        *[f"![{Path(n).stem}]({n})" for n in extra],
        "",
    ]
    path = out / "report.md"
    atomic_write_text(path, "\n".join(lines))
    return path
