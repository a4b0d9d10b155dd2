"""circsim: researchers circulating among countries and sectors, and the policy levers
that move them."""

from .errors import InputError
from .model import CirculationModel
from .scenario import Scenario, load_scenario

__version__ = "0.1.0"

__all__ = ["CirculationModel", "InputError", "Scenario", "__version__", "load_scenario"]
