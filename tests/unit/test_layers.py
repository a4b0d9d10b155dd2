"""The import rules of the package's layers, read from the source with ``ast`` (imports at
the top, inside functions and under ``if TYPE_CHECKING`` alike), and what importing the
package's light entry points pulls in.

    errors            imports nothing of circsim
    console           errors
    sim               sim, errors
    workbench         workbench, sim, errors
    ui                ui, workbench, sim, errors, console
    cli               cli, workbench, sim, errors, console   (never ui)

``import circsim`` itself (the package ``__init__``, lazy, for ``__version__``) may be
imported by every layer but errors and console.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src"
PACKAGE = SRC / "circsim"
ROOT = "circsim"
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "console": {"errors"},
    "sim": {"sim", "errors", ROOT},
    "workbench": {"workbench", "sim", "errors", ROOT},
    "ui": {"ui", "workbench", "sim", "errors", "console", ROOT},
    "cli": {"cli", "workbench", "sim", "errors", "console", ROOT},
}
#: The package's own modules: the lazy facade and ``python -m circsim`` (the command line).
ROOT_MODULES = {"circsim": {"errors", "sim"}, "circsim.__main__": {"cli"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    """The layer of a circsim module: its first name below ``circsim`` (the package's own modules: the root)."""
    return ROOT if module in ROOT_MODULES else module.split(".")[1]


def imported(module: str, source: str, is_package: bool = False) -> set[str]:
    """Every circsim module that ``module`` (its ``source``) imports, wherever the import
    statement is."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source, module)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            # ``from . import x`` imports the module x where there is one, else a name of base
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}
    return {m for m in found if m == ROOT or m.startswith(ROOT + ".")}


def test_every_module_is_in_a_layer():
    assert {layer(m) for m in MODULES} - {ROOT} == set(ALLOWED)
    assert {m for m in MODULES if layer(m) == ROOT} == set(ROOT_MODULES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_follow_the_layers(module: str):
    allowed = ROOT_MODULES[module] if module in ROOT_MODULES else ALLOWED[layer(module)]
    path = MODULES[module]
    found = imported(module, path.read_text(encoding="utf-8"), path.name == "__init__.py")
    wrong = sorted(m for m in found if layer(m) not in allowed)
    assert not wrong, f"{module} ({layer(module)}) may import only {sorted(allowed)}, not {wrong}"


SAMPLE = """
from __future__ import annotations
import circsim.sim.model
from typing import TYPE_CHECKING
from .. import __version__, console
from .parser import add_command
if TYPE_CHECKING:
    from ..workbench.store import ResultStore
def handler():
    from ..ui import server
"""


def test_the_rule_reader_sees_every_kind_of_import():
    # absolute, relative (a module or a name of a package), TYPE_CHECKING and function-level
    assert imported("circsim.cli.run", SAMPLE) == {
        "circsim.sim.model",
        "circsim",
        "circsim.console",
        "circsim.cli.parser",
        "circsim.workbench.store",
        "circsim.ui.server",
    }


HEAVY = ("mesa", "numba", "pandas")


@pytest.mark.parametrize("modules", ["circsim, circsim.errors, circsim.console", "circsim.cli.main"])
def test_light_entry_points_do_not_import_the_heavy_libraries(modules: str):
    # `import circsim` is cheap (lazy names) and `circsim --help` / `circsim ui` start in a moment
    code = f"import sys, {modules}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.strip() == ""
