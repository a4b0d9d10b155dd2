"""Starting the interface: ``solara run circsim.ui.app`` with circsim's settings.

Kept free of Solara imports, so ``circsim ui`` checks its options (port, store) in a
moment and fails with a one-line message before any server starts.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from ..errors import InputError
from ..workbench.store import open_store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP = "circsim.ui.app"
#: Environment of the pages (read by circsim.ui.app).
ENV_STORE = "CIRCSIM_UI_STORE"
ENV_ROOT = "CIRCSIM_UI_ROOT"


def check_port(host: str, port: int) -> int:
    """The port (a free one if ``port`` is 0); InputError if ``host:port`` cannot be
    listened on (e.g. another server holds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
            return sock.getsockname()[1]
        except OSError as exc:
            raise InputError(
                f"cannot listen there: {exc.strerror or exc}",
                source="--port",
                value=f"{host}:{port}",
                allowed="a free port (or --port 0 for any free one)",
            ) from None


def server_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line serving the app (production mode, no browser opened)."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port), "--production",
            "--no-open"]  # fmt: skip


def server_env(store: Path | None, root: Path) -> dict[str, str]:
    """The server's environment: no telemetry (there is no internet), the project root, the store."""
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", ENV_ROOT: str(root.resolve())}
    if store is not None:
        env[ENV_STORE] = str(store.resolve())
    else:
        env.pop(ENV_STORE, None)
    return env


def serve(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, store: Path | None = None, root: Path | None = None
) -> int:
    """Check the options, print the address, and run the server until it stops (Ctrl-C)."""
    if store is not None:
        open_store(store)  # InputError if it is not a result store
    port = check_port(host, port)
    print(f"circsim ui: serving on http://{host}:{port}/ (comparison page: /compare); Ctrl-C stops it", flush=True)
    return subprocess.call(server_command(host, port), env=server_env(store, root or Path.cwd()))
