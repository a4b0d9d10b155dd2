"""The Vega libraries of the flow map, offline.

Solara's VegaLite widget loads ``vega@5``, ``vega-lite@5`` and ``vega-embed@6`` from its
CDN proxy, whose cache directory (``share/solara/cdn`` of the environment) is looked up
first; ``solara-assets`` ships them there under their full versions (``vega@5.21.0``...).
With no internet the proxy cannot fetch the short names, and the map stays blank. So the
short names are linked to the shipped folders, in the same cache directory the proxy
itself writes what it fetches to.
"""

from __future__ import annotations

import logging
from pathlib import Path

#: The folder names the widget asks for, with the major version each must match.
VEGA_LIBRARIES = ("vega@5", "vega-lite@5", "vega-embed@6")

log = logging.getLogger(__name__)


def _version(folder: str) -> tuple[int, ...]:
    """``vega@5.21.0`` -> (5, 21, 0), so that 5.21 sorts after 5.9 (a part not a number counts as 0)."""
    return tuple(int(part) if part.isdigit() else 0 for part in folder.rpartition("@")[2].split("."))


def link_vega(cache_dir: Path) -> list[str]:
    """Link each name of :data:`VEGA_LIBRARIES` missing from ``cache_dir`` to the newest
    shipped folder of that major version (``vega@5`` -> ``vega@5.21.0``); returns the names
    linked. A directory that cannot be written to is left as it is (the map then needs
    the internet), with a warning."""
    linked = []
    for name in VEGA_LIBRARIES:
        alias = cache_dir / name
        shipped = sorted((p.name for p in cache_dir.glob(f"{name}.*") if p.is_dir()), key=_version)
        if alias.exists() or not shipped:
            continue
        try:
            alias.symlink_to(shipped[-1], target_is_directory=True)
        except OSError as err:
            log.warning("cannot link %s to %s: %s; the flow map needs the internet", alias, shipped[-1], err)
            continue
        linked.append(name)
    return linked
