"""A whole scan: inputs to work units, units through an engine, results to files."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import asdict

import fsspec

from . import __version__
from .cluster import TemplateClusters
from .engines.local import run_local
from .engines.ray import RayOptions, run_ray
from .engines.unit import ScanConfig, UnitResult
from .outputs.baseline import NO_SUPPRESSIONS, Suppressions
from .outputs.hits import HitsWriter
from .outputs.report import write_reports
from .outputs.summary import SummaryBuilder, write_summary
from .sources import open_inputs


def scan_dataset(
    paths: list[str],
    config: ScanConfig,
    out_dir: str,
    *,
    workers: int | None = None,
    ray: RayOptions | None = None,
    progress: Callable[[UnitResult], None] | None = None,
    command: list[str] | None = None,
    suppress: Suppressions = NO_SUPPRESSIONS,
    reports: tuple[str, ...] = (),
) -> dict:
    """Scan inputs into `out_dir` (hits.jsonl, hits.parquet, summary.json) and return the summary.

    `ray` runs the scan on Ray (see engines/ray.py) instead of `workers` local processes.
    Hits in `suppress` (a baseline, an ignore list) are counted, not written; `reports` ("html", "sarif")
    are written last, from the files the scan left.
    """
    started = time.time()
    units = open_inputs(paths, config.read)
    scanner = config.scanner()  # validates the packs before any worker starts
    packs = scanner.packs
    fs, root = fsspec.core.url_to_fs(out_dir)
    fs.makedirs(root, exist_ok=True)
    totals = SummaryBuilder()
    templates = TemplateClusters()
    with HitsWriter(out_dir) as writer:
        results = run_ray(units, config, out_dir, ray) if ray else run_local(units, config, workers, scanner)
        for result in results:
            result.hits, suppressed = suppress.filter(result.hits)
            totals.suppressed.update(suppressed)
            writer.write(result.hits)
            totals.add(result)
            templates.add(result.hits)
            if progress:
                progress(result)
    summary = totals.build(
        tool="scanner",
        version=__version__,
        command=command or sys.argv,
        inputs=list(paths),
        packs=packs.hashes(),
        families=packs.families,
        context_chars=config.context_chars,
        near_dup=asdict(config.near_dup) if config.near_dup else None,
        wall_seconds=round(time.time() - started, 3),
    )
    summary["templates"] = templates.top(summary["hits"])
    write_summary(summary, out_dir)
    write_reports(out_dir, reports)
    return summary
