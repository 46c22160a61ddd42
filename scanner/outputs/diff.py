"""`scan diff A B`: what changed between two scans, by family, language and source, and finding by finding.

Findings are matched by fingerprint (source, row, field, rule, hash of the
match), so two scans compare finding by finding when they read the same paths.
Only the fingerprint column of each scan is held in memory, and the few hits
listed are fetched by position.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .report import SAMPLE_COLUMNS, clip, reveal
from .scanfiles import fingerprints, hits_at, read_summary


@dataclass
class Change:
    """One figure before and after."""

    dimension: str  # "total", "family", "language" or "source"
    key: str
    before: float
    after: float

    @property
    def change(self) -> float:
        """After minus before."""
        return round(self.after - self.before, 2)


@dataclass
class ScanDiff:
    """Two scans compared: figures that changed, and findings that are new or gone."""

    before: str
    after: str
    changes: list[Change]
    new: int
    vanished: int
    new_samples: list[dict]
    vanished_samples: list[dict]

    def to_dict(self) -> dict:
        """The diff as a JSON-ready dict."""
        d = asdict(self)
        for c, change in zip(d["changes"], self.changes):
            c["change"] = change.change
        return d


def diff_scans(before_dir: str, after_dir: str, samples: int = 10) -> ScanDiff:
    """Compare the scan in `after_dir` with the one in `before_dir`."""
    a, b = read_summary(before_dir), read_summary(after_dir)
    before, after = fingerprints(before_dir), fingerprints(after_dir)
    new, vanished = unmatched(after, before), unmatched(before, after)
    return ScanDiff(
        before_dir,
        after_dir,
        changes(a, b),
        len(new),
        len(vanished),
        hits_at(after_dir, new[:samples].to_pylist(), SAMPLE_COLUMNS),
        hits_at(before_dir, vanished[:samples].to_pylist(), SAMPLE_COLUMNS),
    )


def changes(a: dict, b: dict) -> list[Change]:
    """Totals, then hits per family, language and source, before and after."""
    totals = [
        ("documents scanned", "rows_scanned"),
        ("contaminated documents", "documents_with_hits"),
        ("per million", "contaminated_per_million"),
        ("hits", "hits"),
    ]
    out = [Change("total", label, a[key], b[key]) for label, key in totals]
    for dimension, key in (("family", "by_family"), ("language", "by_lang"), ("source", "by_source")):
        before, after = _hits(a[key]), _hits(b[key])
        out += [Change(dimension, k, before.get(k, 0), after.get(k, 0)) for k in dict.fromkeys([*before, *after])]
    return out


def _hits(counts: dict) -> dict[str, int]:
    return {k: v["hits"] if isinstance(v, dict) else v for k, v in counts.items()}


def unmatched(ours: pa.Array, theirs: pa.Array) -> pa.Array:
    """Positions of the fingerprints in `ours` that are not in `theirs`."""
    return pc.indices_nonzero(pc.invert(pc.is_in(ours, value_set=theirs)))


def format_diff(d: ScanDiff) -> str:
    """The diff as plain-text tables for the terminal."""
    lines = [f"before {d.before}", f"after  {d.after}"]
    for dimension in ("total", "family", "language", "source"):
        rows = [c for c in d.changes if c.dimension == dimension]
        if not rows:
            continue
        title = "" if dimension == "total" else f"{dimension} hits"
        width = min(max(len(title), *(len(c.key) for c in rows)) + 2, 60)
        lines += ["", f"{title:<{width}}{'before':>12}{'after':>12}{'change':>12}"]
        lines += [
            f"{reveal(clip(c.key, width - 2)):<{width}}{_num(c.before):>12}{_num(c.after):>12}{_num(c.change, sign=True):>12}"
            for c in rows
        ]
    for label, count, hits in (("new", d.new, d.new_samples), ("vanished", d.vanished, d.vanished_samples)):
        lines += ["", f"{label} findings: {count:,}"]
        lines += [
            f"  {reveal(h['source'])} row {h['row']} {h['field']}: {h['rule']} "
            f"{json.dumps(reveal(clip(h['match'], 80)), ensure_ascii=False)}"
            for h in hits
        ]
        if count > len(hits):
            lines.append(f"  … and {count - len(hits):,} more")
    return "\n".join(lines)


def _num(x: float, sign: bool = False) -> str:
    text = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"
    return ("+" if sign and x > 0 else "") + text
