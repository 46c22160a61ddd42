"""The local engine: work units over a pool of processes, results in input order."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from ..scan import Scanner
from ..sources import WorkUnit
from .unit import ScanConfig, UnitResult, scan_unit

_worker: tuple[Scanner, ScanConfig] | None = None


def default_workers() -> int:
    """All the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _init(config: ScanConfig) -> None:
    global _worker
    _worker = (config.scanner(), config)


def _run(unit: WorkUnit) -> UnitResult:
    scanner, config = _worker
    return scan_unit(unit, scanner, config)


def run_local(
    units: list[WorkUnit], config: ScanConfig, workers: int | None = None, scanner: Scanner | None = None
) -> Iterator[UnitResult]:
    """Scan units on `workers` processes (default: all cores), yielding results in unit order.

    A `scanner` built by the caller is shared with forked workers, so its packs and
    prefilter are compiled once; elsewhere each worker builds its own.
    """
    global _worker
    workers = min(workers or default_workers(), max(1, len(units)))
    if workers <= 1:
        scanner = scanner or config.scanner()
        for unit in units:
            yield scan_unit(unit, scanner, config)
        return
    if scanner is not None and "fork" in multiprocessing.get_all_start_methods():
        _worker = (scanner, config)
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    else:
        pool = ProcessPoolExecutor(workers, initializer=_init, initargs=(config,))
    with pool:
        yield from pool.map(_run, units)
