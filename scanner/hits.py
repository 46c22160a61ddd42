"""A hit: one claim found in one field of one row, and its Arrow schema."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields

import pyarrow as pa
import pyarrow.parquet as pq


@dataclass
class Hit:
    """A self-introduction found in the corpus, located exactly."""

    source: str
    row: int
    doc_id: str | None
    field: str
    role: str | None
    family: str
    rule: str
    lang: str
    severity: str
    method: str
    start: int
    end: int
    match: str
    score: float
    context: str | None
    reference: str | None = None

    @property
    def fingerprint(self) -> str:
        """A stable id: source, row, field, rule and a hash of the matched text."""
        digest = hashlib.sha256(self.match.encode()).hexdigest()[:12]
        return f"{self.source}:{self.row}:{self.field}:{self.rule}:{digest}"

    def to_dict(self) -> dict:
        """The hit as a JSON-ready dict, with its fingerprint."""
        return {**asdict(self), "fingerprint": self.fingerprint}


HIT_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("row", pa.int64()),
        ("doc_id", pa.string()),
        ("field", pa.string()),
        ("role", pa.string()),
        ("family", pa.string()),
        ("rule", pa.string()),
        ("lang", pa.string()),
        ("severity", pa.string()),
        ("method", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("match", pa.string()),
        ("score", pa.float64()),
        ("context", pa.string()),
        ("reference", pa.string()),
        ("fingerprint", pa.string()),
    ]
)
assert [f.name for f in fields(Hit)] + ["fingerprint"] == HIT_SCHEMA.names


def hits_table(hits: list[Hit]) -> pa.Table:
    """Hits as an Arrow table in HIT_SCHEMA."""
    return pa.Table.from_pylist([h.to_dict() for h in hits], schema=HIT_SCHEMA)


def hit_from_dict(d: dict) -> Hit:
    """A Hit from a row of a hits file (the fingerprint is derived, not read)."""
    return Hit(**{f.name: d.get(f.name) for f in fields(Hit)})


def write_hits(f, hits: list[Hit], **options) -> None:
    """Hits to an open binary file, as zstd Parquet (`options` go to pyarrow's write_table)."""
    pq.write_table(hits_table(hits), f, compression="zstd", **options)


def read_hits(f) -> list[Hit]:
    """The hits of a Parquet file write_hits wrote."""
    return [hit_from_dict(d) for d in pq.read_table(f).to_pylist()]
