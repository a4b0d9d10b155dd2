"""Morris screening of the calibration's parameters against its targets: which
parameters the targets can pin down, by target group (``circsim calibrate --screen``).

The free parameters (``[uncertainties]``) and further candidates
(``[screening.candidates]``) of a calibration file vary together in a Morris design
(SALib; ``trajectories`` x (parameters + 1) points on a 4-level grid over their ranges),
each point run ``replicates`` times on the calibration's scenario, scale and horizon.
For every target, ``mu*`` (mean absolute elementary effect: the change of the target
when the parameter moves across its whole range) is compared with its **noise floor**,
the ``mu*`` that replicate noise alone gives (``2/sqrt(pi) x sd of a point mean / step``,
the step being 2/3 of the range: a target simulated with a few agents, such as a count
at a coarse scale, moves by chance as much as any parameter moves it). What exceeds
twice the floor, in tolerances, is the parameter's **excess** on that target:
``max(mu* - 2 x floor, 0) / tolerance``; 1 means the parameter moves the target by
about a tolerance beyond the noise. Per group, the largest excess over its targets; a
parameter whose largest over groups reaches ``threshold`` is *influential*: the targets
can constrain it, and leaving it fixed would hide its uncertainty. With one replicate
the floor cannot be estimated and is taken as 0.

A few trajectories estimate ``mu*`` roughly, so each excess also gets the bounds that
SALib's bootstrap interval of ``mu*`` (95%, over the trajectories' elementary effects)
gives it, and each parameter a **verdict**: *influential* when some target's lower bound
reaches the threshold, *not influential* when no target's upper bound does, *uncertain*
otherwise: the call would change with another draw of trajectories, and more
trajectories (``[screening] trajectories``) would settle it. The intervals are per
target, not adjusted for the number of targets.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .calibrate import Calibration, store_target_values, target_keys
from .experiment import Experiment, load_experiment
from .runner import ExecutorKind, run_experiment
from .sensitivity import NOISE_MARGIN, indices, noise_floor, problem, sd_of_point_means, verdict, verdict_counts
from .store import atomic_write

#: The Morris grid of the screening.
LEVELS = 4


def screening_experiment(cal: Calibration) -> Experiment:
    """The Morris experiment over the free parameters and the candidates: the calibration's
    scenario, replicates, seed, scale, horizon and kept results."""
    source = str(cal.experiment.path)
    for name, u in cal.screening.candidates.items():
        if name in cal.names or u.values is not None:
            raise InputError(
                "already a free parameter" if name in cal.names else "a screened candidate needs a range",
                source=source,
                key=f"screening.candidates.{name}",
                allowed="a parameter not in [uncertainties], with low and high",
            )
    data = copy.deepcopy(cal.data)
    candidates = {name: u.model_dump(exclude_none=True) for name, u in cal.screening.candidates.items()}
    data["uncertainties"] = {**data.get("uncertainties", {}), **candidates}
    data["design"] = {"method": "morris", "samples": cal.screening.trajectories, "levels": LEVELS}
    data["keep"] = cal.experiment.spec.keep.model_dump()
    try:
        return load_experiment(cal.experiment.path, data)
    except InputError as exc:  # name the candidate where the file has it, not as an uncertainty
        name = (exc.key or "").removeprefix("uncertainties.")
        if name not in candidates:
            raise
        raise InputError(
            exc.detail, source=exc.source, key=f"screening.candidates.{name}", value=exc.value, allowed=exc.allowed
        ) from None


def screening_table(cal: Calibration, exp: Experiment, per_run: pd.DataFrame) -> pd.DataFrame:
    """Morris indices of every target from its values per run of the experiment (index
    (point, replicate), a column per target key; a target not simulated at every point
    is left out): target, group, parameter, mu_star, mu_star_conf, sigma, noise_floor,
    mu_star_per_tolerance, noise_floor_per_tolerance, excess_per_tolerance and its
    bounds from the interval of mu* (excess_low, excess_high)."""
    x = np.array([[p[n] for n in exp.spec.uncertainties] for p in exp.points])
    by_point = per_run.groupby(level="point")
    values = by_point.mean().reindex(range(len(x)))
    # with one replicate the floor cannot be estimated and is taken as 0
    sd_mean = sd_of_point_means(per_run, per_run.index.get_level_values("point")).fillna(0.0)
    prob = problem(exp)
    tables = []
    for key, t in zip(target_keys(cal.targets), cal.targets.itertuples(), strict=True):
        y = values[key] if key in values else pd.Series(np.nan, index=values.index)
        if y.isna().any():
            continue
        ind = indices(prob, "morris", x, y.to_numpy(float), exp.spec.seed, LEVELS)
        floor = noise_floor(sd_mean[key], LEVELS)

        def excess(mu: pd.Series, floor: float = floor, tol: float = t.tolerance) -> pd.Series:
            return np.maximum(mu - NOISE_MARGIN * floor, 0.0) / tol

        tables.append(ind.assign(
            target=key, group=t.group, noise_floor=floor, mu_star_per_tolerance=ind["mu_star"] / t.tolerance,
            noise_floor_per_tolerance=floor / t.tolerance, excess_per_tolerance=excess(ind["mu_star"]),
            excess_low=excess(ind["mu_star"] - ind["mu_star_conf"]),
            excess_high=excess(ind["mu_star"] + ind["mu_star_conf"]),
        ))  # fmt: skip
    if not tables:
        raise InputError(
            "no target was simulated at every design point",
            source=str(exp.path),
            allowed="a horizon covering the targets, and every run finished (run again to resume)",
        )
    table = pd.concat(tables, ignore_index=True)
    return table[["target", "group", "parameter", "mu_star", "mu_star_conf", "sigma", "noise_floor",
                  "mu_star_per_tolerance", "noise_floor_per_tolerance", "excess_per_tolerance", "excess_low",
                  "excess_high"]]  # fmt: skip


def group_summary(table: pd.DataFrame, free: list[str], threshold: float) -> pd.DataFrame:
    """Per parameter: the largest excess over the noise (in tolerances) in each target
    group and over all, whether it is free (calibrated) and whether it is influential,
    the largest bounds of its excess over the targets (``largest_low``,
    ``largest_high``) and the ``verdict`` they support (influential, not influential or
    uncertain; module docstring), and ``only_in``: the one group it reaches the
    threshold in, if just one (empty otherwise). Such a parameter is constrained by
    that group's targets alone, so a group k-fold that holds the group out leaves it
    free (docs/ODD.md, "Calibration status"). Most influential first."""
    grid = table.pivot_table(index="parameter", columns="group", values="excess_per_tolerance", aggfunc="max")
    reached = grid >= threshold
    only_in = reached.idxmax(axis=1).astype(str).where(reached.sum(axis=1) == 1, "")
    bounds = table.groupby("parameter")[["excess_low", "excess_high"]].max().reindex(grid.index)
    calls = verdict(bounds["excess_low"], bounds["excess_high"], threshold, "influential", "not influential")
    grid.columns = [f"group {g}" for g in grid.columns]
    top = grid.max(axis=1)
    summary = grid.assign(largest=top, free=[p in free for p in grid.index], influential=top >= threshold)
    summary = summary.assign(
        largest_low=bounds["excess_low"], largest_high=bounds["excess_high"], verdict=calls, only_in=only_in
    )
    return summary.sort_values("largest", ascending=False, kind="stable").reset_index()


def verdict_lines(summary: pd.DataFrame, trajectories: int) -> list[str]:
    """What the screening supports for choosing the free parameters: the verdicts'
    counts, the uncertain parameters, and where the free set and the verdicts disagree."""
    by = summary.set_index("parameter")
    counts = verdict_counts(by["verdict"], "influential", "not influential")
    lines = [f"verdicts at {trajectories} trajectories: {counts}"]
    named = {
        "uncertain (more trajectories would settle them)": by.index[by["verdict"] == "uncertain"],
        "free but not influential": by.index[by["free"] & (by["verdict"] == "not influential")],
        "influential but not free": by.index[~by["free"] & (by["verdict"] == "influential")],
    }
    lines += [f"{label}: {', '.join(names)}" for label, names in named.items() if len(names)]
    return lines


def screen(
    cal: Calibration,
    out: Path,
    executor: ExecutorKind = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    log=print,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the screening experiment into the result store ``out/store`` (resumable) and
    return the per-target indices and the per-group summary."""
    exp = screening_experiment(cal)
    log(
        f"screening: {len(exp.spec.uncertainties)} parameters ({len(cal.names)} free, "
        f"{len(cal.screening.candidates)} candidates), {len(exp.points)} points x {exp.spec.replicates} replicates"
    )
    store = run_experiment(exp, out / "store", executor, workers, scheduler, progress)
    table = screening_table(cal, exp, store_target_values(store, cal.targets))
    return table, group_summary(table, cal.names, cal.screening.threshold)


def write_screening(table: pd.DataFrame, summary: pd.DataFrame, threshold: float, out: Path) -> list[Path]:
    """screening.csv (per target), screening-groups.csv (per parameter and group) and
    screening.png (heat map of the excess over the noise, parameter by group)."""
    from .figures import plt, save

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in (("screening.csv", table), ("screening-groups.csv", summary)):
        atomic_write(out / name, lambda p, df=df: df.to_csv(p, index=False, float_format="%.6g"))
        paths.append(out / name)
    grid = summary.set_index("parameter")[[c for c in summary.columns if c.startswith("group ")]]
    fig, ax = plt.subplots(figsize=(1.1 * grid.shape[1] + 4, 0.32 * grid.shape[0] + 1.5))
    im = ax.imshow(np.log1p(grid.to_numpy(float)), cmap="viridis", vmin=0, vmax=np.log1p(10), aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [c.removeprefix("group ") for c in grid.columns], rotation=30, ha="right",
                  fontsize=7)  # fmt: skip
    labels = [
        f"{p}{'' if free else ' (candidate)'}{' ?' if verdict == 'uncertain' else ''}"
        for p, free, verdict in zip(grid.index, summary["free"], summary["verdict"], strict=True)
    ]
    ax.set_yticks(range(grid.shape[0]), labels, fontsize=7)
    fig.colorbar(im, ax=ax, label="log(1 + excess): mu* beyond the noise, in tolerances (largest of the group)")
    ax.set_title(f"Morris screening against the targets (influential: excess >= {threshold:g}; "
                 "?: uncertain, the 95% interval straddles it)", fontsize=9)  # fmt: skip
    note = "circsim simulation (circsim calibrate --screen); targets: src/circsim/workbench/data/targets.csv"
    paths.append(save(fig, out / "screening.png", note))
    return paths
