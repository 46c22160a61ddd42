"""Hits from an earlier scan, and the checks that they belong to the inputs being cleaned.

A hits file says where claims are, not which rows were looked at: a file with
no hits may have been clean or never scanned. So the scan's `summary.json`,
written beside its hits, must list every input with its row count.
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
from collections import defaultdict
from dataclasses import dataclass

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..hits import Hit, hit_from_dict

SUMMARY = "summary.json"
REQUIRED = ("source", "row", "field", "family", "rule", "lang", "severity", "start", "end", "match")


@dataclass
class ScanHits:
    """An earlier scan's hits by source, with the rows it read per source."""

    path: str
    sha256: str
    hits: dict[str, list[Hit]]
    rows: dict[str, int]
    packs: dict[str, str]
    command: list[str] | None

    def check_sources(self, sources: list[str]) -> None:
        """Refuse inputs the scan did not read, and hits of sources its summary does not list."""
        unscanned = [s for s in sources if s not in self.rows]
        if unscanned:
            scanned = ", ".join(list(self.rows)[:5]) + (", ..." if len(self.rows) > 5 else "")
            raise InputError(
                f"{self.path}: these hits are from a scan of other data: it did not read {unscanned[0]} "
                f"(it read: {scanned or 'nothing'}); scan these inputs, or clean what was scanned"
            )
        strays = sorted(set(self.hits) - set(self.rows))
        if strays:
            raise InputError(f"{self.path}: hits name {strays[0]}, which its {SUMMARY} does not list")


def load_hits(path: str) -> ScanHits:
    """Read a hits file (`hits.parquet` or `hits.jsonl`) and the `summary.json` beside it."""
    data = _read(path, "hits file")
    try:
        if path.endswith((".parquet", ".pq")):
            records = pq.read_table(io.BytesIO(data)).to_pylist()
        else:
            records = [json.loads(line) for line in data.split(b"\n") if line.strip()]  # not splitlines: U+2028
    except (pa.ArrowException, ValueError) as e:
        raise InputError(f"{path}: not a readable hits file ({e})") from None
    by_source: dict[str, list[Hit]] = defaultdict(list)
    for i, record in enumerate(records):
        missing = [k for k in REQUIRED if not isinstance(record, dict) or record.get(k) is None]
        if missing:
            raise InputError(f"{path}: hit {i} has no '{missing[0]}': not a hits file written by `scan dataset`")
        hit = hit_from_dict(record)
        by_source[hit.source].append(hit)
    summary_path = posixpath.join(posixpath.dirname(path) or ".", SUMMARY)
    summary = _summary(summary_path, path)
    rows = {s: v["rows"] for s, v in summary["by_source"].items()}
    return ScanHits(
        path, hashlib.sha256(data).hexdigest(), dict(by_source), rows, summary.get("packs", {}), summary.get("command")
    )


def _summary(summary_path: str, hits_path: str) -> dict:
    try:
        summary = json.loads(_read(summary_path, SUMMARY))
    except InputError:
        raise InputError(
            f"{hits_path}: no {SUMMARY} beside it, so which rows were scanned is unknown; "
            "keep the scan's output folder together"
        ) from None
    except ValueError as e:
        raise InputError(f"{summary_path}: not valid JSON ({e})") from None
    if not isinstance(summary.get("by_source"), dict):
        raise InputError(f"{summary_path}: no 'by_source' row counts: not a summary written by `scan dataset`")
    return summary


def _read(path: str, what: str) -> bytes:
    try:
        with fsspec.open(path, "rb") as f:
            return f.read()
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: cannot read the {what} ({e})") from None
