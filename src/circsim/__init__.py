"""circsim: researchers circulating among countries and sectors, and the policy levers
that move them.

The package has floors, each importing only the ones below it (``tests/unit/test_layers.py``
checks every import):

- :mod:`circsim.errors` and :mod:`circsim.console`: the input error type, and the
  one-line errors and exit codes the command line and the interface share;
- :mod:`circsim.sim`: the simulation (model, population, yearly steps, levers,
  parameters, scenarios, input data, indicators);
- :mod:`circsim.workbench`: experiments, the batch runner and its store, comparisons,
  reports, figures, validation, calibration, sensitivity;
- :mod:`circsim.ui` and :mod:`circsim.cli`: the interface and the command line, side by
  side on top (neither imports the other).

``import circsim`` is cheap: the names below are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public names and the modules they live in (imported lazily, PEP 562).
_LAZY = {
    "CirculationModel": "circsim.sim.model",
    "Scenario": "circsim.sim.scenario",
    "load_scenario": "circsim.sim.scenario",
    "InputError": "circsim.errors",
}

__all__ = ["CirculationModel", "InputError", "Scenario", "__version__", "load_scenario"]

if TYPE_CHECKING:
    from .errors import InputError
    from .sim.model import CirculationModel
    from .sim.scenario import Scenario, load_scenario


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'circsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
