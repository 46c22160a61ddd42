"""A whole scan: inputs to work units, units through an engine, results to files."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from functools import partial

import fsspec

from . import __version__
from .checkpoint import Checkpoint, scan_settings
from .cluster import TemplateClusters
from .engines.local import run_local
from .engines.ray import RayOptions, run_ray
from .engines.unit import ScanConfig, UnitResult
from .outputs.baseline import NO_SUPPRESSIONS, Suppressions
from .outputs.hits import HitsWriter
from .outputs.report import write_reports
from .outputs.summary import SummaryBuilder, write_summary
from .profile import RuleProfile
from .sampling import estimate, limit_units
from .sources import WorkUnit, open_inputs


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
    resume: bool = False,
    limit: int | None = None,
    planned: Callable[[list[WorkUnit]], None] | None = None,
) -> dict:
    """Scan inputs into `out_dir` (hits.jsonl, hits.parquet, summary.json) and return the summary.

    `ray` runs the scan on Ray (see engines/ray.py) instead of `workers` local processes.
    Hits in `suppress` (a baseline, an ignore list) are counted, not written; `reports` ("html", "sarif")
    are written last, from the files the scan left. With `resume`, the units an interrupted run with the same
    settings finished are read back from its checkpoint instead of scanned again (see checkpoint.py).
    `limit` scans the first rows only (see sampling.py); `planned` hears the units before they are scanned.
    """
    started = time.time()
    units = open_inputs(paths, config.read)
    if limit is not None:
        units = limit_units(units, limit)
    if planned:
        planned(units)
    scanner = config.scanner()  # validates the packs before any worker starts
    packs = scanner.packs
    fs, root = fsspec.core.url_to_fs(out_dir)
    fs.makedirs(root, exist_ok=True)
    totals = SummaryBuilder()
    templates = TemplateClusters()
    profile = RuleProfile()
    hashes = packs.hashes()
    checkpoint = Checkpoint.open(out_dir, scan_settings(paths, units, config, hashes), resume)
    with HitsWriter(out_dir) as writer:
        if ray:
            engine = partial(run_ray, config=config, out_dir=out_dir, options=ray)
        else:
            engine = partial(run_local, config=config, workers=workers, scanner=scanner)
        for result in checkpoint.results(units, engine):
            result.hits, suppressed = suppress.filter(result.hits)
            totals.suppressed.update(suppressed)
            writer.write(result.hits)
            totals.add(result)
            templates.add(result.hits)
            if result.profile:
                profile.add(result.profile)
            if progress:
                progress(result)
    summary = totals.build(
        tool="scanner",
        version=__version__,
        command=command or sys.argv,
        inputs=list(paths),
        packs=hashes,
        families=packs.families,
        context_chars=config.context_chars,
        near_dup=asdict(config.near_dup) if config.near_dup else None,
        wall_seconds=round(time.time() - started, 3),
    )
    summary["templates"] = templates.top(summary["hits"])
    if config.sample is not None or limit is not None:
        rows, documents = summary["rows_scanned"], summary["documents_with_hits"]
        summary["estimate"] = estimate(documents, rows, sample=config.sample, seed=config.seed, limit=limit)
    if config.profile:
        summary["profile"] = profile.table(summary["by_rule"])
    write_summary(summary, out_dir)
    checkpoint.finish()
    write_reports(out_dir, reports)
    return summary
