"""Hyperscan databases (and other costly derived bytes) built once and kept in a disk cache.

Compiling a few thousand multilingual keyword patterns takes seconds; loading
a serialised database takes milliseconds. The cache key is the patterns, the
flags and the hyperscan version, so a changed pack compiles anew. Every pack
edit leaves a stale database behind, so the cache keeps the most recently used
ones up to CACHE_BYTES and deletes the rest. Set SCANNER_CACHE_DIR to move the
cache (CI: to a folder kept between runs), or to an empty string to disable it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import platform
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import hyperscan

FLAGS = hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_DOTALL
CACHE_BYTES = 256 * 2**20  # about forty full pack sets


def cache_dir() -> Path | None:
    """Where compiled databases are kept (None: caching is off)."""
    configured = os.environ.get("SCANNER_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scanner"


def compile_database(patterns: Sequence[str], *, literal: bool = False, every: bool = False) -> bytes:
    """A serialised block-mode database for the patterns (pattern i reports id i).

    `literal`: the patterns are plain strings, found case-insensitively in ASCII and, unless
    `every`, reported once per scan (hyperscan's literal compiler).
    """
    once = 0 if every else hyperscan.HS_FLAG_SINGLEMATCH
    flags = hyperscan.HS_FLAG_CASELESS | once if literal else FLAGS

    def build() -> bytes:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(
            expressions=[p.encode() for p in patterns],
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=[flags] * len(patterns),
            literal=literal,
        )
        return hyperscan.dumpb(db)

    return cached([hyperscan.__version__, str(flags), *patterns], build)


@functools.cache
def code_of(*modules: ModuleType) -> str:
    """The Python version and the modules' source: part of the key of what their code derives, so that an edit
    or another Python (whose `re` parser may differ) builds anew."""
    return platform.python_version() + "".join(Path(m.__file__).read_text(encoding="utf-8") for m in modules)


def cached(key: Sequence[str], build: Callable[[], bytes]) -> bytes:
    """The bytes `build` makes for `key`, from the disk cache when an earlier process made them."""
    digest = hashlib.sha256("\0".join(key).encode()).hexdigest()
    folder = cache_dir()
    path = folder / f"{digest}.hsdb" if folder else None
    if path is not None:
        try:
            data = path.read_bytes()
            _touch(path)
            return data
        except OSError:
            pass  # not cached yet (or pruned by another process a moment ago)
    data = build()
    if path is not None:
        _write_atomically(path, data)
        if len(data) >= 2**16:  # small entries add little; pruning on each would list the folder each time
            prune(path.parent)
    return data


def load_database(data: bytes) -> tuple[hyperscan.Database, hyperscan.Scratch]:
    """A database and its scratch space from serialised bytes."""
    db = hyperscan.loadb(data, mode=hyperscan.HS_MODE_BLOCK)
    return db, hyperscan.Scratch(db)


def prune(folder: Path, keep_bytes: int = CACHE_BYTES) -> None:
    """Delete the least recently used databases beyond `keep_bytes`."""
    try:
        entries = sorted(((p.stat().st_mtime, p.stat().st_size, p) for p in folder.glob("*.hsdb")), reverse=True)
    except OSError:
        return  # another process pruned a file while we looked: the next compile prunes again
    total = 0
    for _, size, path in entries:
        total += size
        if total > keep_bytes:
            path.unlink(missing_ok=True)


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as f:
            f.write(data)
        os.replace(f.name, path)
    except OSError:
        pass  # a read-only home is no reason to fail a scan: it only costs the compile next time
