"""Starting the interface: ``python -m circsim.ui`` (what ``circsim ui`` hands over to)
runs ``solara run circsim.ui.app`` with circsim's settings.

Kept free of Solara imports, so the options (port, store) are checked in a moment and
bad ones fail with a one-line message before any server starts.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from pathlib import Path

from .. import console
from ..errors import InputError
from ..sim.input_files import path_argument as path
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
    """The server's environment: no telemetry (there is no internet), no "This website
    runs on Solara" banner (it covers the bottom right of the page), the project root, the store."""
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_THEME_SHOW_BANNER": "False",
           ENV_ROOT: str(root.resolve())}  # fmt: skip
    if store is not None:
        env[ENV_STORE] = str(store.resolve())
    else:
        env.pop(ENV_STORE, None)
    return env


def check_host(host: str, allow_remote: bool) -> str:
    """``host`` if it is a loopback address, or any address with ``allow_remote``; the
    pages have no authentication, so anyone who reaches a non-loopback address can use them."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError) as exc:
        raise InputError(f"not an address ({type(exc).__name__})", source="--host", value=host) from None
    loopback = all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)
    if not loopback and not allow_remote:
        raise InputError(
            "is reachable from other machines and the interface has no authentication",
            source="--host",
            value=host,
            allowed=f"a loopback address such as {DEFAULT_HOST}, or add --allow-remote on a trusted network",
        )
    if not loopback:
        print(f"circsim ui: warning: serving on {host} without authentication; anyone who reaches it can use it")
    return host


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    store: Path | None = None,
    root: Path | None = None,
    allow_remote: bool = False,
) -> int:
    """Check the options, print the address, and become the server (this process is
    replaced by it, so Ctrl-C and SIGTERM reach the server itself and stop it)."""
    host = check_host(host, allow_remote)
    if store is not None:
        open_store(store)  # InputError if it is not a result store
    port = check_port(host, port)
    print(f"circsim ui: serving on http://{host}:{port}/ (comparison page: /compare); Ctrl-C stops it", flush=True)
    command = server_command(host, port)
    sys.stderr.flush()
    os.execve(command[0], command, server_env(store, root or Path.cwd()))
    return 0  # not reached: the process is the server now


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to 65535 (got {text!r})")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The interface's options, under the name users type (``circsim ui``)."""
    parser = console.Parser(
        prog="circsim ui",
        description="Serve the Solara interface on HOST:PORT and print its address; open it in a browser.\n"
        "The live page runs one model per browser session; the comparison page (/compare)\n"
        "reads result stores (--store, or those under experiments/ and results/). Works offline.",
        epilog="examples:\n  circsim ui\n  circsim ui --port 8800 --store experiments/levers-2026/store\n"
        "  python -m circsim.ui --port 0   # the same without the command line",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, metavar="HOST", help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        metavar="P",
        help=f"port (default: {DEFAULT_PORT}; 0 = any free one)",
    )
    parser.add_argument("--store", type=path, metavar="DIR", help="result store opened on the comparison page")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines can reach (the pages have no authentication)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m circsim.ui``: serve the interface until Ctrl-C; returns the exit status
    (0, 2 on bad options, 130 if interrupted)."""
    parser = build_parser()
    return console.run(
        lambda: parser.parse_args(argv),
        lambda args: serve(args.host, args.port, args.store, allow_remote=args.allow_remote),
    )
