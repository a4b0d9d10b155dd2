"""The sidebar of the live page: scenario picker, seed, scale, main parameters and one
section a lever, all generated from :mod:`circsim.ui.controls`. Values are checked as
they are entered; a bad one gets the scenario's own one-line message in the page and is
not kept. The next Reset builds the session's model from the settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara
from solara.alias import rv

from ..errors import InputError
from ..sim.units import format_level
from .controls import Control, Settings, lever_controls, main_controls, parse_number, unit

DEFAULTS_LABEL = "built-in defaults"


def shown(value: Any) -> str:
    """A value as a typed field shows it: thousands separators, never an exponent (a
    cost of 7e+06 yen reads 7,000,000), no trailing zeros; :func:`parse_number` reads it back."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:,.12g}"


def amount(control: Control, value: Any) -> str:
    """How a value reads beside its control: money in 億円 and shares in % (the report's
    formats, :func:`circsim.sim.units.format_level`), a year as a year, anything else as
    in a typed field."""
    u = unit(control.key.rsplit(".", 1)[-1])
    if u == "calendar year":
        return str(int(value))  # 2026, not 2,026
    if u.startswith("yen"):
        return format_level("yen", value) + (" a year" if u == "yen/year" else "")
    if u == "share":
        return format_level("share", value)
    return shown(value)


@solara.component
def ControlWidget(control: Control, value: Any, apply: Callable[[str, Any], None], error: str | None) -> None:
    """One generated widget; ``apply(key, value)`` checks and stores a new value."""
    label, key = control.label, control.key
    typed, set_typed = solara.use_state(None)

    def on_text(text: str) -> None:
        set_typed(text)
        try:
            apply(key, parse_number(control, text))
        except InputError as err:
            apply(key, err)  # shown under the field and at the top of the panel

    if control.kind.startswith("slider"):
        label = f"{label}: {amount(control, value)}"  # a slider does not show its value
    if control.kind == "switch":
        solara.Switch(label=label, value=bool(value), on_value=lambda v: apply(key, v))
    elif control.kind == "select":
        solara.Select(label, value=str(value), values=list(control.choices), on_value=lambda v: apply(key, v))
    elif control.kind == "multiselect":
        solara.SelectMultiple(label, values=list(value), all_values=list(control.choices),
                              on_value=lambda v: apply(key, list(v)))  # fmt: skip
    elif control.kind == "slider_int":
        solara.SliderInt(label, value=int(value), min=int(control.low), max=int(control.high),
                         on_value=lambda v: apply(key, int(v)))  # fmt: skip
    elif control.kind == "slider_float":
        solara.SliderFloat(label, value=float(value), min=control.low, max=control.high, step=control.step,
                           on_value=lambda v: apply(key, float(v)))  # fmt: skip
    else:
        text = typed if error and typed is not None else shown(value)
        said = amount(control, value)
        money = [f"= {said}"] if said != shown(value) else []  # e.g. "= 0.07 億円 a year"
        hint = "; ".join([*money, *([control.help] if control.help else [])])
        solara.InputText(label, value=text, on_value=on_text, error=error or False, message=hint[:120])


@solara.component
def Section(name: str, title: str, controls: list[Control], settings: Settings, apply: Callable[[str, Any], None],
            errors: dict[str, str]) -> None:  # fmt: skip
    """A collapsible group of controls, rendered only while open: a closed section costs
    nothing when the page redraws after a step."""
    is_open, set_open = solara.use_state(False)
    panels = rv.ExpansionPanels(v_model=0 if is_open else None, on_v_model=lambda v: set_open(v == 0),
                                class_=f"section-{name}")  # fmt: skip
    with panels, rv.ExpansionPanel():
        rv.ExpansionPanelHeader(children=[title])
        with rv.ExpansionPanelContent():
            if is_open:
                for c in controls:
                    ControlWidget(c, settings.value(c), apply, errors.get(c.key))


@solara.component
def SettingsPanel(settings: Settings, scenario_files: list[Path], version: solara.Reactive[int]) -> None:
    """Scenario picker, seed, scale, main parameters and levers of one session;
    ``version`` counts the changes (what shows the settings re-renders on it)."""
    version.get()  # this panel too redraws on every change
    errors, set_errors = solara.use_state({})
    main = solara.use_memo(main_controls, [])
    levers = solara.use_memo(lever_controls, [])
    by_name = {p.stem: p for p in scenario_files}

    def apply(key: str, value: Any) -> None:
        if isinstance(value, InputError):
            set_errors({**errors, key: str(value)})
            return
        try:
            if key == "seed":
                settings.set_seed(value)
            elif key == "model.scale":
                settings.set_scale(float(value))
            else:
                settings.set(key, value)
        except InputError as err:
            set_errors({**errors, key: str(err)})
            return
        set_errors({k: v for k, v in errors.items() if k != key})
        version.set(version.value + 1)

    def pick(name: str) -> None:
        settings.load_file(by_name.get(name))
        set_errors({})
        version.set(version.value + 1)

    current = next((n for n, p in by_name.items() if str(p) == settings.source), DEFAULTS_LABEL)
    with solara.Card("Scenario and levers"):
        solara.Text("Changes apply on Reset.")
        with solara.Column():  # always present, so the widgets below keep their place (and state)
            for key, message in errors.items():
                solara.Error(f"{key}: not applied. {message}", dense=True)
        solara.Select("scenario file", value=current, values=[*by_name, DEFAULTS_LABEL], on_value=pick)
        seed = Control("seed", "seed (integer >= 0)", "text", settings.seed, 0, None, integer=True)
        ControlWidget(seed, settings.seed, apply, errors.get("seed"))
        scale = Control("model.scale", "scale (real researchers per agent)", "text", settings.scale, 0, 1e5,
                        help="smaller is finer and slower; 100 = 1:100")  # fmt: skip
        ControlWidget(scale, settings.scale, apply, errors.get("model.scale"))
        Section("main", "Main parameters", main, settings, apply, errors)
        on = settings.scenario.levers.active()
        for name, controls in levers.items():
            title = f"{name.replace('_', ' ')} {'(on)' if name in on else '(off)'}"
            Section(name, title, controls, settings, apply, errors)
        solara.Text(
            f"Next Reset: {current}, seed {settings.seed}, scale {shown(settings.scale)}, "
            f"levers on: {', '.join(on) or 'none'}"
        )
