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
        """One readable message: where, which key, what value, what is allowed."""
        parts = []
        if self.source:
            parts.append(str(self.source))
        if self.key:
            parts.append(f"key '{self.key}'")
        head = ": ".join(parts)
        msg = f"{head}: {self.detail}" if head else self.detail
        if self.value is not None:
            msg += f" (got {self.value!r})"
        if self.allowed:
            msg += f"; allowed: {self.allowed}"
        return msg


class InputError(CircsimError, ValueError):
    """Bad input (scenario and experiment files, CLI arguments, UI values, damaged
    stores): the command line exits with status 2."""


class ResourceError(CircsimError):
    """The machine cannot do what was asked (no space left on the disk): what was
    already computed is kept; the command line exits with status 1."""
