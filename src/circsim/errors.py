"""The error types that reach a user as one line: bad input, and a machine that cannot
do what was asked (a full disk)."""

from __future__ import annotations


class CircsimError(Exception):
    """An error with enough context for a one-line message.

    Attributes name the file (or other source), the key, the offending value and what
    is allowed, so the CLI and the UI can show a message without a traceback.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        key: str | None = None,
        value: object = None,
        allowed: str | None = None,
    ) -> None:
        self.source = source
        self.key = key
        self.value = value
        self.allowed = allowed
        self.detail = message
        super().__init__(self.render())

    def render(self) -> str:
        """One readable message: where, which key, what value, what is allowed. Parts
        that come from the user's input are cut short, so a message never echoes a
        file's content or a huge value."""
        parts = []
        if self.source:
            parts.append(excerpt(str(self.source), 200))
        if self.key:
            parts.append(f"key '{excerpt(str(self.key), 100)}'")
        head = ": ".join(parts)
        msg = f"{head}: {self.detail}" if head else self.detail
        if self.value is not None:
            msg += f" (got {excerpt(repr(self.value), 80)})"
        if self.allowed:
            msg += f"; allowed: {self.allowed}"
        return msg


def excerpt(text: str, limit: int) -> str:
    """``text`` on one line, cut in the middle to at most about ``limit`` characters."""
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    if len(text) <= limit:
        return text
    keep = max(limit // 2 - 2, 1)
    return f"{text[:keep]}...{text[-keep:]}"


class InputError(CircsimError, ValueError):
    """Bad input (scenario and experiment files, CLI arguments, UI values, damaged
    stores): the command line exits with status 2."""


class ResourceError(CircsimError):
    """The machine cannot do what was asked (no space left on the disk, an optional
    package not installed): what was already computed is kept; the command line exits
    with status 1."""
