"""The Ray engine: work on a Ray cluster through Ray Data, by the same functions as the local engine.

Ray Data maps the work items (scan units, clean jobs) over a pool of actors. Each
actor builds its Scanner (packs, prefilter, near-duplicate index) once and calls the
very function the local engine calls (`scan_unit`, `clean_file`), so both engines
find the same hits. A scan actor writes each unit's hits as a Parquet shard beside
the outputs; the driver reads the shards back in unit order, so what follows the
engine (hits files, summary, reports) is the local engine's code, fed the same.

Ray is an extra (`pip install 'scanner[ray]'`) and imported only when used.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import fsspec
import pyarrow as pa

from ..errors import InputError, ScannerError
from ..hits import Hit, read_hits, write_hits
from ..outputs.hits import ROW_GROUP_ROWS
from ..scan import Scanner
from ..sources import WorkUnit
from ..sources.base import one_line
from .local import default_workers
from .unit import ScanConfig, UnitResult, scan_unit

INSTALL = "the Ray engine needs the [ray] extra: pip install 'scanner[ray]' (in a checkout: pip install -e '.[ray]')"
SHARDS = "_ray_shards"  # the scan's hits per unit, under the output folder until they are merged


class RayNotInstalled(ScannerError):
    """`--engine ray` without the [ray] extra."""


class RayEngineError(ScannerError):
    """Ray could not be started or joined."""


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide to run on Ray."""

    address: str | None = None  # None: a local Ray instance for the run; "auto" or host:port: a running cluster
    concurrency: int | None = None  # actors scanning at once; None: one per CPU of the cluster


def require_ray() -> None:
    """Raise RayNotInstalled, with how to install it, unless Ray Data can be imported."""
    try:
        import ray.data  # noqa: F401
    except ImportError:
        raise RayNotInstalled(INSTALL) from None


def run_ray(units: list[WorkUnit], config: ScanConfig, out_dir: str, options: RayOptions) -> Iterator[UnitResult]:
    """Scan units on Ray actors (hits through Parquet shards in `out_dir`), yielding results in unit order."""
    shards = f"{out_dir.rstrip('/')}/{SHARDS}"
    fs, root = fsspec.core.url_to_fs(shards)
    work = partial(_scan_to_shard, config=config, shards=shards)
    fs.makedirs(root, exist_ok=True)
    try:
        for result, shard in ray_map(work, units, config.scanner, options):
            result.hits = _read_shard(shard) if shard else []
            yield result
    finally:
        if fs.exists(root):
            fs.rm(root, recursive=True)


def ray_map(
    work: Callable[..., Any],
    items: Sequence[Any],
    make_scanner: Callable[[], Scanner] | None,
    options: RayOptions,
) -> Iterator[Any]:
    """`work(item, scanner=...)` for every item on Ray actors, each building its scanner once; results in order.

    `make_scanner` None: the work needs no scanner (it is given None).

    A library error in a worker (bad input) is raised here as an InputError with the worker's message.
    """
    if not items:
        return
    require_ray()
    import ray
    from ray.data import ActorPoolStrategy

    with _session(options):
        size = min(options.concurrency or int(ray.cluster_resources().get("CPU", 1)), len(items))
        ds = ray.data.from_items([{"index": i, "item": pickle.dumps(x)} for i, x in enumerate(items)])
        ds = ds.map_batches(
            _Worker,
            fn_constructor_args=(make_scanner, work),
            batch_size=1,  # an item is a whole unit or file: large enough on its own
            batch_format="pyarrow",
            compute=ActorPoolStrategy(size=size),
            num_cpus=1,
        )
        ds.context.enable_progress_bars = False  # the caller reports progress, item by item
        yield from _in_order(ds.iter_batches(batch_size=None, batch_format="pyarrow"))


class _Worker:
    """A Ray Data actor: builds a scanner once, then runs the work on each item of its batches."""

    def __init__(self, make_scanner: Callable[[], Scanner] | None, work: Callable[..., Any]):
        self.scanner = make_scanner() if make_scanner else None
        self.work = work

    def __call__(self, batch: pa.Table) -> pa.Table:
        results, errors = [], []
        for blob in batch.column("item").to_pylist():
            try:
                results.append(pickle.dumps(self.work(pickle.loads(blob), scanner=self.scanner)))
                errors.append(None)
            except ScannerError as e:  # Ray would wrap it in a traceback: send the one-line message instead
                results.append(None)
                errors.append(str(e))
        return pa.table(
            {"index": batch.column("index"), "result": pa.array(results, pa.binary()), "error": pa.array(errors)}
        )


def _in_order(batches: Iterator[pa.Table]) -> Iterator[Any]:
    """Results as they arrive, put back in item order."""
    waiting: dict[int, dict] = {}
    next_index = 0
    for batch in batches:
        for row in batch.to_pylist():
            waiting[row["index"]] = row
        while next_index in waiting:
            row = waiting.pop(next_index)
            if row["error"] is not None:
                raise InputError(row["error"])
            yield pickle.loads(row["result"])
            next_index += 1


@contextmanager
def _session(options: RayOptions) -> Iterator[None]:
    """Ray for the run: a session the caller started is used and left running; otherwise one is started or joined."""
    import ray

    if ray.is_initialized():
        yield
        return
    if options.address:
        args = {"address": options.address}
    else:
        args = {"address": "local", "num_cpus": default_workers(), "include_dashboard": False}  # never a running one
    try:
        ray.init(logging_level=logging.WARNING, **args)
    except (ConnectionError, ValueError, RuntimeError) as e:
        where = f"join the Ray cluster at {options.address}" if options.address else "start a local Ray instance"
        hint = " (is one running? `ray start --head`)" if options.address else ""
        raise RayEngineError(f"cannot {where}{hint}: {one_line(e)}") from None
    try:
        yield
    finally:
        ray.shutdown()


def _scan_to_shard(
    unit: WorkUnit, *, scanner: Scanner, config: ScanConfig, shards: str
) -> tuple[UnitResult, str | None]:
    """Scan a unit (as the local engine does) and write its hits to a shard named by the unit."""
    result = scan_unit(unit, scanner, config)
    if not result.hits:
        return result, None
    shard = f"{shards}/{hashlib.sha1(unit.key.encode()).hexdigest()[:16]}.parquet"
    with fsspec.open(shard, "wb") as f:
        write_hits(f, result.hits, row_group_size=ROW_GROUP_ROWS)
    return replace(result, hits=[]), shard


def _read_shard(shard: str) -> list[Hit]:
    """The hits of one shard, as Hits."""
    try:
        with fsspec.open(shard, "rb") as f:
            return read_hits(f)
    except FileNotFoundError:
        raise RayEngineError(
            f"{shard}: a Ray worker wrote it, but it is not here: on a cluster, --output-dir must be storage "
            "every node shares (s3://, a shared filesystem)"
        ) from None
