"""Inputs as work units that stream Arrow batches with provenance.

`open_inputs(paths)` resolves files, folders, globs, remote URLs and Hugging
Face datasets into `WorkUnit`s. A unit is a file, a row-group range of a large
Parquet file, or a dataset split; `unit.batches()` yields `Batch`es, each
numbered by its first row within its source, so every hit can say where it is.
"""

from __future__ import annotations

from .base import Batch, ReadOptions, WorkUnit, open_inputs

__all__ = ["Batch", "ReadOptions", "WorkUnit", "open_inputs"]
