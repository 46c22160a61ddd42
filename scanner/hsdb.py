"""Hyperscan databases compiled once per pattern set and kept in a disk cache.

Compiling a few thousand multilingual keyword patterns takes seconds; loading
a serialised database takes milliseconds. The cache key is the patterns, the
flags and the hyperscan version, so a changed pack compiles anew. Set
SCANNER_CACHE_DIR to move the cache, or to an empty string to disable it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import hyperscan

FLAGS = hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_DOTALL


def cache_dir() -> Path | None:
    """Where compiled databases are kept (None: caching is off)."""
    configured = os.environ.get("SCANNER_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scanner"


def compile_database(patterns: Sequence[str], *, literal: bool = False) -> bytes:
    """A serialised block-mode database for the patterns (pattern i reports id i).

    `literal`: the patterns are plain strings, each reported once per scan (hyperscan's
    literal compiler: thousands of strings in milliseconds).
    """
    flags = hyperscan.HS_FLAG_SINGLEMATCH if literal else FLAGS
    key = [hyperscan.__version__, str(flags), f"literal={literal}", *patterns]
    digest = hashlib.sha256("\0".join(key).encode()).hexdigest()
    folder = cache_dir()
    path = folder / f"{digest}.hsdb" if folder else None
    if path is not None and path.exists():
        return path.read_bytes()
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(
        expressions=[p.encode() for p in patterns],
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=[flags] * len(patterns),
        literal=literal,
    )
    data = hyperscan.dumpb(db)
    if path is not None:
        _write_atomically(path, data)
    return data


def load_database(data: bytes) -> tuple[hyperscan.Database, hyperscan.Scratch]:
    """A database and its scratch space from serialised bytes."""
    db = hyperscan.loadb(data, mode=hyperscan.HS_MODE_BLOCK)
    return db, hyperscan.Scratch(db)


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as f:
            f.write(data)
        os.replace(f.name, path)
    except OSError:
        pass  # a read-only home is no reason to fail a scan: it only costs the compile next time
