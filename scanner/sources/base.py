"""Resolve what the user named into work units of one kind each."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import fsspec
import numpy as np
import pyarrow as pa

from ..errors import InputError

PARQUET_SUFFIXES = (".parquet", ".pq")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
COMPRESSIONS = (".gz", ".zst", ".bz2", ".xz")
HF_MARKERS = ("dataset_dict.json", "state.json", "dataset_info.json")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")


@dataclass(frozen=True)
class ReadOptions:
    """How to read: batch size, bad-row policy, and which split/config of a dataset."""

    batch_rows: int = 8192
    on_error: str = "fail"  # or "skip": bad rows are skipped and counted
    split: str | None = None
    config: str | None = None
    format: str | None = None  # force "parquet", "jsonl" or "hf"


@dataclass
class Batch:
    """Rows of one source as an Arrow table, numbered within that source."""

    source: str
    table: pa.Table
    rows: np.ndarray  # row number within the source of each table row
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, reason) not in the table


class WorkUnit:
    """A piece of input that one worker reads from start to end."""

    source: str  # provenance: file path, or dataset id and split
    key: str  # unique and stable: names the unit in resume checkpoints

    def schema(self) -> pa.Schema:
        """The Arrow schema of the unit's rows."""
        raise NotImplementedError

    def batches(self, columns: list[str] | None) -> Iterator[Batch]:
        """Stream the unit's rows, reading only `columns` where the format allows."""
        raise NotImplementedError

    def rows_hint(self) -> int | None:
        """How many rows the unit holds, when known without reading it."""
        return None


class EmptyUnit(WorkUnit):
    """A file of zero bytes: no columns, zero rows, not an error."""

    def __init__(self, source: str):
        self.source = self.key = source

    def schema(self) -> pa.Schema:
        return pa.schema([])

    def batches(self, columns: list[str] | None) -> Iterator[Batch]:
        return iter(())

    def rows_hint(self) -> int:
        return 0


def one_line(e: BaseException) -> str:
    """An upstream error, named, on one line (Arrow's and datasets' messages may span several)."""
    return " ".join(f"{type(e).__name__}: {e}".split())


def open_inputs(paths: list[str] | tuple[str, ...], options: ReadOptions = ReadOptions()) -> list[WorkUnit]:
    """Work units for files, folders, globs, remote URLs and Hugging Face datasets."""
    from . import hf, jsonl, parquet

    if not paths:
        raise InputError("no input given")
    units: list[WorkUnit] = []
    for path in paths:
        if options.format == "hf":
            units.extend(hf.units(path, options))
            continue
        fs, root = fsspec.core.url_to_fs(path)
        files = _expand(fs, path, root, options)
        if files is None:
            units.extend(hf.units(path, options))
            continue
        for name in files:
            kind = options.format or _kind(name)
            if kind == "parquet":
                units.extend(parquet.units(fs, name, _display(path, fs, name), options))
            elif kind == "jsonl":
                units.append(jsonl.JsonlUnit(fs, name, _display(path, fs, name), options))
            else:
                raise InputError(f"{name}: unsupported file type (expected .parquet or .jsonl, optionally .gz/.zst)")
    return units


def _expand(fs: fsspec.AbstractFileSystem, path: str, root: str, options: ReadOptions) -> list[str] | None:
    """The files a path names, or None when it names a Hugging Face dataset."""
    if any(c in root for c in "*?["):
        files = sorted(f for f in fs.glob(root) if fs.isfile(f))
        if not files:
            raise InputError(f"{path}: no files match")
        return files
    if fs.isdir(root):
        if any(fs.exists(f"{root.rstrip('/')}/{m}") for m in HF_MARKERS):
            return None
        files = sorted(f for f in fs.find(root) if _kind(f) is not None and "/." not in f)
        if not files:
            raise InputError(f"{path}: no .parquet or .jsonl files in this folder")
        return files
    if fs.isfile(root):
        return [root]
    if fs.protocol in ("file", ("file", "local")) and _HUB_ID.match(path) and _kind(path) is None:
        return None  # not on disk and shaped like a hub id: owner/name
    raise InputError(f"{path}: no such file or folder")


def _kind(name: str) -> str | None:
    base = name.lower()
    for suffix in COMPRESSIONS:
        base = base.removesuffix(suffix)
    if base.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if base.endswith(JSONL_SUFFIXES):
        return "jsonl"
    return None


def _display(given: str, fs: fsspec.AbstractFileSystem, name: str) -> str:
    """A file's name as the user would write it: with its protocol for remote files."""
    if "://" in given:
        return fs.unstrip_protocol(name)
    return name if os.path.isabs(given) else os.path.relpath(name)
