"""Scenario files: TOML holding parameter overrides and lever settings.

A scenario file has up to four parts::

    name = "fellowships"                 # optional
    description = "..."                 # optional
    [model]                              # ModelParams overrides
    scale = 50
    [countries.JP]                       # CountryParams overrides per country code
    insider_preference = 0.8
    [levers.overseas_fellowships]        # a lever and its settings (see circsim.sim.levers)
    fellows_per_year = 1000

Everything is validated: unknown names and impossible values raise
:class:`~circsim.errors.InputError` naming the file, the key, the value and what is
allowed.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError
from .input_files import read_toml
from .inputs import calibrated_values, load_country_values, load_regions, parts_of
from .levers import Levers
from .params import CountryParams, ModelParams


class Scenario(BaseModel):
    """A validated scenario: model parameters, per-country overrides, levers."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    name: str = "baseline"
    description: str = ""
    calibrated: bool = Field(
        True, description="lay this scenario over the calibrated values of data/calibrated.toml (false: raw defaults)"
    )
    model: ModelParams = Field(default_factory=ModelParams)
    countries: dict[str, dict[str, Any]] = Field(default_factory=dict)
    levers: Levers = Field(default_factory=Levers)


def _split_path(key: str) -> list[str]:
    return [k for k in key.replace("__", ".").split(".") if k]


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any], source: str | None = None) -> dict[str, Any]:
    """Set dotted (or double-underscore) keys in a nested scenario dict.

    A bare name that is a :class:`ModelParams` field goes under ``model``; for example
    ``{"scale": 50, "levers.overseas_fellowships.fellows_per_year": 500,
    "countries__JP__insider_preference": 0.5}``.
    """
    out = _deep_copy(data)
    for key, value in overrides.items():
        parts = _split_path(str(key))
        if not parts:
            raise InputError("empty parameter name", source=source, key=repr(key), allowed="a name or dotted path")
        if len(parts) == 1 and parts[0] in ModelParams.model_fields:
            parts = ["model", parts[0]]
        node = out
        for depth, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            elif not isinstance(nxt, dict):
                raise InputError("is not a table", source=source, key=".".join(parts[: depth + 1]), value=nxt)
            node = nxt
        node[parts[-1]] = plain(value)
    return out


def plain(value: Any) -> Any:
    """A numpy scalar (or 0-d array) as the Python value it holds, so values from samplers
    (EMA Workbench, SALib, ``mesa.batch_run`` with numpy arrays) validate as Python ones."""
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value.item()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def merge_tables(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Nested tables of ``top`` merged over ``base`` (``top`` wins); neither is modified."""
    out = dict(base)
    for k, v in top.items():
        out[k] = merge_tables(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _deep_copy(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in d.items()}


def scenario_from_dict(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a scenario dict (including per-country overrides).

    Unless the scenario says ``calibrated = false``, it is laid over the calibrated
    parameter values (:func:`circsim.sim.inputs.calibrated_values`): values it sets itself win.
    """
    if data.get("calibrated", True) is True:
        data = merge_tables(calibrated_values(), data)
    try:
        scen = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, source, Scenario) from None
    country_params(scen, source)  # validates per-country overrides now, not at model build
    return scen


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file, with optional overrides on top."""
    data = read_toml(path)
    if not data:
        raise InputError(
            "is empty",
            source=str(path),
            allowed="a scenario: a name, [model], [countries.CODE] or [levers.NAME] tables",
        )
    if overrides:
        data = apply_overrides(data, overrides, str(path))
    return scenario_from_dict(data, str(path))


def default_scenario() -> Scenario:
    """The baseline defaults (over the calibrated values), as a validated scenario."""
    return scenario_from_dict({}, "<defaults>")


def from_overrides(overrides: dict[str, Any], source: str = "<keywords>") -> Scenario:
    """The defaults with dotted-key overrides (see :func:`apply_overrides`), validated: a
    ``calibrated`` among them decides whether the calibrated values lie underneath."""
    return scenario_from_dict(apply_overrides({}, overrides, source), source)


def with_overrides(scenario: Scenario, overrides: dict[str, Any], source: str | None = None) -> Scenario:
    """``scenario`` with dotted-key overrides (see :func:`apply_overrides`) applied and
    validated again; the scenario itself when there are none. ``calibrated`` cannot be
    changed here: a built scenario's values already include the calibrated ones or not
    (set it in the file, or build with :func:`from_overrides`)."""
    if not overrides:
        return scenario
    source = source or scenario.name
    if "calibrated" in overrides and overrides["calibrated"] != scenario.calibrated:
        raise InputError(
            "cannot be changed on a scenario already built on or without the calibrated values",
            source=source,
            key="calibrated",
            value=overrides["calibrated"],
            allowed=f"{str(scenario.calibrated).lower()} here; set calibrated in the scenario file itself",
        )
    data = scenario.model_dump(exclude_none=True)
    return scenario_from_dict(apply_overrides(data, overrides, source), source)


def country_params(scen: Scenario, source: str = "<scenario>") -> dict[str, CountryParams]:
    """Per-country parameters: data-file defaults with the scenario's overrides."""
    regions = load_regions(scen.model.world)
    codes = [r.code for r in regions]
    blocks = parts_of(scen.model.world)  # a block's settings reach its parts
    defaults = load_country_values()
    unknown = set(scen.countries) - set(codes) - set(blocks)
    if unknown:
        bad = sorted(unknown)[0]
        raise InputError(
            "unknown country", source=source, key=f"countries.{bad}", value=bad, allowed=", ".join([*codes, *blocks])
        )
    for name, lever in scen.levers.active().items():
        if lever.country not in codes:
            raise InputError(
                "unknown country",
                source=source,
                key=f"levers.{name}.country",
                value=lever.country,
                allowed=", ".join(codes),
            )
        others = [c for c in codes if c != lever.country]
        for partner in lever.partners():
            if partner not in others and partner not in blocks:
                raise InputError(
                    "unknown partner country",
                    source=source,
                    key=f"levers.{name}.{lever.partners_field}",
                    value=partner,
                    allowed=f"codes other than the lever's own ({lever.country}): {', '.join([*others, *blocks])}",
                )
    if scen.model.focal_country not in codes:
        raise InputError(
            "unknown country",
            source=source,
            key="model.focal_country",
            value=scen.model.focal_country,
            allowed=", ".join(codes),
        )
    out = {}
    for r in regions:
        code = r.code
        merged = {**defaults[code], **scen.countries.get(r.part_of, {}), **scen.countries.get(code, {})}
        try:
            out[code] = CountryParams.model_validate(merged)
        except ValidationError as exc:
            raise validation_error(exc, source, CountryParams, prefix=f"countries.{code}") from None
    return out


def _model_at(cls: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class found by following ``loc`` from ``cls``."""
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if not isinstance(part, str) or part not in cls.model_fields:
            return None
        ann = cls.model_fields[part].annotation
        if typing.get_origin(ann) is dict:  # a table of named entries: skip the entry's name
            ann = typing.get_args(ann)[1]
            if not parts:
                return None
            parts.pop(0)
        args = getattr(ann, "__args__", ()) or (ann,)
        nxt = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if nxt is None:
            return None
        cls = nxt
    return cls


_TYPE_NAMES = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "string": "a string",
    "str": "a string",
    "dict": "a table",
    "model": "a table",
    "literal": "one of the listed values",
}


def _allowed(err: dict, cls: type[BaseModel], loc: tuple) -> str | None:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = _model_at(cls, loc[:-1])
        if parent is None:
            return None
        names = list(parent.model_fields)
        if len(names) <= 15:
            return ", ".join(names)
        close = difflib.get_close_matches(str(loc[-1]), names, n=5, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        module = parent.__module__.split(".")[-1]
        return f"{hint}one of the {len(names)} {parent.__name__} names (see src/circsim/{module}.py)"
    bounds = [f"{sym} {ctx[k]}" for k, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")) if k in ctx]
    if bounds:
        return "a number " + " and ".join(bounds)
    if "expected" in ctx:
        return str(ctx["expected"])
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return _TYPE_NAMES.get(kind.split("_")[0])
    return None


def validation_error(exc: ValidationError, source: str, cls: type[BaseModel], prefix: str = "") -> InputError:
    """Turn the first pydantic error into an InputError (file, key, value, allowed)."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    key = ".".join(str(x) for x in ((prefix,) if prefix else ()) + loc) or None
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown name"
    value = err.get("input") if err["type"] != "missing" else None
    if isinstance(value, dict):
        value = None
    more = len(exc.errors()) - 1
    if more:
        msg += f" (and {more} more problem{'s' if more > 1 else ''})"
    return InputError(msg, source=source, key=key, value=value, allowed=_allowed(err, cls, loc))
