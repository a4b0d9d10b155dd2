"""Reading the files users give (scenario, experiment and calibration TOML, design CSV)
within limits checked before anything is parsed or allocated.

A hostile or broken file gets one :class:`~circsim.errors.InputError` naming the file
and what is allowed, never a traceback, a hang or an echo of its content: paths are
checked for length, files must be regular files of a bounded size, TOML keys and table
headers may have only so many dotted parts (the standard parser is quadratic in them),
and parsed data may nest only so deep.
"""

from __future__ import annotations

import argparse
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from ..errors import InputError

#: Largest file read (bytes): scenario and experiment files are a few kB.
MAX_FILE_BYTES = 1_000_000
#: Longest path accepted, and longest single name in it (Linux's PATH_MAX and NAME_MAX).
MAX_PATH_CHARS = 4096
MAX_NAME_BYTES = 255
#: Most dotted parts in one TOML key or table header (a scenario needs four).
MAX_KEY_PARTS = 32
#: Deepest nesting of tables and arrays in parsed data (a scenario needs four).
MAX_DEPTH = 16

_KEY_LINE = re.compile(r"^\s*(\[\[?)?\s*([^=\[\]#]*?)\s*(\]\]?|=)")


def check_path(path: str | Path, what: str = "file") -> Path:
    """``path`` as a Path, if it is not too long; else an InputError (without the path in full)."""
    text = str(path)
    if len(text) > MAX_PATH_CHARS or any(
        len(part.encode("utf-8", "replace")) > MAX_NAME_BYTES for part in Path(text).parts
    ):
        raise InputError(
            f"{what} path too long ({len(text):,} characters)",
            source=text[:60] + "...",
            allowed=f"at most {MAX_PATH_CHARS} characters, {MAX_NAME_BYTES} bytes a name",
        )
    return Path(text)


def path_argument(text: str) -> Path:
    """argparse type for file and directory options: not empty, not longer than a path
    can be (shared by the command line and the interface's launcher)."""
    if not text:
        raise argparse.ArgumentTypeError("empty path; allowed: a file or directory path")
    try:
        return check_path(text)
    except InputError as err:
        raise argparse.ArgumentTypeError(f"{err.detail}; allowed: {err.allowed}") from None


def read_bytes(path: str | Path, allowed: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; InputError otherwise."""
    p = check_path(path)
    try:
        info = os.stat(p)
    except FileNotFoundError:
        raise InputError("file not found", source=str(p), allowed=allowed) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", source=str(p), allowed=allowed) from None
    if not stat.S_ISREG(info.st_mode) or str(p.resolve()).startswith(("/proc/", "/sys/", "/dev/")):
        raise InputError("is not a regular file", source=str(p), allowed=allowed)
    if info.st_size > max_bytes:
        raise InputError(
            f"is too large ({info.st_size:,} bytes)", source=str(p), allowed=f"at most {max_bytes:,} bytes"
        )
    try:
        with open(p, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", source=str(p), allowed=allowed) from None
    if len(data) > max_bytes:
        raise InputError("is too large", source=str(p), allowed=f"at most {max_bytes:,} bytes")
    return data


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of dicts and lists in ``value``, counted up to ``limit + 1``."""
    stack, deepest = [(value, 0)], 0
    while stack:
        item, d = stack.pop()
        if isinstance(item, dict | list):
            if d + 1 > limit:
                return d + 1
            deepest = max(deepest, d + 1)
            stack.extend((v, d + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def check_depth(data: Any, source: str) -> None:
    """An InputError if ``data`` nests deeper than :data:`MAX_DEPTH`."""
    if depth(data) > MAX_DEPTH:
        raise InputError(
            "is nested too deeply", source=source, allowed=f"at most {MAX_DEPTH} levels of tables and arrays"
        )


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file within the limits of this module; every problem is an InputError
    naming the file (the parser's message gives a line and column, not the content)."""
    p = check_path(path)
    data = read_bytes(p, "an existing TOML file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start})", source=str(p), allowed="a UTF-8 TOML file") from None
    for number, line in enumerate(text.splitlines(), start=1):
        m = _KEY_LINE.match(line)
        if m and m.group(2).count(".") >= MAX_KEY_PARTS:
            raise InputError(
                f"line {number}: a key or table name with too many dotted parts",
                source=str(p),
                allowed=f"at most {MAX_KEY_PARTS} parts",
            )
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=str(p)) from None
    except RecursionError:
        raise InputError("is nested too deeply", source=str(p), allowed=f"at most {MAX_DEPTH} levels") from None
    check_depth(parsed, str(p))
    return parsed
