"""What decides a run's results besides its scenario and seed: the simulation's code and
input data, and for a run on the calibrated values, those values. A result store records
this fingerprint, so a store is never resumed with runs of another model mixed in."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .inputs import DATA_DIR, calibrated_values

SIM_DIR = Path(__file__).parent


def model_fingerprint(calibrated: bool) -> str:
    """A short hash of every source file of :mod:`circsim.sim` and its input data files
    (``data/*.csv``), and with ``calibrated`` of the calibrated values in use."""
    h = hashlib.sha256()
    for path in [*sorted(SIM_DIR.rglob("*.py")), *sorted(DATA_DIR.glob("*.csv"))]:
        h.update(path.relative_to(SIM_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    if calibrated:
        h.update(json.dumps(calibrated_values(), sort_keys=True).encode())
    return h.hexdigest()[:16]
