"""What the command line and the interface's launcher share: an argument parser that
raises instead of printing its usage block, and one way to end a command.

Bad input of any kind ends with one line on stderr starting ``circsim: error:`` and exit
status 2, never a traceback; a machine that cannot do what was asked (a full disk) with
the same one line and status 1; Ctrl-C with ``circsim: interrupted`` and status 130.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import NoReturn

from .errors import InputError, ResourceError, excerpt

EXIT_RESOURCE = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


class UsageError(Exception):
    """A command-line usage error, reported as one line instead of argparse's usage block."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(f"{message} (see '{prog} --help')")


class Parser(argparse.ArgumentParser):
    """ArgumentParser that raises :class:`UsageError` instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.prog)


#: Longest error line: messages quote the user's input, which may be anything (the
#: longest allowed-list, every comparable indicator's name, is about 1,030 characters).
MAX_ERROR_CHARS = 1400


def error_line(err: Exception) -> None:
    """Print ``circsim: error: ...`` on one line of stderr, cut short if it is long."""
    print(f"circsim: error: {excerpt(str(err), MAX_ERROR_CHARS)}", file=sys.stderr)


def run[T](parse: Callable[[], T], act: Callable[[T], int]) -> int:
    """Parse the arguments, then act on them; returns the exit status.

    ``--help`` and ``--version`` (argparse exits after printing them) return 0; bad
    input prints one ``circsim: error:`` line and returns 2, a full disk the same line
    and 1; Ctrl-C returns 130; a reader of stdout that went away (``| head``) ends the
    command quietly.
    """
    try:
        try:
            parsed = parse()
        except SystemExit as done:  # --help and --version
            return int(done.code or 0)
        return act(parsed)
    except (UsageError, InputError) as err:
        error_line(err)
        return EXIT_BAD_INPUT
    except ResourceError as err:  # not the input's fault: what was computed is kept
        error_line(err)
        return EXIT_RESOURCE
    except KeyboardInterrupt:
        print("circsim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
