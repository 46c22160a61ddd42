"""A whole clean: inputs grouped into files, each file through the action, the manifest as checkpoint."""

from __future__ import annotations

import json
import posixpath
import re
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial

import fsspec

from .. import __version__
from ..engines.ray import RayOptions, ray_map
from ..errors import InputError
from ..hits import Hit
from ..packs import SEVERITIES
from ..scan import Scanner
from ..sources import WorkUnit, open_inputs
from ..sources.jsonl import JsonlUnit
from .actions import replacement
from .config import ACTIONS, REDACT_CHAT, CleanConfig, OptionError
from .file import FileJob, clean_file
from .hitsfile import ScanHits, load_hits
from .manifest import FileEntry, Manifest


def clean_dataset(
    paths: list[str],
    config: CleanConfig,
    out_dir: str,
    *,
    progress: Callable[[FileEntry, bool], None] | None = None,
    command: list[str] | None = None,
    scanner: Scanner | None = None,
    ray: RayOptions | None = None,
) -> dict:
    """Clean inputs into `out_dir` (kept/, rejected/, redactions/, manifest.json) and return the manifest.

    Files a previous run with the same settings finished are skipped; `progress(entry, resumed)` hears
    of every file. `scanner`, if given, is used instead of building one from `config.scan` (reuse it
    across calls; it must be built from the same packs and filters). `ray` cleans the files on Ray actors.
    """
    started = time.time()
    _check_options(config)
    _check_apart(paths, out_dir)
    root = out_dir.rstrip("/") + "/"
    scan_hits = load_hits(config.hits) if config.hits else None
    jobs = _jobs(open_inputs(paths, config.scan.read), config, root, scan_hits)
    if scanner is None and (scan_hits is None or config.rewrites):
        scanner = config.scan.scanner()
    if config.action == "replace":
        _check_replacements(config, scanner, scan_hits)
    packs = scanner.packs.hashes() if scanner else {}
    meta = {"tool": "scanner", "version": __version__, "command": command or sys.argv, "inputs": list(paths)}
    if scan_hits:
        meta["hits"] = {"path": scan_hits.path, "packs": scan_hits.packs, "command": scan_hits.command}
    settings = _settings(config, [j.source for j in jobs], packs, scan_hits)
    manifest = Manifest.resume(out_dir, settings, meta)
    resumed = []
    cleaned = _cleaned([j for j in jobs if not manifest.finished(j.source)], config, scanner, ray)
    for job in jobs:
        if manifest.finished(job.source):
            resumed.append(job.source)
        else:
            manifest.add(next(cleaned))
        if progress:
            progress(manifest.files[job.source], job.source in resumed)
    manifest.order([j.source for j in jobs])
    return manifest.save(complete=True, resumed=resumed, wall_seconds=round(time.time() - started, 3))


def _cleaned(
    jobs: list[FileJob], config: CleanConfig, scanner: Scanner | None, ray: RayOptions | None
) -> Iterator[FileEntry]:
    """Each job cleaned, in order: here, or on Ray actors that build their own scanner (when one is needed)."""
    if ray is None:
        return (clean_file(job, config, scanner) for job in jobs)
    return ray_map(partial(clean_file, config=config), jobs, config.scan.scanner if scanner else None, ray)


def _check_options(config: CleanConfig) -> None:
    if config.action not in ACTIONS:
        raise OptionError(f"unknown action {config.action!r} (expected one of {', '.join(ACTIONS)})")
    if config.redact_chat not in REDACT_CHAT:
        raise OptionError(f"unknown --redact-chat {config.redact_chat!r} (expected one of {', '.join(REDACT_CHAT)})")
    if config.action == "replace" and not config.replacements:
        raise OptionError("--action replace needs the words to put in: --replace-with TEXT or --replace-map FILE")
    if config.action != "replace" and config.replacements:
        raise OptionError("--replace-with and --replace-map go with --action replace")


def _check_apart(paths: list[str], out_dir: str) -> None:
    """Refuse an output folder inside an input folder (a rerun would read the output) or the other way round."""
    out = fsspec.core.url_to_fs(out_dir)[1].rstrip("/")
    for path in paths:
        given = fsspec.core.url_to_fs(path)[1].rstrip("/")
        if out == given or out.startswith(given + "/") or given.startswith(out + "/"):
            raise InputError(
                f"{path}: overlaps the output folder {out_dir} (a rerun would read the output); write it elsewhere"
            )


def _check_replacements(config: CleanConfig, scanner: Scanner, scan_hits: ScanHits | None) -> None:
    """Every language a claim can be in has a replacement, and no replacement is itself a claim."""
    langs = {r.lang for r in scanner.rules}
    if scan_hits:
        langs |= {h.lang for hits in scan_hits.hits.values() for h in hits}
    missing = sorted(lang for lang in langs if replacement(config.replacements, lang) is None)
    if missing:
        raise OptionError(
            f"no replacement for claims in {', '.join(missing)}: add them to the --replace-map file, "
            "or give --replace-with TEXT for every language the map leaves out"
        )
    for lang, text in config.replacements.items():
        for h in scanner.scan_text(text):
            raise OptionError(
                f"the replacement {text!r} ({lang}) is itself a claim ({h.rule}, severity {h.severity}), so a "
                "rescan would find it: use other words, or leave its family out (--families, --min-severity)"
            )


def _jobs(units: list[WorkUnit], config: CleanConfig, root: str, scan_hits: ScanHits | None) -> list[FileJob]:
    """One job per input file (the row-group units of a Parquet file together), with its output paths."""
    groups: dict[str, list[WorkUnit]] = {}
    for unit in units:
        groups.setdefault(unit.source, []).append(unit)
    if scan_hits:
        scan_hits.check_sources(list(groups))
    names = _output_names(groups, root)
    jobs = []
    for source, group in groups.items():
        outputs = {kind: f"{root}{kind}/{names[source]}" for kind in config.outputs()}
        if "redactions" in outputs:
            outputs["redactions"] += ".jsonl"
        hits = None
        if scan_hits:
            hits = {}
            for h in scan_hits.hits.get(source, []):
                if _counts(h, config):
                    hits.setdefault(h.row, []).append(h)
        jsonl = isinstance(group[0], JsonlUnit)
        rows = scan_hits.rows[source] if scan_hits else None
        jobs.append(FileJob(source, group, outputs, root, jsonl, hits, rows))
    return jobs


def _counts(h: Hit, config: CleanConfig) -> bool:
    """Whether a hit from a hits file counts at this run's settings (as the Scanner would decide)."""
    scan = config.scan
    return (
        SEVERITIES.index(h.severity) >= SEVERITIES.index(scan.min_severity)
        and (not scan.families or h.family in scan.families)
        and (not scan.roles or h.role is None or h.role in scan.roles)
    )


def _output_names(groups: dict[str, list[WorkUnit]], root: str) -> dict[str, str]:
    """Each input's name under kept/ (and rejected/): its path below the inputs' common folder."""
    paths = {s: g[0].path for s, g in groups.items() if hasattr(g[0], "path")}
    common = posixpath.commonpath([posixpath.dirname(p) for p in paths.values()]) if paths else ""
    names = {s: posixpath.relpath(p, common) for s, p in paths.items()}
    for source in groups.keys() - names.keys():  # a Hugging Face dataset split
        names[source] = re.sub(r"[^\w.-]+", "_", source) + ".parquet"
    return names


def _settings(config: CleanConfig, sources: list[str], packs: dict, scan_hits: ScanHits | None) -> dict:
    """What must match for a rerun to resume a previous one (as JSON would give it back)."""
    scan = config.scan
    settings = {
        "action": config.action,
        "redact_chat": config.redact_chat,
        "replacements": config.replacements,
        "families": scan.families,
        "min_severity": scan.min_severity,
        "roles": scan.roles,
        "text_fields": scan.text_fields,
        "id_field": scan.id_field,
        "on_error": scan.read.on_error,
        "sources": sources,
        "packs": packs,
        "hits": {"path": scan_hits.path, "sha256": scan_hits.sha256} if scan_hits else None,
    }
    return json.loads(json.dumps(settings))
