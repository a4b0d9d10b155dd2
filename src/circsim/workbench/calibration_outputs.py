"""What a calibration writes: the calibration file (``data/calibrated.toml``: values and
provenance, read by every scenario) and, into its output folder, the tables, a summary,
a figure and the NROY ranges as experiment uncertainties."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from .calibrate import DEGENERATE, MIN_CORRELATION_SAMPLE, CalibrationResult
from .store import atomic_write, atomic_write_text, git_commit, sha256
from .targets import TARGETS_FILE

METHOD = (
    "history matching with quadratic-regression and Gaussian-process emulators, the better by leave-one-out "
    "error per target (circsim.workbench.calibrate)"
)


def _sig(x: float, digits: int = 4) -> float:
    """``x`` rounded to ``digits`` significant digits (readable values in the TOML file)."""
    return float(f"{x:.{digits}g}") if math.isfinite(x) and x != 0 else float(x)


def calibrated_toml(result: CalibrationResult, command: str) -> str:
    """The calibration file: ``[parameters]`` in scenario layout, then provenance (with the
    in-sample and, after a k-fold, out-of-sample counts and the degenerate pairs),
    discrepancy per target and spread per parameter."""
    import tomli_w

    cal = result.calibration
    params: dict[str, Any] = {}
    for name, value in result.estimate.items():
        parts = name.split(".")
        parts = ["model", *parts] if len(parts) == 1 else parts
        node = params
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = _sig(value)
    disc = result.estimate_discrepancy()
    spread = result.spread()
    provenance: dict[str, Any] = {
        "date": result.finished,
        "command": command,
        "method": METHOD,
        "calibration_file": str(cal.experiment.path),
        "targets_file": cal.targets_source,
        "targets_sha256": sha256(cal.targets_path or TARGETS_FILE),
        "calibration_file_content": cal.experiment.text,
        "seed": cal.experiment.spec.seed,
        "waves": len(result.waves),
        "runs": int(sum(w.runs for w in result.waves)) + result.confirm_runs,
        "points_per_wave": cal.settings.points_per_wave,
        "replicates": cal.experiment.spec.replicates,
        "cutoff": cal.settings.cutoff,
        "misfits_allowed": cal.settings.misfits_allowed,
        "nroy_share_per_wave": [_sig(w.nroy_share) for w in result.waves],
        "gp_targets_per_wave": [int(w.emulator.use_gp.sum()) for w in result.waves if w.emulator],
        "exploitation_points": sum(len(w.points) for w in result.waves if not w.emulator),
        "in_sample_held": int(disc["holds"].sum()),
        "in_sample_targets": len(disc),
    }
    if result.holdout is not None:
        provenance |= {
            "out_of_sample_held": int(result.holdout["out_of_sample_holds"].sum()),
            "out_of_sample_targets": len(result.holdout),
            "out_of_sample_method": "group k-fold: each group's targets at the estimate of a calibration on the others",
            "out_of_sample_missed_reachable": int(result.folds["missed_reachable"].sum()),
            "out_of_sample_missed_unreachable": int(result.folds["missed_unreachable"].sum()),
            "out_of_sample_best_plausible": int(result.folds["best_plausible_hold"].sum()),
            "holdout_groups": list(result.folds["group"]),
            "holdout_runs": int(result.folds["runs"].sum()),
        }
    if result.period_fold is not None:
        provenance |= {
            "period_held": result.period_fold["held_out_hold"],
            "period_targets": result.period_fold["held_out"],
            "period_method": f"targets after {cal.settings.holdout_after}, calibrated on the others",
            "period_runs": result.period_fold["runs"],
        }
    provenance |= {
        "degenerate_pairs": [
            {k: v if isinstance(v, str | int) else _sig(v) for k, v in pair.items()}
            for pair in result.degeneracy().to_dict("records")
        ],
        "circsim_version": __version__,
        "git_commit": git_commit() or "",
        "started": result.started,
    }
    doc = {
        "parameters": params,
        "provenance": provenance,
        "discrepancy": {
            r.target: {
                "observed": _sig(r.observed),
                "simulated": _sig(r.simulated),
                "tolerance": _sig(r.tolerance),
                "std_error": _sig(r.std_error),
                "holds": bool(r.holds),
            }
            for r in disc.itertuples()
        },
        "spread": {
            r.parameter: {k: _sig(getattr(r, k)) for k in spread.columns.drop("parameter")} for r in spread.itertuples()
        },
    }
    header = (
        "# Calibrated parameter values: written by 'circsim calibrate', read by every scenario\n"
        "# (unless it says calibrated = false). [parameters] is in scenario layout; the other\n"
        "# tables record how the values were found. Method: src/circsim/workbench/calibrate.py.\n"
    )
    return header + tomli_w.dumps(doc, multiline_strings=True)


def write_outputs(result: CalibrationResult, out: Path) -> list[Path]:
    """points.csv, plausible.csv, confirmed.csv, spread.csv, discrepancy.csv, nroy.csv,
    emulators.csv, degeneracy.csv, after a k-fold holdout.csv and holdout-folds.csv,
    summary.md, nroy.png and uncertainties.toml into ``out``."""
    cal = result.calibration
    out.mkdir(parents=True, exist_ok=True)
    points = result.points_table()
    frames = {
        "points.csv": points,
        "plausible.csv": plausible_points(points, cal.names),
        "confirmed.csv": result.confirmed,
        "spread.csv": result.spread(),
        "discrepancy.csv": result.estimate_discrepancy(),
        "nroy.csv": pd.DataFrame(result.nroy, columns=cal.names),
        "emulators.csv": result.emulator_table(),
        "degeneracy.csv": result.degeneracy(),
    }
    if result.holdout is not None:
        frames |= {"holdout.csv": result.holdout, "holdout-folds.csv": result.folds}
    if result.period is not None:
        frames |= {"holdout-period.csv": result.period}
    paths = []
    for name, df in frames.items():
        path = out / name
        atomic_write(path, lambda p, df=df: df.to_csv(p, index=False, float_format="%.6g"))
        paths.append(path)
    texts = {"summary.md": summary_md(result), "uncertainties.toml": uncertainties_toml(result)}
    for name, text in texts.items():
        atomic_write_text(out / name, text)
        paths.append(out / name)
    paths.append(nroy_figure(result, out / "nroy.png"))
    return paths


def plausible_points(points: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The parameters of the simulated points their own runs do not rule out, best fit
    first: a design table (``[design] method = "table"``) of parameter sets each checked
    by simulation rather than by the emulators."""
    kept = points[~points["ruled_out_by_runs"]]
    return kept.sort_values(["targets_held", "sum_sq_std_error"], ascending=[False, True], kind="stable")[names]


def summary_md(result: CalibrationResult) -> str:
    """The calibration in a page: waves and emulators, the estimate, the out-of-sample
    score, and how well the targets pin the parameters down (degeneracy)."""
    cal = result.calibration
    disc = result.estimate_discrepancy()
    waves = pd.DataFrame({
        "wave": [w.number for w in result.waves], "points": [len(w.points) for w in result.waves],
        "runs": [w.runs for w in result.waves], "NROY share": [w.nroy_share for w in result.waves],
        "GP chosen": [f"{int(w.emulator.use_gp.sum())} of {len(w.emulator.gps)}" if w.emulator else "exploitation"
                      for w in result.waves],
        "emulator fit (s)": [w.emulator.seconds if w.emulator else None for w in result.waves],
    })  # fmt: skip
    lines = [
        f"# Calibration: {cal.experiment.spec.name}",
        "",
        f"{len(cal.names)} free parameters, {len(disc)} targets ({cal.targets_source}); {result.started} to "
        f"{result.finished}.",
        "",
        "## Waves and emulators",
        "",
        waves.to_markdown(index=False, floatfmt=".3g"),
        "",
        "Per target and wave, the leave-one-out error of both emulators and the one used: `emulators.csv`.",
        "",
        "## Estimate",
        "",
        f"In-sample: the estimate holds {int(disc['holds'].sum())} of {len(disc)} targets "
        f"(`discrepancy.csv`; {result.confirm_runs} confirmation runs).",
        "",
        *_credibility_lines(result),
        "",
        "## Out-of-sample (group k-fold)",
        "",
        *_holdout_lines(result),
        "",
        "## Degeneracy",
        "",
        *_degeneracy_lines(result),
        "",
    ]
    return "\n".join(lines)


def _credibility_lines(result: CalibrationResult) -> list[str]:
    c = result.credibility()
    lines = [
        f"Is the NROY region the evidence? By its own runs the estimate misses {c['estimate_misses']} fitted targets "
        f"beyond the cut-off; an NROY point may miss {c['misfits_allowed']} (`misfits_allowed`). "
        f"{c['points_kept_by_runs']} of the {c['points']} simulated points are not ruled out by their own runs "
        "(`points.csv`, `ruled_out_by_runs`; their parameters, best first: `plausible.csv`)."
    ]
    if c["estimate_misses"] > c["misfits_allowed"]:
        lines[0] += (
            " The estimate itself is ruled out by its runs, so the NROY region rests on the emulators' uncertainty "
            f"alone and does not describe parameter uncertainty: raise `misfits_allowed` to at least "
            f"{c['estimate_misses']}."
        )
    outside, names = c["estimate_outside_nroy"], result.calibration.names
    lines[0] += (
        f" The estimate lies outside the NROY sample's 5-95% range on {len(outside)} of {len(names)} parameters"
        + (f" ({', '.join(outside)})." if outside else ".")
    )
    return lines


#: The per-group columns of the k-fold shown in summary.md (holdout-folds.csv has them all).
FOLD_COLUMNS = ("group", "held_out", "held_out_hold", "missed_reachable", "missed_unreachable",
                "best_plausible_hold", "fitted", "fitted_hold", "fitted_hold_full", "runs")  # fmt: skip


def _holdout_lines(result: CalibrationResult) -> list[str]:
    if result.holdout is None:
        return ["Not run (`circsim calibrate --holdout`)."]
    h, folds = result.holdout, result.folds
    return [
        f"{int(h['out_of_sample_holds'].sum())} of {len(h)} targets hold out of sample, "
        f"{int(h['in_sample_holds'].sum())} in sample: each group held out in turn, calibrated on the others "
        "(`holdout.csv`, `holdout-folds.csv`). `fitted_hold_full`: the full estimate on the fold's fitted "
        "targets; where `fitted_hold` is below it, the fold's own search lost fit.",
        "",
        reach_sentence(h, "fold") + " " + best_sentence(int(folds["best_plausible_hold"].sum()), len(h), "each fold"),
        "",
        folds[list(FOLD_COLUMNS)].to_markdown(index=False),
        *_period_lines(result),
    ]


def _period_lines(result: CalibrationResult) -> list[str]:
    if result.period_fold is None:
        return []
    f, after = result.period_fold, result.calibration.settings.holdout_after
    by_group = result.period.groupby("group", sort=False)["out_of_sample_holds"].agg(["sum", "size"])
    return [
        "",
        f"Forward in time: calibrated on the {f['fitted']} targets up to {after}, {f['held_out_hold']} of the "
        f"{f['held_out']} later targets hold ({f['fitted_hold']} of the {f['fitted']} fitted ones, the full estimate "
        f"{f['fitted_hold_full']}; {f['runs']} runs; "
        "`holdout-period.csv`). By group: "
        + ", ".join(f"{g} {int(r['sum'])} of {int(r['size'])}" for g, r in by_group.iterrows())
        + ". "
        + reach_sentence(result.period, "earlier calibration")
        + " "
        + best_sentence(f["best_plausible_hold"] or 0, f["held_out"], "the earlier calibration"),
    ]


def reach_sentence(targets: pd.DataFrame, search: str) -> str:
    """What the out-of-sample misses of ``targets`` (a fold table: ``holdout.csv`` or
    ``holdout-period.csv``) say: how many some plausible point of the ``search`` (a point
    its own runs do not rule out) holds, at what share of those points, and how many none
    does."""
    missed = ~targets["out_of_sample_holds"].to_numpy(bool)
    reach = targets["reachable"]
    free = missed & reach.fillna(False).to_numpy(bool)  # NA: no plausible point to judge by
    held_share = targets.loc[~missed, "plausible_share_holding"].median()
    return (
        f"Of the {int(missed.sum())} misses, {int(free.sum())} are held at some point the {search}'s own runs do "
        f"not rule out (`reachable`), at a median {_share(targets.loc[free, 'plausible_share_holding'].median())} "
        f"of those points (the targets that hold: {_share(held_share)}): the fitted targets allow them but do not "
        f"favour them; {int((missed & (~reach).fillna(False).to_numpy(bool)).sum())} are held at none (the fitted "
        "targets pull the model away from them: a conflict of mechanism or data)."
    )


def best_sentence(best: int, held_out: int, where: str) -> str:
    """What choosing among the plausible points could score at most: ``best``, summed over
    the folds, the most held-out targets one point its own runs do not rule out holds (0 for
    a fold without such points); ``where`` names the fold(s) ("each fold")."""
    return (
        f"The best such point of {where}, picked by looking at its held-out targets (which no calibration "
        f"may do), would hold {best} of {held_out} (`best_plausible_hold`): a bound on what a better "
        "choice of estimate among the simulated points could score."
    )


def _share(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:.0%}"


def _degeneracy_lines(result: CalibrationResult) -> list[str]:
    sample = f"{len(result.nroy)} points" + (
        " (nothing was NROY: the least implausible candidates)" if result.nroy_empty else ""
    )
    pairs = result.degeneracy()
    where = "over the NROY sample"
    clumps = _clump_lines(result)
    if clumps:
        where = "within each clump of the NROY sample"
    if len(result.nroy) < MIN_CORRELATION_SAMPLE:
        found = f"Too few NROY points for correlations (fewer than {MIN_CORRELATION_SAMPLE})."
    elif pairs.empty:
        found = f"No parameter pair correlated beyond |r| = {DEGENERATE} {where} ({sample})."
    else:
        found = (
            f"Parameter pairs correlated beyond |r| = {DEGENERATE} {where} ({sample}): the targets pin "
            "down their combination more than each (`degeneracy.csv`).\n\n" + pairs.to_markdown(index=False,
            floatfmt=".2f")
        )  # fmt: skip
    spread = result.spread()[["parameter", "prior_low", "prior_high", "nroy_p05", "nroy_p95", "kept_share"]]
    wide = int((spread["kept_share"] > 0.8).sum())
    return [
        *clumps,
        found,
        "",
        f"Share of its prior range each parameter's NROY 5-95% interval keeps ({wide} of {len(spread)} keep over "
        "80%: the targets barely constrain them):",
        "",
        spread.sort_values("kept_share").to_markdown(index=False, floatfmt=".3g"),
    ]


def _clump_lines(result: CalibrationResult) -> list[str]:
    """The clumps of the NROY sample, if it falls in more than one: sizes, the parameters
    whose clump centres lie furthest apart, and the clump nearest the estimate."""
    if result.nroy is None or len(result.nroy) < MIN_CORRELATION_SAMPLE:
        return []
    labels = result.clumps()
    if labels.max() == 0:
        return []
    names = result.calibration.names
    scaled = result.box_share(result.nroy)
    centres = np.stack([scaled[labels == k].mean(axis=0) for k in range(labels.max() + 1)])
    apart = pd.Series(centres.max(axis=0) - centres.min(axis=0), index=names).nlargest(5)
    sizes = ", ".join(str(n) for n in np.bincount(labels))
    nearest = "."
    if result.estimate:
        at = result.box_share(np.array([result.estimate[n] for n in names]))
        nearest = f"; the estimate lies nearest the centre of clump {np.argmin(((centres - at) ** 2).sum(axis=1)) + 1}."
    return [
        f"The NROY sample falls in {labels.max() + 1} separate clumps ({sizes} points; single linkage on the "
        "parameters scaled to the prior box, gaps at least twice the widest spacing inside a clump): the "
        "plausible region is not one connected set, and correlations over the whole sample would describe the "
        "offset between the clumps, not a trade-off. The parameters whose clump centres lie furthest apart "
        "(share of the prior range): " + ", ".join(f"`{name}` {gap:.2f}" for name, gap in apart.items()) + nearest,
        "",
    ]


def uncertainties_toml(result: CalibrationResult) -> str:
    """``[uncertainties]`` tables spanning each parameter's NROY 5-95% range, to paste
    into an experiment file so that calibration uncertainty feeds the comparison."""
    lines = ["# Calibration uncertainty: each parameter's 5-95% range over the NROY sample (circsim calibrate)."]
    for r in result.spread().itertuples():
        lines += [f'[uncertainties."{r.parameter}"]', f"low = {_sig(r.nroy_p05)}", f"high = {_sig(r.nroy_p95)}"]
    return "\n".join(lines) + "\n"


def nroy_figure(result: CalibrationResult, path: Path) -> Path:
    """Per parameter: the prior range, the last NROY sample (histogram) and the estimate."""
    from .figures import plt, save

    cal = result.calibration
    n = len(cal.names)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.3 * rows), squeeze=False)
    for ax, j in zip(axes.flat, range(n), strict=False):
        lo, hi = cal.bounds[j]
        ax.hist(result.nroy[:, j], bins=20, range=(lo, hi), color="tab:blue", alpha=0.7)
        ax.axvline(result.estimate[cal.names[j]], color="tab:red", lw=1.5)
        ax.set_xlim(lo, hi)
        ax.set_title(cal.names[j], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle("Not-ruled-out-yet sample after the last wave (red: estimate), over the prior range", fontsize=9)
    return save(fig, path)


def write_calibrated(result: CalibrationResult, path: Path, command: str) -> Path:
    """Write the calibration file atomically."""
    atomic_write_text(path, calibrated_toml(result, command))
    return path
