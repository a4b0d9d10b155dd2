"""Helpers of the interface tests: a project folder as ``circsim ui`` sees it (scenario
files at a coarse scale and the session's tiny result store), and reading images back."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import ipywidgets
import numpy as np
from PIL import Image

from storekit import write_tiny_experiment

ROOT = Path(__file__).resolve().parents[1]
#: Coarse live model: one agent = 2,000 researchers, to 2012; builds and steps in milliseconds.
LIVE_SCALE = 2000


def make_ui_root(root: Path, store: Path) -> Path:
    """A project folder: scenarios/ (baseline at a coarse scale, a policy file and an
    experiment file that the picker must leave out) and experiments/tiny/ holding the tiny
    experiment file and a copy of ``store`` (the tiny store) as experiments/tiny/store."""
    scen = root / "scenarios"
    scen.mkdir(parents=True)
    text = (ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8")
    text = text.replace("end_year = 2040", "end_year = 2012").replace("scale = 100 ", f"scale = {LIVE_SCALE} ")
    assert f"scale = {LIVE_SCALE}" in text and "end_year = 2012" in text
    (scen / "baseline.toml").write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "scenarios" / "levers.toml", scen / "levers.toml")
    # the policy file acting inside the coarse run (2004-2012): from 2006, not the shipped 2027
    text = (ROOT / "scenarios" / "contact_window.toml").read_text(encoding="utf-8")
    text = text.replace("start_year = 2027", "start_year = 2006") + "\n[model]\nend_year = 2012\n"
    assert "start_year = 2006" in text
    (scen / "contact_window.toml").write_text(text, encoding="utf-8")
    exp = root / "experiments" / "tiny"
    write_tiny_experiment(exp)
    shutil.copytree(store, exp / "store")
    return root


def _widgets(w: object):
    yield w
    for attr in ("children", "v_slots"):
        for child in getattr(w, attr, None) or []:
            child = child.get("children") if isinstance(child, dict) else child
            for c in child if isinstance(child, list) else [child]:
                if isinstance(c, ipywidgets.Widget):
                    yield from _widgets(c)


def page_text(box: ipywidgets.Widget) -> str:
    """All text a rendered page shows (texts, labels, Markdown, field values), to search in tests."""
    parts = []
    for w in _widgets(box):
        for attr in ("children", "label", "template", "v_model", "messages"):
            value = getattr(w, attr, None)
            if isinstance(value, str):
                parts.append(value)
            elif isinstance(value, list | tuple):
                parts += [x for x in value if isinstance(x, str)]
            elif isinstance(value, ipywidgets.Widget) and hasattr(value, "template"):
                parts.append(str(value.template))
    return "\n".join(parts)


def image_spread(png: bytes) -> float:
    """Standard deviation of the grey levels of an image: about 0 for a blank one."""
    return float(np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float).std())
