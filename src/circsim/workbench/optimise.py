"""The best package of levers under a yearly budget: a multi-objective search over lever
intensities, then the non-dominated packages re-simulated with fresh seeds.

An experiment file with an ``[optimise]`` table names a *package* (one of its scenarios,
with the levers switched on and their fixed settings), the lever settings the search
varies and their ranges, the *outcome* (an indicator of the registry, whose ``better``
direction says which way is an improvement), the yearly *budget* in 億円 and the
*robust* statistic::

    [optimise]
    outcome = "researchers"
    package = "package"
    budget = 300                  # 億円 a year; circsim optimise --budget overrides it
    robust = "mean"               # or a low quantile over the uncertainty draws, e.g. 0.1
    population = 16
    generations = 8
    samples = 4                   # uncertainty draws per candidate in the search
    replicates = 10               # fresh draws per front package afterwards
    front_points = 8              # front packages re-simulated, at most (spread along the front)
    [optimise.levers]
    "levers.overseas_fellowships.fellows_per_year" = {low = 0, high = 3000}

**The search.** NSGA-II (platypus) with two objectives: maximise the package's *robust
improvement* over the baseline (the outcome's effect, signed so that larger is better,
averaged over the draws or their low quantile) and minimise its *yearly cost*, under the
constraint cost <= budget. Each candidate runs at the same ``samples`` draws of the
uncertainties (the experiment's design, redrawn with that many points) with the same
seeds as the baseline, so every difference is paired (common random numbers); every
generation is one resumable result store under ``OUT/search/``, so a killed search
resumes without running anything again. Everything random comes from the experiment's
seed: the same file gives the same search.

**The front.** The search's estimates of its best packages are biased upwards (they
were chosen for being high, noise included), so the non-dominated packages within the
budget (of every generation; at most ``front_points`` of them, spread along the front by
crowding distance, the cheapest and the best always kept) are run again, with the
baseline, at ``replicates`` fresh draws with fresh seeds (``OUT/front-*``): each gets the
paired effect with its 95% interval (:func:`~circsim.workbench.compare.paired_effect`)
and its yearly cost.

**The yearly cost** of a package is its most expensive year: each year's lever cost of
the country (the model's own accounting, ``lever_cost_yen``) averaged over the package's
runs, beyond the baseline's, and the largest of those, because a budget must hold in
every year, including the later ones where fellowships and guaranteed posts have built
up. Averaging each year before taking the largest keeps the run-to-run noise of the
levers that pay for people (whole agents at a coarse scale) from raising the cost.

The simulation step is a function (:data:`Simulate`): :class:`ModelSimulator` runs the
model on the batch runner; tests put a cheap function with a known optimum in its place.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from ..errors import InputError, ResourceError
from ..sim.indicators import REGISTRY
from ..sim.input_files import read_toml
from ..sim.inputs import load_regions
from ..sim.scenario import apply_overrides, scenario_from_dict, validation_error
from ..sim.units import format_change, format_interval, format_level, number
from .catalog import lever_classes
from .compare import ESTIMABLE, LEVEL, paired_effect
from .experiment import Experiment, Keep, _check_values, _Strict, design_points, load_experiment
from .runner import run_experiment
from .store import ResultStore, atomic_write_text

#: Yen in one 億円, the unit of budgets and yearly costs.
YEN_PER_OKU = 1e8
#: How to install the optional dependency, as the error line says it.
INSTALL = "pip install 'circsim[optimise]' (in a checkout: .venv/bin/pip install -e '.[optimise]')"
#: A searchable setting: ``levers.NAME.SETTING``.
_LEVER_PATH = re.compile(r"levers\.([A-Za-z_]\w*)\.([A-Za-z_]\w*)")
#: Designs whose points are draws of the uncertainties (the others are grids for sensitivity).
DRAW_DESIGNS = ("none", "latin_hypercube", "table")
#: The package index of the baseline's runs in a :data:`Simulate` table.
BASELINE = -1


class LeverRange(_Strict):
    """The range a lever setting is searched over."""

    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> LeverRange:
        if not self.low < self.high:
            raise ValueError("needs low < high")
        return self


class OptimiseSettings(_Strict):
    """The ``[optimise]`` table of an experiment file."""

    outcome: str = Field(description="an indicator of the registry with a better direction")
    levers: dict[str, LeverRange] = Field(min_length=1, max_length=20, description="levers.NAME.SETTING = {low, high}")
    budget: float | None = Field(None, gt=0, le=1e7, description="yearly cost cap, 億円 a year")
    robust: Literal["mean"] | float = Field("mean", description="mean, or a low quantile (0 < q <= 0.5)")
    package: str | None = Field(
        None, description="scenario whose levers are searched; default: the one besides the baseline"
    )
    baseline: str = Field("baseline", description="scenario the package is compared against")
    country: str = Field("JP", description="country of the outcome and the cost")
    year: int | None = Field(None, ge=1990, le=2150, description="year of the outcome; default: the last year")
    population: int = Field(16, ge=4, le=1000, description="candidates a generation")
    generations: int = Field(8, ge=1, le=1000, description="generations, the first one random")
    samples: int = Field(4, ge=1, le=1000, description="uncertainty draws per candidate in the search")
    replicates: int = Field(10, ge=1, le=10_000, description="fresh draws per front package")
    front_points: int = Field(8, ge=2, le=200, description="front packages re-simulated, at most")

    @field_validator("robust", mode="before")
    @classmethod
    def _robust(cls, value: Any) -> Any:
        # before the union's own checks, whose messages would name its members
        quantile = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 0.5
        if value != "mean" and not quantile:
            raise ValueError('needs "mean" or a low quantile, a number with 0 < q <= 0.5')
        return float(value) if quantile else value

    @model_validator(mode="after")
    def _check(self) -> OptimiseSettings:
        if self.population * self.generations * self.samples > 1_000_000:
            raise ValueError("the search is too large: population x generations x samples over 1,000,000 runs")
        return self


@dataclass
class Optimisation:
    """A loaded experiment file with an ``[optimise]`` table, checked and resolved."""

    experiment: Experiment
    settings: OptimiseSettings
    budget: float  # 億円 a year
    package: str
    year: int
    #: Searched settings that take whole numbers (the candidates are rounded).
    integer: dict[str, bool]

    @property
    def source(self) -> str:
        """The experiment file, as errors name it."""
        return str(self.experiment.path)

    @property
    def paths(self) -> list[str]:
        """The searched lever settings, in file order."""
        return list(self.settings.levers)

    @property
    def sign(self) -> float:
        """+1 where a higher outcome is better, -1 where lower is."""
        return 1.0 if REGISTRY[self.settings.outcome].better == "higher" else -1.0

    def candidate(self, values: list[float]) -> dict[str, float]:
        """Lever settings from the search's variables, whole numbers where the setting needs one."""
        return {p: float(round(v)) if self.integer[p] else float(v) for p, v in zip(self.paths, values, strict=True)}

    def package_data(self, candidate: dict[str, float]) -> dict[str, Any]:
        """The package's scenario data with a candidate's settings."""
        values = {p: int(v) if self.integer[p] else v for p, v in candidate.items()}
        return apply_overrides(self.experiment.packages[self.package], values, self.source)

    def robust(self, improvement: np.ndarray) -> float:
        """The robust statistic of a candidate's improvements over its draws."""
        q = self.settings.robust
        return float(improvement.mean() if q == "mean" else np.quantile(improvement, q))


def load_optimisation(path: str | Path, budget: float | None = None) -> Optimisation:
    """Load and check an experiment file with an ``[optimise]`` table; ``budget`` (億円 a
    year) overrides the file's. Problems raise InputError naming file, key and value."""
    path = Path(path)
    source = str(path)
    data = read_toml(path)
    raw = data.pop("optimise", None)
    if not isinstance(raw, dict):
        raise InputError(
            "needs an [optimise] table" if raw is None else "is not a table",
            source=source,
            key=None if raw is None else "optimise",
            allowed="[optimise] with outcome, budget and [optimise.levers] ranges (see scenarios/portfolio.toml)",
        )
    try:
        settings = OptimiseSettings.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc, source, OptimiseSettings, prefix="optimise") from None
    exp = load_experiment(path, data)
    if exp.spec.design.method not in DRAW_DESIGNS:
        raise InputError(
            "the search draws the uncertainties; this design is a grid",
            source=source,
            key="design.method",
            value=exp.spec.design.method,
            allowed=", ".join(DRAW_DESIGNS),
        )
    budget = budget if budget is not None else settings.budget
    if budget is None:
        raise InputError(
            "no budget", source=source, key="optimise.budget", allowed="a yearly cost cap in 億円 (or --budget)"
        )
    _check_outcome(settings, source)
    package = _package(settings, exp, source)
    scenario = scenario_from_dict(exp.packages[package], source)
    first, last = scenario.model.start_year, scenario.model.end_year
    year = last if settings.year is None else settings.year
    if not first <= year <= last:
        raise InputError("outside the horizon", source=source, key="optimise.year", value=year,
                         allowed=f"{first}-{last}")  # fmt: skip
    codes = [r.code for r in load_regions()]
    if settings.country not in codes:
        raise InputError("unknown country", source=source, key="optimise.country", value=settings.country,
                         allowed=", ".join(codes))  # fmt: skip
    active = scenario.levers.active()
    integer = {
        p: _check_lever(p, r, active, exp.packages[package], package, source) for p, r in settings.levers.items()
    }
    return Optimisation(exp, settings, float(budget), package, year, integer)


def _check_outcome(settings: OptimiseSettings, source: str) -> None:
    ranked = [n for n, ind in REGISTRY.items() if ind.better is not None]
    if settings.outcome not in ranked:
        raise InputError(
            "not an indicator with a better direction",
            source=source,
            key="optimise.outcome",
            value=settings.outcome,
            allowed=", ".join(ranked),
        )


def _package(settings: OptimiseSettings, exp: Experiment, source: str) -> str:
    """The searched scenario; the baseline must be a scenario too."""
    names = exp.scenario_names
    if settings.baseline not in names:
        raise InputError("no such scenario", source=source, key="optimise.baseline", value=settings.baseline,
                         allowed=", ".join(names))  # fmt: skip
    others = [n for n in names if n != settings.baseline]
    if settings.package is None:
        if len(others) != 1:
            raise InputError(
                "which scenario is the package?",
                source=source,
                key="optimise.package",
                allowed="one of " + ", ".join(others) if others else "a [scenarios.NAME] table besides the baseline",
            )
        return others[0]
    if settings.package not in others:
        raise InputError("no such scenario besides the baseline", source=source, key="optimise.package",
                         value=settings.package, allowed=", ".join(others) or "none")  # fmt: skip
    return settings.package


def _check_lever(
    path: str, rng: LeverRange, active: dict[str, Any], package: dict[str, Any], name: str, source: str
) -> bool:
    """A searched setting must be a number of a lever the package switches on, valid at both
    ends of its range (whole numbers for an integer setting). Returns whether it is one."""
    key = f"optimise.levers.{path}"
    match = _LEVER_PATH.fullmatch(path)
    classes = lever_classes()
    if not match or match[1] not in classes:
        raise InputError("not a lever setting", source=source, key=key,
                         allowed="levers.NAME.SETTING with NAME one of " + ", ".join(classes))  # fmt: skip
    lever, setting = match[1], match[2]
    info = classes[lever].model_fields.get(setting)
    numeric = [s for s, f in classes[lever].model_fields.items() if f.annotation in (int, float)]
    if info is None or info.annotation not in (int, float):
        raise InputError("not a numeric setting of the lever", source=source, key=key,
                         allowed=", ".join(numeric))  # fmt: skip
    if lever not in active:
        raise InputError(
            f"the package (scenario {name!r}) does not switch this lever on",
            source=source,
            key=key,
            allowed=f"a lever with a [levers.{lever}] table in the package, or one of: {', '.join(active) or 'none'}",
        )
    integer = info.annotation is int
    ends: list[float | int] = [rng.low, rng.high]
    if integer:
        if not all(float(v).is_integer() for v in ends):
            raise InputError("an integer setting needs whole-number bounds", source=source, key=key,
                             value=[rng.low, rng.high])  # fmt: skip
        ends = [int(v) for v in ends]
    _check_values(package, path, ends, source, key)
    return integer


def plan(opt: Optimisation) -> str:
    """The runs the search and the front take, in words."""
    s = opt.settings
    search = s.population * s.generations * s.samples
    return (
        f"{opt.experiment.spec.name}: NSGA-II over {len(opt.paths)} lever settings of scenario {opt.package!r}, "
        f"{s.population} candidates x {s.generations} generations x {s.samples} draws = up to {search:,} runs "
        f"(+{s.samples} baseline), then up to {s.front_points} front packages and the baseline at {s.replicates} "
        f"fresh draws; budget "
        f"{number(opt.budget)} 億円 a year; outcome {s.outcome} ({REGISTRY[s.outcome].better} is better), "
        f"{s.country} {opt.year}, robust: {robust_words(s.robust)}"
    )


def robust_words(robust: str | float) -> str:
    """The robust statistic in words."""
    return "the mean over the draws" if robust == "mean" else f"the {robust:g} quantile over the draws"


# --- simulation --------------------------------------------------------------------

#: The simulation step: ``(candidates, draws, seed, name) -> per-run values``. Each
#: candidate (lever settings by path) and the baseline run at ``draws`` draws of the
#: uncertainties with seeds from ``seed``; the result has one row per run with the
#: columns ``package`` (the candidate's index, :data:`BASELINE` for the baseline),
#: ``draw`` (the same draw and seed for every package: the pairing), ``outcome`` and
#: ``cost`` (the run's lever cost in each year, 億円: an array over the years, or one
#: number for a cost that is the same every year). ``name`` says what the runs are for
#: (``search/gen-003``, ``front``).
Simulate = Callable[[list[dict[str, float]], int, int, str], pd.DataFrame]


def draws(exp: Experiment, n: int, seed: int) -> tuple[list[dict[str, Any]], int]:
    """``n`` draws of the experiment's uncertainties from ``seed``: (design points,
    replicates). Without uncertainties, one point and ``n`` replicates (fresh seeds)."""
    spec = exp.spec
    if spec.design.method == "none":
        return [{}], n
    design = spec.design.model_copy(update={"samples": n, "seed": seed})
    return design_points(spec.model_copy(update={"design": design}), str(exp.path)), 1


@dataclass
class ModelSimulator:
    """The model on the batch runner: each call is a resumable result store under ``out``
    (the baseline's runs at the same draws and seed are one store, shared by the calls).
    ``run`` runs an experiment into a store: :func:`run_experiment`, with the executor's
    settings bound (``functools.partial``)."""

    optimisation: Optimisation
    out: Path
    run: Callable[[Experiment, Path], ResultStore] = run_experiment
    _baselines: dict[tuple[int, int], pd.DataFrame] = field(default_factory=dict)

    def __call__(self, candidates: list[dict[str, float]], n: int, seed: int, name: str) -> pd.DataFrame:
        """Run the candidates (and, once per draws and seed, the baseline); values per run."""
        opt = self.optimisation
        points, replicates = draws(opt.experiment, n, seed)
        if (n, seed) not in self._baselines:
            base = {"baseline": opt.experiment.packages[opt.settings.baseline]}
            self._baselines[n, seed] = self._simulate(base, {}, points, replicates, seed, f"baseline-n{n}-s{seed}")
        packages = {f"c{k:03d}": opt.package_data(c) for k, c in enumerate(candidates)}
        settings = {f"c{k:03d}": c for k, c in enumerate(candidates)}
        runs = self._simulate(packages, settings, points, replicates, seed, name)
        return pd.concat([self._baselines[n, seed], runs], ignore_index=True)

    def _simulate(
        self,
        packages: dict[str, dict[str, Any]],
        settings: dict[str, dict[str, float]],
        points: list[dict[str, Any]],
        replicates: int,
        seed: int,
        name: str,
    ) -> pd.DataFrame:
        """One store of ``packages`` at the draws: ``out/NAME-DIGEST`` (the digest of what
        it runs, so a changed search writes new stores and never meets a different one)."""
        opt = self.optimisation
        keep = Keep(indicators=[opt.settings.outcome, "lever_cost_yen"], countries=[opt.settings.country], flows=False)
        note = f"circsim optimise, {name}: {json.dumps(settings or list(packages))}"
        exp = opt.experiment.variant(points, note, packages, replicates=replicates, seed=seed, keep=keep)
        digest = hashlib.sha256(exp.text.encode("utf-8")).hexdigest()[:12]
        store = self.run(exp, self.out / f"{name}-{digest}")
        return run_table(store, opt, replicates)


def run_table(store: ResultStore, opt: Optimisation, replicates: int) -> pd.DataFrame:
    """A store's runs as a :data:`Simulate` table; a failed run is an error (its message
    is in the store's journal)."""
    runs = store.runs()
    failed = runs[runs["status"] != "done"]
    if not failed.empty:
        raise ResourceError(
            f"{len(failed)} model runs failed (e.g. {failed['run_id'].iloc[0]}; errors in journal.jsonl)",
            source=str(store.path),
        )
    ind = store.indicators()
    ind = ind[ind["country"] == opt.settings.country]
    outcome = ind[(ind["indicator"] == opt.settings.outcome) & (ind["year"] == opt.year)].set_index("run_id")["value"]
    costs = ind[ind["indicator"] == "lever_cost_yen"].sort_values("year").groupby("run_id")["value"]
    cost = costs.agg(lambda v: v.to_numpy(float) / YEN_PER_OKU)
    package = runs["scenario"].map(lambda s: BASELINE if s == "baseline" else int(s[1:]))
    return pd.DataFrame(
        {
            "package": package.to_numpy(),
            "draw": (runs["point"] * replicates + runs["replicate"]).to_numpy(),
            "outcome": runs["run_id"].map(outcome).to_numpy(float),
            "cost": runs["run_id"].map(cost).to_numpy(object),
        }
    )


def _mean_path(costs: pd.Series) -> np.ndarray:
    """Each year's cost averaged over the runs (a number if the runs give one each)."""
    return np.mean(np.stack(costs.to_list()), axis=0)


def paired(table: pd.DataFrame, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Candidate ``k``'s outcomes and the baseline's at the same draws, and its yearly cost
    (the most expensive year of its cost averaged over its runs, beyond the baseline's)."""
    base = table[table["package"] == BASELINE].set_index("draw")
    mine = table[table["package"] == k].set_index("draw")
    both = mine.index.intersection(base.index)
    cost = float(np.max(_mean_path(mine["cost"]) - _mean_path(base["cost"])))
    return mine.loc[both, "outcome"].to_numpy(float), base.loc[both, "outcome"].to_numpy(float), cost


# --- the search --------------------------------------------------------------------


def platypus() -> ModuleType:
    """The platypus module; ResourceError, with the install command, if it is not installed."""
    try:
        return importlib.import_module("platypus")
    except ImportError:
        raise ResourceError(
            f"the search needs platypus (Platypus-Opt), an optional extra; install it with {INSTALL}"
        ) from None


@dataclass
class _Search:
    """The evaluations of the search: one :data:`Simulate` call a generation, each
    candidate's row (settings, generation, robust improvement, yearly cost) kept by its settings."""

    optimisation: Optimisation
    simulate: Simulate
    log: Callable[[str], None]
    rows: dict[tuple[float, ...], dict[str, Any]] = field(default_factory=dict)
    calls: int = 0

    def generation(self, variables: list[list[float]]) -> None:
        """Simulate a generation's new candidates (at the search's draws and seed)."""
        opt, s = self.optimisation, self.optimisation.settings
        candidates = {tuple(c.values()): c for c in map(opt.candidate, variables)}
        new = [c for key, c in candidates.items() if key not in self.rows]
        self.calls += 1
        if new:
            table = self.simulate(new, s.samples, opt.experiment.spec.seed, f"search/gen-{self.calls:03d}")
            for k, cand in enumerate(new):
                a, b, cost = paired(table, k)
                self.rows[tuple(cand.values())] = {
                    **cand, "generation": self.calls, "robust": opt.robust(opt.sign * (a - b)), "yearly_cost_oku": cost,
                }  # fmt: skip
        within = [r for r in map(self.rows.get, candidates) if r["yearly_cost_oku"] <= opt.budget]
        best = max(within, key=lambda r: r["robust"], default=None)
        self.log(
            f"generation {self.calls}/{s.generations}: {len(candidates)} candidates ({len(new)} new), "
            f"{len(within)} within the budget"
            + (f"; best robust improvement {number(best['robust'])} at {number(best['yearly_cost_oku'])} 億円 a year"
               if best else "")
        )  # fmt: skip

    def objectives(self, variables: list[float]) -> tuple[list[float], list[float]]:
        """(robust improvement, yearly cost), (cost - budget): platypus's problem function."""
        row = self.rows[tuple(self.optimisation.candidate(variables).values())]
        return [row["robust"], row["yearly_cost_oku"]], [row["yearly_cost_oku"] - self.optimisation.budget]


def search(opt: Optimisation, simulate: Simulate, log: Callable[[str], None] = print) -> tuple[pd.DataFrame, list]:
    """NSGA-II over the lever settings: every candidate evaluated (a row each) and the
    non-dominated packages within the budget (their settings), cheapest first."""
    # platypus's NSGA-II rather than EMA Workbench's optimize(): EMA would run each
    # candidate through its own evaluator, while here a whole generation goes to the batch
    # runner as one resumable store (local pool, Dask or serial) and the baseline's runs
    # at the same seeds are shared by every candidate
    pl = platypus()
    s = opt.settings
    state = _Search(opt, simulate, log)
    problem = pl.Problem(len(opt.paths), 2, 1, state.objectives)
    problem.types[:] = [pl.Real(r.low, r.high) for r in s.levers.values()]
    problem.directions[:] = [pl.Direction.MAXIMIZE, pl.Direction.MINIMIZE]
    problem.constraints[:] = "<=0"

    def by_generation(fn: Callable, jobs: list) -> list:
        """platypus's map: simulate the generation in one batch, then let it read the results."""
        state.generation([list(j.solution.variables) for j in jobs])
        return [fn(j) for j in jobs]

    archive = pl.Archive()  # the non-dominated of every generation, not only the last
    algorithm = pl.NSGAII(problem, s.population, evaluator=pl.MapEvaluator(by_generation), archive=archive)
    saved = random.getstate()  # platypus draws from the random module: seed it, then put it back
    random.seed(opt.experiment.spec.seed)
    try:
        for _ in range(s.generations):
            algorithm.step()
    finally:
        random.setstate(saved)
    # one solution per package (settings rounded to whole numbers can meet), within the budget
    unique = {tuple(opt.candidate(list(x.variables)).values()): x for x in archive if x.feasible}
    feasible = list(unique.values())
    # at most front_points of them, spread along the front: platypus drops the most crowded
    # one at a time (crowding distance); the cheapest and the best are never dropped
    pl.nondominated_sort(feasible)
    kept = [opt.candidate(list(x.variables)) for x in pl.nondominated_prune(feasible, s.front_points)]
    chosen = sorted(kept, key=lambda c: state.rows[tuple(c.values())]["yearly_cost_oku"])
    return pd.DataFrame(list(state.rows.values())), chosen


# --- the front ---------------------------------------------------------------------


@dataclass
class OptimiseResult:
    """What the search found and the front re-simulated."""

    optimisation: Optimisation
    #: Every candidate searched: its settings, generation, robust improvement, yearly cost.
    evaluated: pd.DataFrame
    #: The non-dominated packages within the budget: settings, cost and paired effect.
    front: pd.DataFrame

    def best(self) -> pd.Series | None:
        """The front package within the budget (re-simulated cost) with the largest mean
        improvement, or None."""
        f = self.front[self.front["within_budget"]]
        if f.empty:
            return None
        return f.loc[(self.optimisation.sign * f["effect"]).idxmax()]


def resimulate(
    opt: Optimisation, front: list[dict[str, float]], evaluated: pd.DataFrame, simulate: Simulate
) -> pd.DataFrame:
    """Each front package and the baseline at ``replicates`` fresh draws with fresh seeds:
    yearly cost and the paired effect with its interval, and whether it is distinguishable
    from zero (estimable, interval excluding 0)."""
    s = opt.settings
    columns = [*opt.paths, "yearly_cost_oku", "within_budget", "n_pairs", "status", "baseline", "effect", "lo", "hi",
               "p_value", "distinguishable", "search_robust", "search_cost_oku"]  # fmt: skip
    if not front:
        return pd.DataFrame(columns=columns)
    table = simulate(front, s.replicates, opt.experiment.spec.seed + 1, "front")  # + 1: fresh seeds, as calibrate's
    searched = {tuple(r[p] for p in opt.paths): r for r in evaluated.to_dict("records")}
    rows = []
    for k, cand in enumerate(front):
        a, b, cost = paired(table, k)
        eff = paired_effect(a, b)
        row = searched[tuple(cand.values())]
        rows.append({
            **cand, "yearly_cost_oku": cost, "within_budget": cost <= opt.budget, "n_pairs": eff["n_pairs"],
            "status": eff["status"], "baseline": eff["baseline"], "effect": eff["mean"], "lo": eff["lo"],
            "hi": eff["hi"], "p_value": eff["p_value"],
            "distinguishable": eff["status"] == ESTIMABLE and not eff["lo"] <= 0 <= eff["hi"],
            "search_robust": row["robust"], "search_cost_oku": row["yearly_cost_oku"],
        })  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def optimise(opt: Optimisation, simulate: Simulate, log: Callable[[str], None] = print) -> OptimiseResult:
    """The search, then the front re-simulated; ``simulate`` runs the packages (the model:
    a :class:`ModelSimulator`; tests put a cheap function with a known optimum there)."""
    evaluated, front = search(opt, simulate, log)
    log(f"front: {len(front)} non-dominated packages within the budget, each at {opt.settings.replicates} fresh draws")
    return OptimiseResult(opt, evaluated, resimulate(opt, front, evaluated, simulate))


# --- outputs -----------------------------------------------------------------------


def package_words(opt: Optimisation, row: pd.Series) -> str:
    """A package's settings in words: ``overseas_fellowships fellows_per_year 1,200, ...``."""
    return ", ".join(f"{p.removeprefix('levers.').replace('.', ' ')} {number(float(row[p]))}" for p in opt.paths)


def effect_words(opt: Optimisation, row: pd.Series) -> str:
    """A front package's effect with its interval, or why there is none."""
    unit = REGISTRY[opt.settings.outcome].unit
    if row["status"] != ESTIMABLE:
        return f"{format_change(unit, row['effect'])} (not estimable: {row['status']})"
    text = format_interval(unit, row["effect"], row["lo"], row["hi"])
    return text if row["distinguishable"] else f"{text}, not distinguishable from zero"


def no_package_words(result: OptimiseResult) -> str:
    """Why there is no best package under the budget."""
    budget = f"{number(result.optimisation.budget)} 億円 a year"
    if result.front.empty:
        return f"No package searched stays within {budget}."
    return (
        f"None of the {len(result.front)} front packages stays within {budget} when run again with fresh seeds: "
        "their cost moves from run to run (levers that pay for people cost what the runs draw); more samples "
        "or a finer scale firm it up."
    )


def summary(result: OptimiseResult) -> str:
    """``optimise.md``: what was searched, the budget, the robust statistic and the best
    package under the budget in plain words."""
    opt, s = result.optimisation, result.optimisation.settings
    ind = REGISTRY[s.outcome]
    ranges = pd.DataFrame(
        [{"lever setting": p, "low": number(r.low), "high": number(r.high), "whole numbers": opt.integer[p]}
         for p, r in s.levers.items()]
    )  # fmt: skip
    lines = [
        f"# The best package under a budget: {opt.experiment.spec.name}",
        "",
        f"Searched: the settings below of scenario `{opt.package}` against `{s.baseline}` "
        f"({opt.experiment.path}), for **{ind.label}** of {s.country} in {opt.year} ({ind.better} is better), "
        f"under a budget of **{number(opt.budget)} 億円 a year** (a package's yearly cost is its lever cost in "
        f"its most expensive year, each year's averaged over its runs).",
        "",
        ranges.to_markdown(index=False),
        "",
        f"NSGA-II (platypus): {s.population} candidates x {s.generations} generations, {len(result.evaluated)} "
        f"packages evaluated, each at {s.samples} draws of the uncertainties paired with the baseline (common "
        f"random numbers); robust statistic: {robust_words(s.robust)}. The {len(result.front)} non-dominated "
        f"packages within the budget were run again at {s.replicates} fresh draws with fresh seeds; effects are "
        f"paired differences from the baseline with {LEVEL:.0%} t intervals.",
        "",
    ]
    best = result.best()
    if best is None:
        lines.append(no_package_words(result))
    else:
        lines.append(
            f"**Best under the budget**: {package_words(opt, best)}, at "
            f"{format_level('yen', best['yearly_cost_oku'] * YEN_PER_OKU)} a year; it changes "
            f"{ind.label.lower()} by {effect_words(opt, best)} against the baseline ({int(best['n_pairs'])} pairs)."
        )
        if best["status"] == ESTIMABLE and not best["distinguishable"]:
            lines += ["", "Its effect is not told apart from zero: more replicates, or a finer scale, may settle it."]
    if not result.front.empty:
        shown = result.front.assign(
            package=[package_words(opt, r) for _, r in result.front.iterrows()],
            cost=[number(c) for c in result.front["yearly_cost_oku"]],
            effect=[effect_words(opt, r) for _, r in result.front.iterrows()],
        )[["package", "cost", "within_budget", "effect"]]
        lines += ["", "The front (cost in 億円 a year):", "", shown.to_markdown(index=False)]
    lines += ["", "Files: `front.csv` (the front), `search.csv` (every package searched), `pareto.png`."]
    return "\n".join(lines) + "\n"


def write_outputs(result: OptimiseResult, out: str | Path) -> list[Path]:
    """front.csv, search.csv, pareto.png and optimise.md in ``out``."""
    from .figures import pareto

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "front.csv", out / "search.csv"]
    atomic_write_text(paths[0], result.front.to_csv(index=False))
    atomic_write_text(paths[1], result.evaluated.to_csv(index=False))
    paths.append(pareto(result, out / "pareto.png"))
    atomic_write_text(out / "optimise.md", summary(result))
    return [*paths, out / "optimise.md"]
