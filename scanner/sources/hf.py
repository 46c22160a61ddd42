"""Hugging Face datasets: hub ids streamed with `load_dataset`, and `save_to_disk` folders."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from ..errors import InputError
from .base import HF_MARKERS, Batch, ReadOptions, WorkUnit, one_line


def units(path: str, options: ReadOptions) -> list[WorkUnit]:
    """One unit per split of a local `save_to_disk` folder, or the asked split of a hub dataset."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(path)
    if fs.isdir(root) and any(fs.exists(f"{root.rstrip('/')}/{m}") for m in HF_MARKERS):
        return _disk_units(path, options)
    return [HubUnit(path, options)]


def _disk_units(path: str, options: ReadOptions) -> list[WorkUnit]:
    import datasets

    try:
        loaded = datasets.load_from_disk(path)
    except Exception as e:  # datasets raises many kinds for a damaged folder
        raise InputError(f"{path}: not a readable save_to_disk folder ({one_line(e)})") from None
    if isinstance(loaded, datasets.DatasetDict):
        splits = [options.split] if options.split else list(loaded)
        missing = [s for s in splits if s not in loaded]
        if missing:
            raise InputError(f"{path}: no split '{missing[0]}' (splits: {', '.join(loaded)})")
        return [DatasetUnit(loaded[s], f"{path}:{s}", options) for s in splits]
    return [DatasetUnit(loaded, path, options)]


class DatasetUnit(WorkUnit):
    """A `datasets.Dataset` held on disk, read as Arrow batches."""

    def __init__(self, dataset, source: str, options: ReadOptions):
        self.dataset, self.source, self.options = dataset, source, options
        self.key = source

    def schema(self) -> pa.Schema:
        return self.dataset.features.arrow_schema

    def rows_hint(self) -> int:
        return len(self.dataset)

    def batches(self, columns: list[str] | None) -> Iterator[Batch]:
        ds = self.dataset.select_columns(columns) if columns else self.dataset
        yield from _arrow_batches(ds, self.source, self.options.batch_rows)


class HubUnit(WorkUnit):
    """A dataset on the Hugging Face hub (or a local dataset repo folder), streamed."""

    def __init__(self, name: str, options: ReadOptions):
        self.name, self.options = name, options
        self.split = options.split or "train"
        config = f":{options.config}" if options.config else ""
        self.source = f"{name}{config}:{self.split}"
        self.key = self.source
        self._dataset = None

    def _load(self):
        if self._dataset is None:
            import datasets

            try:
                self._dataset = datasets.load_dataset(self.name, self.options.config, split=self.split, streaming=True)
            except Exception as e:  # offline, unknown id, bad config: all end here
                local = "" if os.path.exists(self.name) else "no such file or folder, and "
                raise InputError(
                    f"{self.name}: {local}cannot load it as a Hugging Face dataset ({one_line(e)})"
                ) from None
        return self._dataset

    def schema(self) -> pa.Schema:
        ds = self._load()
        if ds.features is not None:
            return ds.features.arrow_schema
        first = next(_arrow_batches(ds, self.source, 1), None)
        return first.table.schema if first else pa.schema([])

    def batches(self, columns: list[str] | None) -> Iterator[Batch]:
        ds = self._load()
        if columns:
            ds = ds.select_columns(columns)
        yield from _arrow_batches(ds, self.source, self.options.batch_rows)


def _arrow_batches(ds, source: str, batch_rows: int) -> Iterator[Batch]:
    first = 0
    try:
        for table in ds.with_format("arrow").iter(batch_size=batch_rows):
            yield Batch(source, table, np.arange(first, first + len(table)))
            first += len(table)
    except InputError:
        raise
    except Exception as e:
        raise InputError(f"{source}: reading failed at row {first} ({one_line(e)})") from None
