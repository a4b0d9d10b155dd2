"""Experiment files: policy packages (levers) crossed with uncertainties, replicated.

An experiment file (TOML) names scenarios — each a policy package on top of the
baseline scenario — and, separately, the uncertain parameters with ranges and a design
that samples them (none, full factorial, Latin hypercube, Sobol or Morris via SALib).
Every scenario runs at every design point and replicate with the same seed (common
random numbers), so differences between scenarios are paired. Levers and
uncertainties are kept apart, as in the XLRM framing::

    name = "levers"
    baseline = "baseline.toml"        # scenario file the packages build on (relative to this file)
    replicates = 3
    seed = 1
    scale = 400                       # optional: overrides the baseline's [model] values
    end_year = 2040
    calibrated = true                 # default; false runs on the raw defaults, not data/calibrated.toml

    [scenarios.baseline]              # no change
    [scenarios.fellowships]
    file = "fellowships.toml"         # a scenario file whose levers and overrides are merged in
    [scenarios.fellowships_small]
    file = "fellowships.toml"
    levers.overseas_fellowships.fellows_per_year = 500

    [uncertainties."countries.JP.insider_preference"]
    low = 0.5
    high = 1.5
    [uncertainties.return_logit_base]
    values = [-2.5, -2.0]

    [design]
    method = "latin_hypercube"        # none | full_factorial | latin_hypercube | sobol | morris | table
    samples = 4
    # method = "table" draws `samples` rows of a CSV of joint values (one column per
    # parameter path), e.g. file = "../experiments/calibration-2026/calibration/nroy.csv"
    # to carry calibration uncertainty; [uncertainties] are then added by a Latin hypercube

    [keep]                            # what the store keeps (default: everything)
    indicators = ["researchers", "visits_abroad_long"]
    years = [2030, 2040]
    countries = ["JP", "US"]
    flows = true

    [precision]                       # optional: add replicates until the focal effects are precise
    indicators = ["papers", "returnees"]
    half_width = 0.05                 # 95% half-width at most 5% of |baseline mean|
    max_runs = 400                    # run budget: every scenario, design point and replicate
    step = 2                          # replicates added per round (default 1)

The focal effects, the loop and what the report says are in
:mod:`circsim.workbench.precision`.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import InputError
from ..sim.indicators import INDICATORS
from ..sim.initialization import check_scenario_memory
from ..sim.input_files import read_bytes, read_toml
from ..sim.inputs import load_regions
from ..sim.scenario import Scenario, apply_overrides, merge_tables, scenario_from_dict, validation_error
from .compare import COMPARABLE, MIN_PAIRS

MAX_POINTS = 100_000  # design points; more is a mistake, not an experiment
MAX_RUNS = 200_000  # scenarios x design points x replicates
#: A parameter path as a design-table column: dotted names, nothing else.
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,3}")
#: An experiment name: it names the default store directory under results/.
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Uncertainty(_Strict):
    """An uncertain parameter: a range (``low``, ``high``) or a list of ``values``."""

    low: float | None = None
    high: float | None = None
    values: list[float | int | bool | str] | None = None

    @model_validator(mode="after")
    def _check(self) -> Uncertainty:
        if self.values is not None:
            if self.low is not None or self.high is not None:
                raise ValueError("give either low and high, or values, not both")
            if not self.values:
                raise ValueError("values must not be empty")
        elif self.low is None or self.high is None or not self.low < self.high:
            raise ValueError("needs low < high, or a list of values")
        return self


class Design(_Strict):
    """How the uncertainties are sampled."""

    method: Literal["none", "full_factorial", "latin_hypercube", "sobol", "morris", "table"] = "none"
    samples: int = Field(8, ge=1, le=100_000, description="points (LHS, table), base samples N (Sobol, Morris)")
    file: str | None = Field(
        None,
        min_length=1,
        description="table: CSV of joint parameter values, a column per parameter path (e.g. a calibration's nroy.csv)",
    )
    levels: int = Field(3, ge=2, le=100, description="levels per range (full factorial, Morris)")
    seed: int | None = Field(None, ge=0, description="sampling seed; default: the experiment seed")


class Keep(_Strict):
    """Which results the store keeps; None keeps everything."""

    indicators: list[str] | None = None
    years: list[int] | None = None
    countries: list[str] | None = None
    flows: bool = True


class Precision(_Strict):
    """Precision on demand: replicates are added until every focal effect (each scenario
    against ``baseline`` on each indicator, in the last recorded year, for ``country``)
    has a 95% interval whose half-width is at most ``half_width`` times the absolute
    baseline mean, or until ``max_runs`` runs are planned (see :mod:`.precision`)."""

    indicators: list[str] = Field(min_length=1, description="focal indicators (registry names)")
    half_width: float = Field(
        gt=0, le=1, description="target 95% half-width relative to |baseline mean| (0.05: 5% of the baseline)"
    )
    max_runs: int = Field(ge=1, le=MAX_RUNS, description="run budget: all scenarios, design points and replicates")
    step: int = Field(1, ge=1, le=10_000, description="replicates added per round")
    baseline: str = Field("baseline", min_length=1, description="the scenario the effects are measured against")
    country: str = Field("JP", min_length=1, description="the country whose indicators are compared")


class Package(_Strict):
    """A scenario of the experiment: a scenario file and/or inline tables on top of the baseline."""

    file: str | None = Field(None, min_length=1)
    description: str = ""
    model: dict[str, Any] = Field(default_factory=dict)
    countries: dict[str, dict[str, Any]] = Field(default_factory=dict)
    levers: dict[str, Any] = Field(default_factory=dict)


class ExperimentSpec(_Strict):
    """The validated content of an experiment file."""

    name: str = Field("experiment", pattern=f"^{NAME_PATTERN}$")
    description: str = ""
    baseline: str = Field("baseline.toml", min_length=1)
    scenarios: dict[str, Package] = Field(min_length=1)
    uncertainties: dict[str, Uncertainty] = Field(default_factory=dict)
    design: Design = Field(default_factory=Design)
    replicates: int = Field(1, ge=1, le=10_000)
    seed: int = Field(0, ge=0)
    scale: float | None = Field(None, gt=0, le=1e5)
    start_year: int | None = Field(None, ge=1990, le=2100)
    end_year: int | None = Field(None, ge=1990, le=2150)
    keep: Keep = Field(default_factory=Keep)
    calibrated: bool = Field(True, description="run on the calibrated parameter values (data/calibrated.toml)")
    precision: Precision | None = None


@dataclass(frozen=True)
class RunSpec:
    """One model run: a scenario at a design point and replicate, with its seed."""

    run_id: str
    scenario: str
    point: int
    replicate: int
    seed: int
    values: dict[str, Any]  # uncertainty values at this design point
    scenario_data: dict[str, Any]  # the full scenario (package + design point), ready to validate
    keep: Keep = field(default_factory=Keep)

    @property
    def plan(self) -> dict[str, Any]:
        """What a result store's plan records of the run: id, scenario, point, replicate, seed, values."""
        return {
            "run_id": self.run_id,
            "scenario": self.scenario,
            "point": self.point,
            "replicate": self.replicate,
            "seed": self.seed,
            "values": self.values,
        }


@dataclass
class Experiment:
    """A loaded experiment: its spec, source text, design points and runs."""

    path: Path
    text: str
    spec: ExperimentSpec
    points: list[dict[str, Any]]
    runs: list[RunSpec]
    packages: dict[str, dict[str, Any]]  # scenario name -> full scenario data, before design values

    def at_points(self, points: list[dict[str, Any]]) -> Experiment:
        """The same experiment at other design points (every scenario, every replicate)."""
        source, spec = str(self.path), self.spec
        runs = [
            RunSpec(
                run_id=f"{name}-p{i:03d}-r{r:02d}",
                scenario=name,
                point=i,
                replicate=r,
                seed=run_seed(spec.seed, i, r),
                values=point,
                scenario_data=apply_overrides(pkg, point, source),
                keep=spec.keep,
            )
            for i, point in enumerate(points)
            for r in range(spec.replicates)
            for name, pkg in self.packages.items()
        ]
        return Experiment(self.path, self.text, spec, points, runs, self.packages)

    def variant(
        self,
        points: list[dict[str, Any]],
        note: str = "",
        packages: dict[str, dict[str, Any]] | None = None,
        **spec_update: Any,
    ) -> Experiment:
        """The experiment with spec fields replaced (``replicates``, ``seed``, ``keep``...),
        other packages and design ``points``. A ``note`` is appended to the source text as
        a comment: a store of the variant checks that text on resume, so it is never taken
        for a store of the file itself (or of another variant)."""
        text = f"{self.text}\n# {note}\n" if note else self.text
        spec = self.spec.model_copy(update=spec_update)
        return Experiment(self.path, text, spec, [], [], self.packages if packages is None else packages).at_points(
            points
        )

    def with_replicates(self, replicates: int) -> Experiment:
        """The same experiment with replicates 0 .. ``replicates`` - 1: the runs of the
        replicates it has keep their ids and seeds, new ones follow :func:`run_seed`."""
        return self if replicates == self.spec.replicates else self.variant(self.points, replicates=replicates)

    @property
    def runs_per_replicate(self) -> int:
        """Runs one more replicate adds: every scenario at every design point."""
        return len(self.points) * len(self.packages)

    @property
    def scenario_names(self) -> list[str]:
        """Scenario names in file order."""
        return list(self.spec.scenarios)


def run_seed(seed: int, point: int, replicate: int) -> int:
    """The seed of every scenario's run at a design point and replicate (common random numbers)."""
    return int(np.random.SeedSequence([seed, point, replicate]).generate_state(1, dtype=np.uint32)[0])


def design_points(spec: ExperimentSpec, source: str) -> list[dict[str, Any]]:
    """Sample the uncertainties with the design's method; one dict of values per point."""
    unc, d = spec.uncertainties, spec.design
    names = list(unc)
    if d.method == "none":
        if unc:
            raise InputError(
                "uncertainties are given but the design samples none",
                source=source,
                key="design.method",
                value=d.method,
                allowed="full_factorial, latin_hypercube, sobol, morris or table (or remove [uncertainties])",
            )
        return [{}]
    seed = spec.seed if d.seed is None else d.seed
    _check_size(spec, source)
    if d.method == "table":
        rows = _table_rows(spec, source, seed)
        if unc:  # the other uncertainties by a Latin hypercube of the same size, column-wise
            lhs_design = d.model_copy(update={"method": "latin_hypercube", "samples": len(rows)})
            lhs = design_points(spec.model_copy(update={"design": lhs_design}), source)
            rows = [{**row, **extra} for row, extra in zip(rows, lhs, strict=True)]
        return rows
    if not unc:
        raise InputError(
            "the design names no uncertainty",
            source=source,
            key="uncertainties",
            allowed="at least one [uncertainties.PARAMETER] table with low/high or values",
        )
    if d.method == "full_factorial":
        axes = [u.values if u.values is not None else list(np.linspace(u.low, u.high, d.levels)) for u in unc.values()]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]
    if d.method == "latin_hypercube":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed)).random(d.samples)
        return [{n: _from_unit(unc[n], unit[i, j]) for j, n in enumerate(names)} for i in range(d.samples)]
    discrete = [n for n in names if unc[n].values is not None]
    if discrete:
        raise InputError(
            f"the {d.method} design needs ranges",
            source=source,
            key=f"uncertainties.{discrete[0]}",
            value="values",
            allowed="low and high",
        )
    problem = {"num_vars": len(names), "names": names, "bounds": [[unc[n].low, unc[n].high] for n in names]}
    if d.method == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(problem, d.samples, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import morris

        x = morris.sample(problem, d.samples, num_levels=d.levels, seed=seed)
    return [dict(zip(names, (float(v) for v in row), strict=True)) for row in x]


def expected_points(spec: ExperimentSpec) -> int:
    """Design points the design will produce (a table's are at most its ``samples``),
    computed before sampling anything."""
    d, unc = spec.design, spec.uncertainties
    k = len(unc)
    if d.method == "none":
        return 1
    if d.method == "full_factorial":
        return int(np.prod([len(u.values) if u.values is not None else d.levels for u in unc.values()], dtype=float))
    if d.method == "sobol":
        return d.samples * (k + 2)
    if d.method == "morris":
        return d.samples * (k + 1)
    return d.samples


def _check_size(spec: ExperimentSpec, source: str) -> None:
    """Refuse designs too large to be meant, before allocating them."""
    points = expected_points(spec)
    if points > MAX_POINTS:
        raise InputError(
            f"the {spec.design.method} design is too large",
            source=source,
            key="design",
            value=f"{points:,} points",
            allowed=f"at most {MAX_POINTS:,} points (fewer samples, levels or values)",
        )
    runs = points * spec.replicates * len(spec.scenarios)
    if runs > MAX_RUNS:
        raise InputError(
            "the experiment has too many runs",
            source=source,
            key="replicates",
            value=f"{len(spec.scenarios)} scenarios x {points:,} points x {spec.replicates:,} replicates",
            allowed=f"at most {MAX_RUNS:,} runs",
        )


def table_path(spec: ExperimentSpec, source: str) -> Path:
    """The CSV file of a table design (relative to the experiment file)."""
    if not spec.design.file:
        raise InputError(
            "a table design needs a file", source=source, key="design.file", allowed="a CSV path, e.g. nroy.csv"
        )
    return Path(source).parent / spec.design.file


def _table_rows(spec: ExperimentSpec, source: str, seed: int) -> list[dict[str, Any]]:
    """``samples`` rows drawn without replacement from the design's CSV (all rows, in order,
    if it has no more); columns are parameter paths."""
    import pandas as pd

    path = table_path(spec, source)
    allowed = "a CSV file with one column per parameter path and one row of finite numbers per design point"
    try:
        data = read_bytes(path, allowed)
    except InputError as exc:
        raise InputError(
            f"cannot be read: {exc.detail}", source=source, key="design.file", value=str(path), allowed=allowed
        ) from None
    try:
        table = pd.read_csv(io.BytesIO(data))
    except (ValueError, UnicodeDecodeError) as exc:  # never the parser's message: it quotes the file
        raise InputError(f"is not a CSV table ({type(exc).__name__})", source=str(path), allowed=allowed) from None
    for k, c in enumerate(table.columns, start=1):
        if not isinstance(c, str) or not _PATH.fullmatch(c):
            raise InputError(f"column {k} is not named by a parameter path", source=str(path), allowed=allowed)
    bad = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c]) or not np.isfinite(table[c]).all()]
    if table.empty or bad:
        raise InputError("needs rows of finite numbers", source=str(path), key=bad[0] if bad else None, allowed=allowed)
    clash = sorted(set(table.columns) & set(spec.uncertainties))
    if clash:
        raise InputError(
            "a parameter is both a table column and an uncertainty",
            source=source,
            key=f"uncertainties.{clash[0]}",
            allowed=f"each parameter once (the table {path} has it)",
        )
    n = len(table)
    if spec.design.samples >= n:
        rows = np.arange(n)
    else:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=spec.design.samples, replace=False))
    return [{c: float(table.iloc[i][c]) for c in table.columns} for i in rows]


def _from_unit(u: Uncertainty, x: float) -> Any:
    if u.values is not None:
        return u.values[min(int(x * len(u.values)), len(u.values) - 1)]
    return float(u.low + x * (u.high - u.low))


def load_experiment(path: str | Path, data: dict[str, Any] | None = None) -> Experiment:
    """Load, validate and resolve an experiment file into its runs.

    Every package is validated as a full scenario, and every uncertainty at its
    extremes, before anything runs; problems raise InputError naming file and key.
    ``data``, if given, is the file's content already read (e.g. with extra tables
    removed by the caller).
    """
    path = Path(path)
    source = str(path)
    data = read_toml(path) if data is None else data
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, source, ExperimentSpec) from None
    _check_keep(spec.keep, source)
    base = _read_referenced(path.parent / spec.baseline, source, "baseline")
    run_overrides = {
        k: v
        for k, v in (("scale", spec.scale), ("start_year", spec.start_year), ("end_year", spec.end_year))
        if v is not None
    }
    packages: dict[str, dict[str, Any]] = {}
    for name, pkg in spec.scenarios.items():
        merged = base
        if pkg.file:
            package_file = _read_referenced(path.parent / pkg.file, source, f"scenarios.{name}.file")
            merged = merge_tables(merged, {k: v for k, v in package_file.items() if k not in ("name", "description")})
        inline = pkg.model_dump(include={"model", "countries", "levers"}, exclude_defaults=True)
        merged = merge_tables(merged, inline)
        merged = {**merged, "name": name, "description": pkg.description, "calibrated": spec.calibrated}
        merged = apply_overrides(merged, run_overrides, source)
        label = f"{source} [scenarios.{name}]"
        check_scenario_memory(scenario_from_dict(merged, label), label)  # validate now
        packages[name] = merged
    _check_uncertainties(spec, packages[next(iter(packages))], source)
    points = design_points(spec, source)
    if spec.precision is not None:
        _check_precision(spec.precision, spec, len(points), source)
    text = path.read_text(encoding="utf-8")
    if spec.design.method == "table":
        _check_table(points, packages[next(iter(packages))], table_path(spec, source))
        # the table's content is part of the experiment: a changed table is a new experiment
        digest = hashlib.sha256(table_path(spec, source).read_bytes()).hexdigest()
        text += f"\n# design table {spec.design.file}: sha256 {digest}\n"
    exp = Experiment(path=path, text=text, spec=spec, points=[], runs=[], packages=packages)
    return exp.at_points(points)


def _read_referenced(path: Path, source: str, key: str) -> dict[str, Any]:
    """A scenario file named by the experiment; problems name the experiment's key too."""
    try:
        data = read_toml(path)
        if not data:
            raise InputError("is empty", source=str(path))
        return data
    except InputError as exc:
        raise InputError(
            f"{path}: {exc.detail}",
            source=source,
            key=key,
            value=str(path),
            allowed="an existing, non-empty scenario file (relative to the experiment file)",
        ) from None


def _check_uncertainties(spec: ExperimentSpec, package: dict[str, Any], source: str) -> None:
    """Each uncertain parameter must be a valid override at both ends of its range."""
    for name, u in spec.uncertainties.items():
        _check_values(
            package, name, u.values if u.values is not None else [u.low, u.high], source, f"uncertainties.{name}"
        )


def _check_table(points: list[dict[str, Any]], package: dict[str, Any], path: Path) -> None:
    """Each column of a design table must be a valid override at its smallest and largest value."""
    for name in points[0]:
        values = [p[name] for p in points]
        _check_values(package, name, [min(values), max(values)], str(path), name)


def _check_values(package: dict[str, Any], name: str, values: list[Any], source: str, key: str) -> None:
    for v in values:
        try:
            scenario_from_dict(apply_overrides(package, {name: v}, source), source)
        except InputError as exc:
            raise InputError(
                f"not a valid parameter value ({exc.detail})",
                source=source,
                key=key,
                value=v,
                allowed=exc.allowed or "a parameter path valid in a scenario",
            ) from None


def _check_keep(keep: Keep, source: str) -> None:
    codes = [r.code for r in load_regions()]
    for key, given, allowed in (("indicators", keep.indicators, INDICATORS), ("countries", keep.countries, codes)):
        bad = [x for x in given or [] if x not in allowed]
        if bad:
            raise InputError("unknown name", source=source, key=f"keep.{key}", value=bad[0], allowed=", ".join(allowed))


def _check_precision(p: Precision, spec: ExperimentSpec, n_points: int, source: str) -> None:
    """The [precision] table must name comparable indicators the store keeps, a baseline
    and at least one other scenario, a kept country, and a budget the first round fits in."""
    kept = spec.keep.indicators
    for name in p.indicators:
        if name not in COMPARABLE or (kept is not None and name not in kept):
            allowed = ", ".join(c for c in COMPARABLE if kept is None or c in kept)
            raise InputError(
                "is not an indicator the store keeps and can compare"
                if kept
                else "is not an indicator that can be compared",
                source=source,
                key="precision.indicators",
                value=name,
                allowed=allowed or "an indicator listed in [keep] indicators",
            )
    if p.baseline not in spec.scenarios or len(spec.scenarios) < 2:
        raise InputError(
            "needs a baseline scenario and at least one other",
            source=source,
            key="precision.baseline",
            value=p.baseline,
            allowed=f"one of {', '.join(spec.scenarios)}, with another scenario to compare with it",
        )
    codes = [r.code for r in load_regions()]
    if p.country not in codes or (spec.keep.countries is not None and p.country not in spec.keep.countries):
        raise InputError(
            "is not a country the store keeps",
            source=source,
            key="precision.country",
            value=p.country,
            allowed=", ".join(c for c in codes if spec.keep.countries is None or c in spec.keep.countries),
        )
    if 1 < n_points < MIN_PAIRS:
        # with several points the design point is the unit of the test: more replicates
        # cannot make an effect estimable from fewer than MIN_PAIRS of them
        raise InputError(
            "no number of replicates makes the focal effects estimable at this many design points",
            source=source,
            key="design.samples",
            value=n_points,
            allowed=f"one design point, or at least {MIN_PAIRS} (the fewest an effect over the uncertainties is "
            "estimated from)",
        )
    first = len(spec.scenarios) * n_points * spec.replicates
    if p.max_runs < first:
        raise InputError(
            "the run budget is smaller than the experiment's own runs",
            source=source,
            key="precision.max_runs",
            value=p.max_runs,
            allowed=f"at least {first:,} ({len(spec.scenarios)} scenarios x {n_points} design points x "
            f"{spec.replicates} replicates) and at most {MAX_RUNS:,}",
        )


def build_scenario(run: RunSpec) -> Scenario:
    """The validated scenario of one run."""
    return scenario_from_dict(run.scenario_data, run.run_id)
