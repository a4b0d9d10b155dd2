"""What a scenario or experiment file resolves to, before anything is run at scale: the
parameter values it sets (over the raw defaults and the calibrated values), its active
levers with every setting, and the yearly cost of those levers.

The cost is the model's own accounting (each lever's ``apply`` returns the year's cost,
:mod:`circsim.sim.schedule`), read from one cheap run at a coarse scale: several levers
cost what they fund in the population (fellows sent, guaranteed posts held, academics'
research time, doctoral students), so their cost depends on the simulated population and
varies a little with the scale and the seed; fixed-budget levers do not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..sim.levers import Lever
from ..sim.model import CirculationModel
from ..sim.scenario import Scenario, country_params, scenario_from_dict, with_overrides
from .catalog import lever_classes

#: Default scale of the costing run: 1 agent = 500 researchers, about half a second to 2040.
COST_SCALE = 500.0


def toml_value(value: Any) -> str:
    """A value as a scenario file writes it: ``true``, ``1e+07``, ``"JP"``-like text unquoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def flat_values(scenario: Scenario) -> dict[str, Any]:
    """Every model and per-country parameter of a scenario by its dotted path
    (``model.scale``, ``countries.JP.renewal_prob``)."""
    out = {f"model.{k}": v for k, v in scenario.model.model_dump().items()}
    for code, params in country_params(scenario).items():
        out.update({f"countries.{code}.{k}": v for k, v in params.model_dump().items()})
    return out


def _paths(data: dict[str, Any]) -> set[str]:
    """The model and country parameter paths a scenario file's tables set."""
    model = data.get("model") if isinstance(data.get("model"), dict) else {}
    countries = data.get("countries") if isinstance(data.get("countries"), dict) else {}
    paths = {f"model.{k}" for k in model}
    return paths | {f"countries.{c}.{k}" for c, t in countries.items() if isinstance(t, dict) for k in t}


def resolved_values(scenario: Scenario, data: dict[str, Any]) -> pd.DataFrame:
    """The parameters the file (``data``, its tables as merged) sets or that differ from the
    raw defaults: parameter, value, default (raw) and where the value comes from (the file,
    or the calibrated values of data/calibrated.toml)."""
    values, defaults = flat_values(scenario), flat_values(scenario_from_dict({"calibrated": False}, "<defaults>"))
    set_here = _paths(data)
    rows = [
        {"parameter": k, "value": toml_value(v), "default": toml_value(defaults[k]),
         "from": "file" if k in set_here else "calibration"}
        for k, v in values.items()
        if k in set_here or v != defaults[k]
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["parameter", "value", "default", "from"])


def lever_settings(scenario: Scenario) -> pd.DataFrame:
    """Every setting of each active lever: lever, setting, value and the lever's default."""
    classes = lever_classes()
    rows = [
        {"lever": name, "setting": setting, "value": toml_value(getattr(lever, setting)),
         "default": toml_value(info.default)}
        for name, lever in scenario.levers.active().items()
        for setting, info in classes[name].model_fields.items()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["lever", "setting", "value", "default"])


def changed_settings(lever: Lever) -> str:
    """A lever's settings that differ from its class defaults, e.g. ``start_year=2027, fellows=30``."""
    fields = type(lever).model_fields
    changed = {k: v for k, v in lever.model_dump().items() if k != "enabled" and v != fields[k].default}
    return ", ".join(f"{k}={toml_value(v)}" for k, v in changed.items()) or "defaults"


def yearly_costs(
    scenario: Scenario, scale: float = COST_SCALE, seed: int = 0, still_wanted: Callable[[], bool] | None = None
) -> pd.DataFrame:
    """The yearly cost (yen) of each active lever over the scenario's recorded years, from
    one run at ``scale`` with ``seed``: a row per year, a column per lever (none without
    levers). ``still_wanted`` is asked before each year; once it says no, the run stops
    there and the years so far are returned (a page whose settings moved on)."""
    model = CirculationModel(rng=seed, scenario=with_overrides(scenario, {"model.scale": scale}))
    rows = {}
    while model.running and (still_wanted is None or still_wanted()):
        model.step()
        rows[model.year - 1] = {
            name: model.country_list[model.lever_countries[name]].state.lever_cost_yen.get(name, 0.0)
            for name in model.levers
        }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(model.levers), dtype=float)
    table.index.name = "year"
    return table


def costed_years(costs: pd.DataFrame) -> pd.DataFrame:
    """The years from the first with a cost on (all years if none has one)."""
    spent = np.flatnonzero(costs.to_numpy().sum(axis=1) > 0) if costs.size else []
    return costs.iloc[spent[0] :] if len(spent) else costs
