"""Controls of the live page, generated from the pydantic parameter and lever models,
and the per-session settings they edit.

Each control is a :class:`Control`: a dotted scenario key (``levers.contact_window.
visibility_gain``, ``model.end_year``, ``countries.JP.insider_preference``), a label with
its unit, and a widget kind chosen from the field's type and bounds (switch, select,
slider, or a typed field where a slider would be useless). Typed values are checked with
the scenario's own validation, so an impossible value gets the same one-line message as
in a scenario file, shown in the page.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic.fields import FieldInfo

from ..errors import InputError
from ..sim.initialization import check_scenario_memory
from ..sim.input_files import read_toml
from ..sim.inputs import load_country_values, load_regions
from ..sim.params import CountryParams, ModelParams
from ..sim.scenario import Scenario, apply_overrides, scenario_from_dict
from ..workbench.catalog import bounds, is_experiment_file, lever_classes

Kind = Literal["switch", "select", "multiselect", "slider_int", "slider_float", "text"]

#: Run settings and mechanism switches shown on the live page (the rest stay at the scenario's values).
MAIN_MODEL_PARAMS: tuple[str, ...] = (
    "end_year",
    "focal_country",
    *(name for name in ModelParams.model_fields if name.startswith("enable_")),
)
#: Per-country rules of the focal country that the policy debate turns on.
MAIN_COUNTRY_PARAMS: tuple[str, ...] = (
    "overseas_valuation",
    "insider_preference",
    "foreign_permanent_penalty",
    "renewal_prob",
    "fixed_term_cap_years",
    "research_time_share",
)
#: A slider is used only where its range is at most this many times the default's size.
SLIDER_SPAN = 50
#: Default scale of the live model (real researchers per agent): a step and its redraw stay
#: well under 300 ms (docs/performance.md).
DEFAULT_SCALE = 100.0
#: Default ``career_sample`` of the live model: one person in 20 is followed.
CAREER_SAMPLE = 20


@dataclass(frozen=True)
class Control:
    """One widget: where its value goes, how it is shown, and its allowed range."""

    key: str
    label: str
    kind: Kind
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    integer: bool = False

    @property
    def step(self) -> float:
        """Slider step: 1 for integers, a hundredth of the range otherwise."""
        if self.integer or self.low is None or self.high is None:
            return 1
        return (self.high - self.low) / 100


#: Units of the parameters whose names do not say them whole: a name ending in ``_per_year``
#: says "a year" but not of what (a tie gain is a tie strength, not people), and a few
#: amounts of yen are yearly without saying so. Checked against every lever field in
#: tests/unit/test_ui_units.py.
NAMED_UNITS: dict[str, str] = {
    "fellows_per_year": "people/year",
    "teams_per_year": "teams/year",
    "tie_gain_per_year": "tie strength/year",
    "tie_gain": "tie strength/year",  # "maximum extra yearly tie gain"
    "fellows": "people",
    "stipends": "people",
    "fellows_scale": "people",  # fellows per host
    "researchers_per_team": "people",
    "partner_researchers_per_team": "people",
    "partner_students_per_team": "people/year",  # doctoral students a year per active team
    "associations": "associations",
    "associations_scale": "associations",  # associations per host
    "membership_fee_yen": "yen/year",  # a yearly fee
    "funding_at_start_yen": "yen/year",  # the funds of the start year
    "max_years_since_phd": "years",
}


def unit(name: str) -> str:
    """The unit of a parameter: :data:`NAMED_UNITS`, else read from its name (``_yen``,
    ``_year``, ``_years``, ``share``, ``prob``); "" for a factor, weight or gain without unit."""
    if name in NAMED_UNITS:
        return NAMED_UNITS[name]
    if "yen" in name:
        return "yen/year" if "per_year" in name or "year_yen" in name else "yen"
    if name.endswith("_per_year"):
        return ""  # a year of what, the name does not say: NAMED_UNITS must (the unit test fails without)
    if name.endswith("_year"):
        return "calendar year"
    if name.endswith("_years"):
        return "years"
    if "share" in name or "prob" in name:
        return "share"  # from 0 to 1, shown in %
    return ""


def control_for(key: str, info: FieldInfo, default: Any, codes: tuple[str, ...]) -> Control:
    """The control of one pydantic field, with its label, unit and widget kind."""
    name = key.rsplit(".", 1)[-1]
    u = unit(name)
    label = name.replace("_", " ") + (f" ({u})" if u else "")
    help_text = info.description or ""
    ann = info.annotation
    if ann is bool:
        return Control(key, label, "switch", default, help=help_text)
    if typing.get_origin(ann) is Literal:
        return Control(key, label, "select", default, choices=tuple(typing.get_args(ann)), help=help_text)
    if ann is str:
        return Control(key, label, "select", default, choices=codes, help=help_text)
    if typing.get_origin(ann) is list:  # a list of country codes (a programme's members)
        return Control(key, label, "multiselect", list(default), choices=codes, help=help_text)
    low, high = bounds(info)
    integer = ann is int
    size = max(abs(float(default)), 1.0)
    if low is not None and high is not None and high - low <= SLIDER_SPAN * size:
        return Control(
            key, label, "slider_int" if integer else "slider_float", default, low, high, (), help_text, integer
        )
    return Control(key, label, "text", default, low, high, (), help_text, integer)


def lever_controls() -> dict[str, list[Control]]:
    """Controls of every lever (switch first, then its settings), by lever name."""
    codes = tuple(r.code for r in load_regions())
    return {
        lever: [control_for(f"levers.{lever}.{name}", f, f.default, codes) for name, f in cls.model_fields.items()]
        for lever, cls in lever_classes().items()
    }


def main_controls(focal: str = "JP") -> list[Control]:
    """Controls of the main run settings, mechanism switches and the focal country's rules."""
    codes = tuple(r.code for r in load_regions())
    values = load_country_values()[focal]
    model = [control_for(f"model.{n}", ModelParams.model_fields[n], ModelParams.model_fields[n].default, codes)
             for n in MAIN_MODEL_PARAMS]  # fmt: skip
    country = [
        control_for(f"countries.{focal}.{n}", CountryParams.model_fields[n], values[n], codes)
        for n in MAIN_COUNTRY_PARAMS
    ]
    return model + country


def parse_number(control: Control, text: str) -> float | int:
    """A typed number for ``control``; an InputError (key, value, allowed) if it is not one."""
    kind = "an integer" if control.integer else "a number"
    try:
        value = float(text.replace(",", "").replace("_", "").strip())
    except ValueError:
        raise InputError("is not a number", key=control.key, value=text, allowed=kind) from None
    if control.integer:
        if not value.is_integer():
            raise InputError("is not a whole number", key=control.key, value=text, allowed=kind)
        return int(value)
    return value


def scenario_files(directory: Path) -> list[Path]:
    """The scenario files in ``directory`` (experiment files such as levers.toml left out)."""
    out = []
    for path in sorted(directory.glob("*.toml")):
        try:
            if not is_experiment_file(read_toml(path)):
                out.append(path)
        except InputError:
            continue  # a broken file cannot be picked; `circsim run FILE` says why
    return out


@dataclass
class Settings:
    """What one browser session will build its next model from (on Reset).

    Only valid values are ever stored: :meth:`set` checks the whole scenario with the
    new value and raises InputError, leaving the settings as they were, if it fails.
    """

    base: dict[str, Any] = field(default_factory=dict)
    source: str = "<defaults>"
    overrides: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    scale: float = DEFAULT_SCALE
    career_sample: int = CAREER_SAMPLE
    scenario: Scenario = field(default_factory=Scenario)

    def __post_init__(self) -> None:
        self.scenario = self.build(self.overrides, self.scale)

    @classmethod
    def from_file(cls, path: Path | None, **kw: Any) -> Settings:
        """Settings starting from a scenario file (None: the built-in defaults), at the
        file's scale if it sets one, else :data:`DEFAULT_SCALE`."""
        if path is None:
            return cls(**kw)
        base = read_toml(path)
        scale = base.get("model", {}).get("scale", DEFAULT_SCALE)
        return cls(base=base, source=str(path), **{"scale": float(scale), **kw})

    def load_file(self, path: Path | None) -> None:
        """Start again from another scenario file (None: the built-in defaults); typed changes are dropped."""
        base = read_toml(path) if path is not None else {}
        source = str(path) if path is not None else "<defaults>"
        scenario = scenario_from_dict(apply_overrides(base, {"model.scale": self.scale}, source), source)
        self.base, self.source, self.overrides, self.scenario = base, source, {}, scenario

    def build(self, overrides: dict[str, Any], scale: float) -> Scenario:
        """The validated scenario: the file, the overrides and the scale (InputError if invalid)."""
        data = apply_overrides(self.base, {**overrides, "model.scale": scale}, self.source)
        scenario = scenario_from_dict(data, "the page")
        check_scenario_memory(scenario, "the page")  # a scale too fine is refused here, not at Reset
        return scenario

    def set(self, key: str, value: Any) -> None:
        """Set one scenario value (dotted key); InputError and no change if the scenario is then invalid."""
        overrides = {**self.overrides, key: value}
        if key.startswith("levers.") and not key.endswith(".enabled"):
            # a setting of a lever that is off in the file: keep it off until switched on
            lever = key.split(".")[1]
            if getattr(self.scenario.levers, lever) is None:
                overrides.setdefault(f"levers.{lever}.enabled", False)
        self.scenario = self.build(overrides, self.scale)
        self.overrides = overrides

    def set_scale(self, scale: float) -> None:
        """Set the scale (real researchers per agent); InputError and no change if invalid."""
        self.scenario = self.build(self.overrides, scale)
        self.scale = scale

    def set_seed(self, seed: int) -> None:
        """Set the seed: an integer >= 0."""
        if seed < 0:
            raise InputError("is negative", key="seed", value=seed, allowed="an integer >= 0")
        self.seed = seed

    def value(self, control: Control) -> Any:
        """The control's current value in the settings' scenario (a lever that is off shows its defaults)."""
        parts = control.key.split(".")
        scen = self.scenario
        if parts[0] == "levers":
            lever = getattr(scen.levers, parts[1])
            if lever is None:
                return False if parts[2] == "enabled" else control.default
            return getattr(lever, parts[2])
        if parts[0] == "model":
            return getattr(scen.model, parts[1])
        return scen.countries.get(parts[1], {}).get(parts[2], control.default)
