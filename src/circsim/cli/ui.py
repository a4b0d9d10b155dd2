"""``circsim ui``: hands over to the interface's own entry point, ``python -m circsim.ui``.

The command line does not import the interface: this process is replaced by the
interface's (so Ctrl-C and other signals reach it directly), which parses the options,
prints ``circsim ui --help`` and reports bad options in the usual one line.
"""

from __future__ import annotations

import argparse
import os
import sys

from .parser import Commands


def register(commands: Commands) -> None:
    """Declare ``circsim ui``; its options are the interface's (left unparsed here)."""
    ui = commands.add_parser(
        "ui",
        help="start the visual interface (live model, career inspector, comparison of stores) in the browser",
        add_help=False,  # --help is the interface's
    )
    ui.set_defaults(handler=ui_command, passes_on=True)


def ui_command(args: argparse.Namespace) -> int:
    """Replace this process with ``python -m circsim.ui`` and the options given."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "circsim.ui", *args.rest])
    return 0  # only reached where execv is replaced (tests): it does not return
