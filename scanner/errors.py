"""The errors the library raises; the CLI maps them to exit codes."""


class ScannerError(Exception):
    """Base of every error the scanner reports to its user."""


class PackError(ScannerError):
    """A pattern pack or grammar is malformed: names the file and the rule."""


class InputError(ScannerError):
    """The input cannot be read as asked: names the file (and row)."""


class RowError(InputError):
    """One row is bad; with `on_error="skip"` it is skipped and counted."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason
