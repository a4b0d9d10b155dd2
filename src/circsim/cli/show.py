"""``circsim show``: what a scenario or experiment file resolves to, and what its levers cost."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .parser import Commands, add_command, number, path, seed
from .tables import print_table

if TYPE_CHECKING:
    from ..sim.scenario import Scenario

EXAMPLES = """examples:
  circsim show scenarios/combined.toml
  circsim show scenarios/levers.toml
  circsim show scenarios/fellowships.toml --scale 100 --seed 3   # a finer costing run
  circsim show scenarios/levers.toml --no-cost                    # no model run at all"""


def register(commands: Commands) -> None:
    """Declare ``circsim show``."""
    cmd = add_command(
        commands,
        "show",
        "show what a scenario or experiment file resolves to: values, active levers, yearly lever cost",
        "A scenario file: the parameter values it sets (over the raw defaults and the calibrated\n"
        "values), its active levers with every setting, and the yearly cost of each lever in\n"
        "億円. An experiment file: its runs, uncertainties and design, each scenario's levers\n"
        "and the yearly cost of each scenario. The cost is the model's own accounting, from one\n"
        "run at a coarse scale (default 1 agent = 500 researchers, about a second a scenario):\n"
        "the levers that pay for people (fellows, guaranteed posts, research time, stipends)\n"
        "cost what the simulated population draws, so it varies a little with --scale and --seed.",
        EXAMPLES,
    )
    cmd.add_argument("file", type=path, metavar="FILE", help="a scenario or experiment file (TOML)")
    cmd.add_argument("--scale", type=number, default=500.0, metavar="S", help="scale of the costing run (default: 500)")
    cmd.add_argument("--seed", type=seed, default=0, metavar="N", help="seed of the costing run (default: 0)")
    cmd.add_argument("--no-cost", action="store_true", help="skip the costing run")
    cmd.set_defaults(handler=show_command)


def _oku(yen: float) -> str:
    from ..sim.units import SCALES, number

    return number(yen * SCALES["yen"].factor)


def _run_line(s: Scenario) -> str:
    from ..sim.inputs import calibrated_values

    p = s.model
    calibrated = "on the raw defaults"
    if s.calibrated:
        calibrated = "on the calibrated values of data/calibrated.toml" if calibrated_values() else (
            "on the raw defaults (no calibration is committed)")  # fmt: skip
    return (
        f"Runs {p.start_year}-{p.end_year} after {p.burn_in_years} burn-in years, at scale {p.scale:g} "
        f"(1 agent = {p.scale:g} researchers), focal country {p.focal_country}, {calibrated}."
    )


def _cost_note(args: argparse.Namespace) -> str:
    return (
        f"as the model computes it, from one run at scale {args.scale:g}, seed {args.seed}; levers that pay "
        "for people cost what that run's population draws"
    )


def show_scenario(args: argparse.Namespace) -> None:
    """Print a scenario file's values, levers and yearly lever costs."""
    from ..sim.input_files import read_toml
    from ..sim.scenario import load_scenario
    from ..workbench.catalog import lever_classes, summary
    from ..workbench.describe import costed_years, lever_settings, resolved_values, yearly_costs

    scenario = load_scenario(args.file)
    print(f"{args.file}: scenario {scenario.name!r}")
    if scenario.description:
        print(scenario.description)
    print(_run_line(scenario))
    print_table(resolved_values(scenario, read_toml(args.file)), "Values set (over the raw defaults):")
    settings = lever_settings(scenario)
    classes = lever_classes()
    for lever, table in settings.groupby("lever", sort=False):
        print_table(table.drop(columns="lever"), f"Lever {lever}: {summary(classes[lever])}")
    if settings.empty:
        print("\nNo lever is active.")
    if args.no_cost or settings.empty:
        return
    costs = costed_years(yearly_costs(scenario, args.scale, args.seed))
    shown = costs.assign(total=costs.sum(axis=1)).map(_oku).reset_index()
    print_table(shown, f"Yearly cost of the active levers, 億円 ({_cost_note(args)}):", None)


def show_experiment(args: argparse.Namespace) -> None:
    """Print an experiment file's runs, uncertainties, scenarios and their yearly costs."""
    import pandas as pd

    from ..sim.scenario import scenario_from_dict
    from ..workbench.describe import (
        changed_settings,
        costed_years,
        flat_values,
        resolved_values,
        toml_value,
        yearly_costs,
    )
    from ..workbench.experiment import load_experiment
    from ..workbench.precision import describe

    exp = load_experiment(args.file)
    spec = exp.spec
    scenarios = {
        name: scenario_from_dict(data, f"{args.file} [scenarios.{name}]") for name, data in exp.packages.items()
    }
    first = next(iter(scenarios.values()))
    print(f"{args.file}: experiment {spec.name!r}")
    if spec.description:
        print(spec.description)
    print(
        f"{len(exp.runs)} runs: {len(scenarios)} scenarios x {len(exp.points)} design points ({spec.design.method}) "
        f"x {spec.replicates} replicates, seed {spec.seed}. {_run_line(first)}"
    )
    if spec.precision is not None:
        print(f"Precision on demand: {describe(spec.precision)}.")
    values = flat_values(first)
    unc = pd.DataFrame(
        [
            {"uncertainty": name,
             "range": f"{u.low:g} to {u.high:g}" if u.values is None else ", ".join(map(str, u.values)),
             "in the scenario files": toml_value(values.get(name if "." in name else f"model.{name}", ""))}
            for name, u in spec.uncertainties.items()
        ],
        columns=["uncertainty", "range", "in the scenario files"],
    )  # fmt: skip
    print_table(unc, "Uncertainties:")
    common = resolved_values(first, exp.packages[next(iter(exp.packages))])
    print_table(common, f"Values set in every scenario (baseline {spec.baseline}, the experiment's run settings):")
    rows = []
    for name, s in scenarios.items():
        own = {k: v for k, v in flat_values(s).items() if v != values[k]}
        rows.append({
            "scenario": name,
            "levers (settings other than the defaults)": "; ".join(
                f"{lever}: {changed_settings(lv)}" for lever, lv in s.levers.active().items()) or "none",
            "other values": ", ".join(f"{k}={toml_value(v)}" for k, v in own.items()),
        })  # fmt: skip
    print_table(pd.DataFrame(rows), "Scenarios:")
    if args.no_cost:
        return
    costs = pd.DataFrame({name: yearly_costs(s, args.scale, args.seed).sum(axis=1) for name, s in scenarios.items()})
    note = f"{_cost_note(args)}; the uncertain parameters at their values in the scenario files"
    shown = costed_years(costs).map(_oku).reset_index()
    print_table(shown, f"Yearly cost of each scenario's levers, 億円 ({note}):", None)


def show_command(args: argparse.Namespace) -> int:
    """``circsim show``: describe a scenario or experiment file."""
    from ..sim.input_files import read_toml
    from ..workbench.catalog import is_experiment_file

    (show_experiment if is_experiment_file(read_toml(args.file)) else show_scenario)(args)
    return 0
