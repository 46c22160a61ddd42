"""`regex` patterns built from a parsed form kept in the disk cache.

The regex module parses and optimises a pattern in Python, then builds the
matcher in C from plain lists of integers. For our rules, whose name and
grammar alternations run to thousands of characters, the first step costs
about 7 ms a rule and the second a few microseconds; a 1 GB scan meets some
400 rules, so parsing was a quarter of its time. The lists the C builder is
given are kept in the disk cache (keyed by regex version, flags and pattern),
and a later process hands them to it directly. If regex's internals ever
differ from what this expects, patterns are compiled the ordinary way.
"""

from __future__ import annotations

import pickle
import threading

import regex
from regex import _main

from . import hsdb

_LOCK = threading.Lock()


def compile_pattern(pattern: str, flags: int = 0) -> regex.Pattern:
    """`regex.compile(pattern, flags)`, parsed once per machine rather than once per process."""
    try:
        data = hsdb.cached(["regex", regex.__version__, str(flags), pattern], lambda: _parsed(pattern, flags))
        return _main._regex.compile(*pickle.loads(data))
    except Exception:  # noqa: BLE001 - an unexpected regex internal: compile as usual (errors raise there)
        return regex.compile(pattern, flags)


def _parsed(pattern: str, flags: int) -> bytes:
    """The arguments regex's parser hands its C builder for the pattern, pickled."""
    captured = []
    builder = _main._regex

    class Spy:
        def __getattr__(self, name: str):
            return getattr(builder, name)

        def compile(self, *args):
            if args and args[0] == pattern:
                captured.append(args)
            return builder.compile(*args)

    with _LOCK:
        _main._regex = Spy()
        try:
            _main._compile(pattern, flags, False, {}, False)
        finally:
            _main._regex = builder
    if len(captured) != 1:
        raise RuntimeError("regex compiled without its builder")
    return pickle.dumps(captured[0], protocol=pickle.HIGHEST_PROTOCOL)
