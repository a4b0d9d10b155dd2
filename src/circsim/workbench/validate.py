"""Validation: the pattern table of the baseline against every observed target.

For each row of ``data/targets.csv`` (indicator, country, year, observed value,
tolerance, status, group, source) the table gives the simulated mean over runs and its
90% interval (5th-95th percentile across runs) in the target year, and whether the mean
lies within the tolerance of the observed value. Rows of status ``target`` are the
patterns; rows of status ``input check`` are counted on a line of their own, never as
patterns (:func:`score_lines`), beside the out-of-sample score of the calibration file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import tomli_w

from ..errors import InputError
from ..sim import inputs
from .targets import INPUT_CHECK, TARGET, TARGETS_FILE, read_targets, with_blocks

if TYPE_CHECKING:
    from .store import ResultStore

COLUMNS = ["indicator", "country", "year", "status", "group", "observed", "tolerance", "simulated_mean",
           "simulated_p05", "simulated_p95", "runs", "holds", "source"]  # fmt: skip


def pattern_table(indicators: pd.DataFrame, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pattern table from an indicators table of one or more runs (``run_id`` optional);
    ``targets`` as :func:`~circsim.workbench.targets.read_targets` gives them (default:
    the packaged file).

    ``holds`` is True/False where the target's indicator was recorded in its year, and
    missing (None) otherwise (e.g. a horizon that ends before the target year).
    """
    targets = read_targets() if targets is None else targets
    ind = indicators if "run_id" in indicators else indicators.assign(run_id="run")
    keyed = with_blocks(ind).set_index(["indicator", "country", "year"])[["run_id", "value"]]
    rows = []
    for t in targets.itertuples():
        key = (t.indicator, t.country, t.year)
        values = keyed.loc[[key], "value"].dropna().to_numpy(float) if key in keyed.index else np.zeros(0)
        mean = float(values.mean()) if values.size else float("nan")
        rows.append({
            "indicator": t.indicator, "country": t.country, "year": int(t.year), "status": t.status, "group": t.group,
            "observed": float(t.value),
            "tolerance": float(t.tolerance), "simulated_mean": mean,
            "simulated_p05": float(np.percentile(values, 5)) if values.size else float("nan"),
            "simulated_p95": float(np.percentile(values, 95)) if values.size else float("nan"),
            "runs": int(values.size), "holds": bool(abs(mean - t.value) <= t.tolerance) if values.size else None,
            "source": t.source,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def scenario_indicators(store: ResultStore, scenario: str) -> tuple[pd.DataFrame, int]:
    """The indicators of the finished runs of ``scenario`` in ``store``, and how many
    runs they are; InputError naming the scenarios there if it has none."""
    runs = store.runs()
    ids = set(runs.loc[(runs["scenario"] == scenario) & (runs["status"] == "done"), "run_id"])
    if not ids:
        raise InputError(
            "no finished run of this scenario",
            source=str(store.path),
            key="scenario",
            value=scenario,
            allowed=", ".join(dict.fromkeys(runs["scenario"])),
        )
    indicators = store.indicators()
    return with_blocks(indicators[indicators["run_id"].isin(ids)]), len(ids)


def run_baseline(
    baseline: Path, out: Path, replicates: int, scale: float, calibrated: bool = True, workers: int | None = None
) -> ResultStore:
    """Run ``replicates`` runs of the scenario file ``baseline`` into the store
    ``out/store``. The experiment is written first as ``out/validate.toml``, so the
    folder says what was run (and a second call resumes the same experiment)."""
    from .experiment import load_experiment
    from .runner import run_experiment

    out.mkdir(parents=True, exist_ok=True)
    experiment = {
        "name": "validate",
        # relative, so the folder can move with the repository
        "baseline": Path(os.path.relpath(baseline.resolve(), out.resolve())).as_posix(),
        "replicates": replicates,
        "scale": scale,
        "calibrated": calibrated,
        "scenarios": {"baseline": {}},
    }
    path = out / "validate.toml"
    path.write_text(tomli_w.dumps(experiment), encoding="utf-8")
    return run_experiment(load_experiment(path), out / "store", workers=workers)


def score_lines(table: pd.DataFrame, calibrated: bool, calibration: Path | None = None) -> list[str]:
    """The pattern table's score in two lines: the targets held in these runs (in-sample
    on the calibrated values: the calibration fitted them) with the out-of-sample score
    the calibration file records (``calibration``, default ``data/calibrated.toml``),
    then the input checks, which never count as patterns."""
    held, checked, unchecked = _held(table[table["status"] == TARGET])
    note = f" ({unchecked} not checked: not recorded in the runs)" if unchecked else ""
    if calibrated:
        first = f"in-sample: {held} of {checked} targets hold{note}; {_out_of_sample(calibration)}"
    else:
        first = f"raw defaults: {held} of {checked} targets hold{note}; out-of-sample: does not apply (not calibrated)"
    checks = table[table["status"] == INPUT_CHECK]
    k, n, missing = _held(checks)
    second = f"input checks: {k} of {n} within tolerance" if len(checks) else "input checks: none in the targets file"
    if missing:
        second += f" ({missing} not recorded in the runs)"
    return [first, second]


def _held(rows: pd.DataFrame) -> tuple[int, int, int]:
    """Rows that hold, rows checked, rows not recorded in the runs."""
    checked = rows["holds"].notna()
    return int(rows.loc[checked, "holds"].astype(bool).sum()), int(checked.sum()), int((~checked).sum())


def _out_of_sample(path: Path | None) -> str:
    """The group k-fold score recorded in the calibration file's provenance, or why there is none."""
    from .store import sha256

    path = inputs.CALIBRATED_FILE if path is None else path
    if not path.is_file():
        return f"out-of-sample: no calibration file ({path})"
    try:
        provenance = tomllib.loads(path.read_text(encoding="utf-8")).get("provenance", {})
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"calibration file cannot be read: {exc}", source=str(path)) from None
    date = str(provenance.get("date", "unknown date"))[:10]
    if "out_of_sample_held" not in provenance:
        return f"out-of-sample: not recorded (the calibration of {date} ran without --holdout)"
    line = (
        f"out-of-sample (group k-fold, from the calibration of {date}): "
        f"{provenance['out_of_sample_held']} of {provenance['out_of_sample_targets']}"
    )
    if "out_of_sample_missed_reachable" in provenance:
        line += (
            f" (of the misses, {provenance['out_of_sample_missed_reachable']} reachable at plausible points of "
            f"their fold, {provenance['out_of_sample_missed_unreachable']} at none)"
        )
    if "period_held" in provenance:
        line += (
            f"; forward in time ({provenance.get('period_method', 'later targets')}): "
            f"{provenance['period_held']} of {provenance['period_targets']}"
        )
    if provenance.get("targets_sha256") != sha256(TARGETS_FILE):
        line += " (calibrated against another version of the targets file)"
    return line


def store_calibrated(store: ResultStore) -> bool:
    """Whether the store's experiment ran on the calibrated values (``calibrated = true``,
    the default)."""
    try:
        return tomllib.loads(store.manifest["experiment"]["content"]).get("calibrated", True) is not False
    except (tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError):
        return True  # unreadable here: the experiment's default


def write_patterns(table: pd.DataFrame, out: Path, title: str, score: list[str]) -> tuple[Path, Path]:
    """Write the pattern table as CSV and Markdown into ``out``: the score lines of
    :func:`score_lines`, the targets, then the input checks in a section of their own."""
    from .store import atomic_write, atomic_write_text

    out.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out / "patterns.csv", out / "patterns.md"
    atomic_write(csv_path, lambda p: table.to_csv(p, index=False, float_format="%.6g"))
    lines = [f"# {title}", "", *[f"- {line}" for line in score], ""]
    for status, heading in ((TARGET, "Targets"), (INPUT_CHECK, "Input checks (never counted as patterns)")):
        rows = table[table["status"] == status]
        if not rows.empty:
            lines += [f"## {heading}", "", rows.drop(columns=["status", "source"]).to_markdown(index=False,
                      floatfmt=".4g"), ""]  # fmt: skip
    lines += ["Sources:", "", *[f"- {r.indicator} {r.country} {r.year}: {r.source}" for r in table.itertuples()], ""]
    atomic_write_text(md_path, "\n".join(lines))
    return csv_path, md_path


def patterns_figure(table: pd.DataFrame, path: Path) -> Path:
    """Simulated (mean, 90% interval over runs) against observed (value +- tolerance),
    one row per target, each row scaled by its observed value."""
    from .figures import OBSERVED_NOTE, plt, save

    t = table.reset_index(drop=True)
    scale = t["observed"].abs().where(t["observed"] != 0, 1.0)
    y = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(t) + 1.2))
    ax.errorbar(t["observed"] / scale, y, xerr=t["tolerance"] / scale, fmt="ks", ms=3, capsize=2, label="observed")
    sim = t["simulated_mean"] / scale
    err = [(t["simulated_mean"] - t["simulated_p05"]) / scale, (t["simulated_p95"] - t["simulated_mean"]) / scale]
    ax.errorbar(sim, y + 0.25, xerr=err, fmt="o", ms=3, color="tab:red", capsize=2, label="simulated (90% of runs)")
    ax.set_yticks(y, [f"{r.indicator} {r.country} {r.year}" for r in t.itertuples()], fontsize=7)
    ax.invert_yaxis()
    ax.axvline(1.0, color="grey", lw=0.6)
    ax.set_xlabel("value relative to the observed value")
    ax.legend(fontsize=7)
    ax.set_title("Baseline against the observed patterns", fontsize=10)
    return save(fig, path, OBSERVED_NOTE)


def series_figure(indicators: pd.DataFrame, path: Path, targets: pd.DataFrame | None = None) -> Path:
    """Simulated series against the observed points: one panel per indicator and country
    with a target, the median and 90% band over runs by year, observed values with their
    tolerance."""
    from .figures import OBSERVED_NOTE, draw_band, draw_observed, plt, save, year_band

    targets = read_targets() if targets is None else targets
    panels = list(dict.fromkeys(zip(targets["indicator"], targets["country"], strict=True)))
    cols = min(4, len(panels))
    rows = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.4 * rows + 0.6), squeeze=False)
    for ax, (name, code) in zip(axes.ravel(), panels, strict=False):
        sim = indicators[(indicators["indicator"] == name) & (indicators["country"] == code)]
        band = year_band(sim)
        if not band.empty:
            draw_band(ax, band, "tab:red")
        draw_observed(ax, targets[(targets["indicator"] == name) & (targets["country"] == code)])
        ax.set_title(f"{name} ({code})", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle("Simulated (red: median and 90% of runs) against observed (squares: value and tolerance)", fontsize=9)
    return save(fig, path, OBSERVED_NOTE, top=0.95)
