"""What an analyst can choose from, read from the code and files that define it: the
levers (their classes, settings, defaults and allowed values), the scenario and
experiment files of a folder, and the indicator registry. ``circsim list`` prints these
tables; the interface builds its controls from the same lever classes."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ..errors import InputError
from ..sim.indicators import REGISTRY
from ..sim.input_files import read_toml
from ..sim.levers import Lever, Levers


def lever_classes() -> dict[str, type[Lever]]:
    """Each lever's class, by its name in a scenario's ``[levers.NAME]`` table."""
    out = {}
    for name, info in Levers.model_fields.items():
        out[name] = next(
            a for a in typing.get_args(info.annotation) if isinstance(a, type) and issubclass(a, BaseModel)
        )
    return out


def bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    """A numeric field's lower and upper bounds (strict or not), None where it has none."""
    low = high = None
    for m in info.metadata:
        if isinstance(m, Ge | Gt):
            low = float(m.ge if isinstance(m, Ge) else m.gt)
        elif isinstance(m, Le | Lt):
            high = float(m.le if isinstance(m, Le) else m.lt)
    return low, high


def allowed(info: FieldInfo) -> str:
    """A field's allowed values in words, e.g. ``> 0 and <= 10``, ``none, fixed, permanent``."""
    ann = info.annotation
    if ann is bool:
        return "true or false"
    if typing.get_origin(ann) is Literal:
        return ", ".join(map(str, typing.get_args(ann)))
    if ann is str:
        return "a country code"
    signs = {Ge: (">=", "ge"), Gt: (">", "gt"), Le: ("<=", "le"), Lt: ("<", "lt")}
    parts = [f"{sign} {getattr(m, attr):g}" for m in info.metadata for kind, (sign, attr) in signs.items()
             if isinstance(m, kind)]  # fmt: skip
    kind = "an integer" if ann is int else "a number"
    return f"{kind} {' and '.join(parts)}" if parts else kind


def summary(cls: type) -> str:
    """The first paragraph of a class's docstring, on one line."""
    return " ".join((inspect.getdoc(cls) or "").split("\n\n")[0].split())


def lever_table() -> pd.DataFrame:
    """Every setting of every lever: lever, summary (the lever's), setting, default,
    allowed values and description."""
    rows = []
    for name, cls in lever_classes().items():
        for setting, info in cls.model_fields.items():
            rows.append({
                "lever": name, "summary": summary(cls), "setting": setting, "default": info.default,
                "allowed": allowed(info), "description": info.description or "",
            })  # fmt: skip
    return pd.DataFrame(rows)


def is_experiment_file(data: dict[str, Any]) -> bool:
    """Whether a TOML file is an experiment file (it names scenarios) rather than a scenario."""
    return "scenarios" in data


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    """A table of a TOML file, empty if it is missing or not a table (validation says why elsewhere)."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _contents(data: dict[str, Any]) -> tuple[str, str]:
    """A file's kind and what it holds, in words, from its tables (nothing is validated or run)."""
    if is_experiment_file(data):
        kind = "calibration" if "calibration" in data else "optimisation" if "optimise" in data else "experiment"
        method = _table(data, "design").get("method", "none")
        return kind, (
            f"scenarios: {', '.join(_table(data, 'scenarios'))}; {len(_table(data, 'uncertainties'))} "
            f"uncertainties, design {method}; replicates {data.get('replicates', 1)}"
        )
    on = [n for n, t in _table(data, "levers").items() if not (isinstance(t, dict) and t.get("enabled") is False)]
    countries = _table(data, "countries").values()
    overrides = len(_table(data, "model")) + sum(len(t) for t in countries if isinstance(t, dict))
    text = f"levers: {', '.join(on)}" if on else "no lever"
    return "scenario", text + (f"; {overrides} parameter values" if overrides else "")


def scenario_table(directory: Path) -> pd.DataFrame:
    """The TOML files of ``directory``: file, kind (scenario, experiment, calibration,
    optimisation, or unreadable with the reason), name, description and contents."""
    if not directory.is_dir():
        raise InputError("is not a directory", source=str(directory), allowed="a folder of scenario files")
    rows = []
    for path in sorted(directory.glob("*.toml")):
        try:
            data = read_toml(path)
        except InputError as exc:  # one broken file is listed as such, not a reason to list none
            rows.append(
                {"file": path.name, "kind": "unreadable", "name": "", "description": exc.detail, "contents": ""}
            )
            continue
        kind, contents = _contents(data)
        rows.append({
            "file": path.name, "kind": kind, "name": str(data.get("name", path.stem)),
            "description": str(data.get("description", "")), "contents": contents,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["file", "kind", "name", "description", "contents"])


def indicator_table() -> pd.DataFrame:
    """The indicator registry: name, label, unit, kind, better direction and definition."""
    return pd.DataFrame(
        [
            {"name": i.name, "label": i.label, "unit": i.unit, "kind": i.kind, "better": i.better or "depends",
             "definition": i.definition}
            for i in REGISTRY.values()
        ]
    )  # fmt: skip
