"""Clean one input file: read it batch by batch, take each batch's hits, decide, write its outputs.

Parquet is rewritten through Arrow: untouched values are copied, never
converted. JSONL is rewritten line by line: an untouched row is its original
line, byte for byte.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..engines.unit import plan_unit
from ..errors import InputError
from ..fields import FieldSpec, one_array, parse_field, plan_fields
from ..hits import Hit
from ..scan import Scanner
from ..sources import Batch, WorkUnit
from ..sources.parquet import ParquetUnit
from .actions import Outcome, Rewrite, field_text, rewrite
from .config import CleanConfig
from .manifest import FileEntry
from .writers import LinesSink, ParquetSink

TAG = "contamination"
CONTAMINATION = pa.list_(
    pa.struct(
        [
            ("field", pa.string()),
            ("family", pa.string()),
            ("rule", pa.string()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("method", pa.string()),
        ]
    )
)
MAX_ROUNDS = 3  # rewrite, rescan the rewritten text, and again: what still holds a claim then is dropped


@dataclass
class FileJob:
    """One input file (all its work units) and where its outputs go."""

    source: str
    units: list[WorkUnit]
    outputs: dict[str, str]  # kind (kept, rejected, redactions) -> full path
    root: str  # the output folder, ending in "/"
    jsonl: bool
    hits: dict[int, list[Hit]] | None = None  # from a hits file: row -> hits; None: scan
    rows: int | None = None  # rows the scan that wrote the hits read


@dataclass
class Decision:
    """What becomes of the contaminated rows of one batch (by row of the batch's table)."""

    hits: dict[int, list[Hit]]
    drops: dict[int, str] = field(default_factory=dict)
    outcomes: dict[int, Outcome] = field(default_factory=dict)


def clean_file(job: FileJob, config: CleanConfig, scanner: Scanner | None) -> FileEntry:
    """Clean one input file into its outputs and account for every row."""
    schema = job.units[0].schema()
    entry = FileEntry(job.source, {k: p.removeprefix(job.root) for k, p in job.outputs.items()})
    if not schema.names:  # an empty file
        for path in job.outputs.values():
            LinesSink(path).commit()
        return entry
    if TAG in schema.names:
        raise InputError(f"{job.source}: already has a '{TAG}' column (cleaned before?); rename or remove it first")
    return _FileRun(job, config, scanner, schema, entry).run()


class _FileRun:
    """The state of cleaning one file: its plan, its sinks, the hits not yet met."""

    def __init__(self, job: FileJob, config: CleanConfig, scanner: Scanner | None, schema: pa.Schema, entry):
        self.job, self.action, self.scanner, self.schema, self.entry = job, config.action, scanner, schema, entry
        self.specs, self.id_field = plan_unit(schema, config.scan, job.source)
        chat = {s.column: s.chat[0] for s in self.specs if s.chat}
        self.rewriting = Rewrite(config.action, chat, config.redact_chat, config.replacements)
        self.pending = dict(job.hits) if job.hits is not None else None
        self.sinks = _open_sinks(job, _stored_schema(job.units[0], schema), tagged=config.action == "tag")

    def run(self) -> FileEntry:
        try:
            if self.job.rows is not None and (hint := _rows_hint(self.job.units)) is not None:
                self._check_rows(hint)
            lines = self.job.units[0].lines() if self.job.jsonl else None
            for unit in self.job.units:
                for batch in unit.batches(None):
                    self._batch(batch, lines)
            self._finish()
        except BaseException:
            for sink in self.sinks.values():
                sink.abort()
            raise
        for sink in self.sinks.values():
            sink.commit()
        return self.entry

    def _batch(self, batch: Batch, lines: Iterator[tuple[int, int, bytes]] | None) -> None:
        n = batch.table.num_rows
        raw = _take_lines(lines, batch) if lines is not None else None
        hits = self._hits(batch)
        values = _values_reader(batch.table, raw)
        decision = self._decide(batch, hits, values)
        if raw is None:
            self._write_table(batch.table, decision)
        else:
            self._write_lines(raw, decision)
        if "redactions" in self.sinks:
            self.sinks["redactions"].write_records(self._redactions(batch, decision))
        e = self.entry
        e.rows_in += n + len(batch.skipped)
        e.rows_skipped += len(batch.skipped)
        e.skip_reasons.update(reason for _, reason in batch.skipped)
        e.rows_contaminated += len(decision.hits)
        e.hits += sum(len(h) for h in decision.hits.values())
        e.drop_reasons.update(decision.drops.values())
        e.rows_rewritten += sum(1 for i, o in decision.outcomes.items() if i not in decision.drops and o.changes)

    def _hits(self, batch: Batch) -> dict[int, list[Hit]]:
        """The batch's hits by row of its table: scanned now, or taken from the hits file and checked."""
        if self.pending is None:
            found = self.scanner.scan_batch(
                batch.table, source=batch.source, rows=batch.rows, fields=self.specs, id_field=self.id_field
            )
        else:
            for row, _ in batch.skipped:
                self.pending.pop(row, None)
            found = [h for row in batch.rows.tolist() for h in self.pending.pop(row, [])]
        index = {int(row): i for i, row in enumerate(batch.rows)}
        by_row: dict[int, list[Hit]] = defaultdict(list)
        for h in found:
            by_row[index[h.row]].append(h)
        return dict(by_row)

    def _decide(self, batch: Batch, hits: dict[int, list[Hit]], values) -> Decision:
        decision = Decision(hits)
        if not hits:
            return decision
        columns = list(dict.fromkeys([s.column for s in self.specs] + _columns(hits)))
        rows = {i: values(i, columns) for i in hits}
        if self.pending is not None:
            for i, found in hits.items():
                _check_hits(batch.source, found, rows[i])
        if self.action == "drop":
            decision.drops = {i: "contaminated" for i in hits}
        elif self.action in ("redact", "replace"):
            decision.outcomes = {i: rewrite(rows[i], found, self.rewriting) for i, found in hits.items()}
            self._settle(decision.outcomes, self._specs_for(columns), batch.table.schema, columns)
            decision.drops = {i: o.drop for i, o in decision.outcomes.items() if o.drop}
        return decision

    def _settle(self, outcomes: dict[int, Outcome], specs, schema: pa.Schema, columns: list[str]) -> None:
        """Rescan rewritten rows and rewrite again what still holds a claim; drop what never comes clean."""
        live = [i for i, o in outcomes.items() if not o.drop]
        sub = pa.schema([schema.field(c) for c in columns])
        for round_ in range(MAX_ROUNDS):
            if not live:
                return
            table = pa.Table.from_pylist([outcomes[i].values for i in live], schema=sub)
            again: dict[int, list[Hit]] = defaultdict(list)
            for h in self.scanner.scan_batch(table, fields=specs):
                again[live[h.row]].append(h)
            for i, found in again.items():
                if round_ == MAX_ROUNDS - 1:
                    outcomes[i].drop = f"still contaminated after {MAX_ROUNDS} rewrites"
                    continue
                more = rewrite(outcomes[i].values, found, self.rewriting)
                outcomes[i] = Outcome(more.values, outcomes[i].changes + more.changes, more.drop)
            live = [i for i in again if not outcomes[i].drop]

    def _specs_for(self, columns: list[str]) -> list[FieldSpec]:
        """Specs of the columns rewritten: the planned ones, and any a hits file names besides."""
        planned = {s.column: s for s in self.specs}
        return [planned.get(c) or plan_fields(self.schema, (c,), self.job.source)[0] for c in columns]

    def _write_table(self, table: pa.Table, d: Decision) -> None:
        kept = _with_values(table, d.outcomes, d.drops)
        if self.action == "tag":
            kept = kept.append_column(pa.field(TAG, CONTAMINATION), _tags(range(table.num_rows), d.hits))
        if d.drops:
            keep = np.ones(table.num_rows, bool)
            keep[list(d.drops)] = False
            kept = kept.filter(keep)
            dropped = sorted(d.drops)
            rejected = table.take(dropped).append_column(pa.field(TAG, CONTAMINATION), _tags(dropped, d.hits))
            self.sinks["rejected"].write(rejected)
        self.sinks["kept"].write(kept)

    def _write_lines(self, raw: list[bytes], d: Decision) -> None:
        kept, rejected = [], []
        for i, line in enumerate(raw):
            if i in d.drops:
                rejected.append(_add_member(line, TAG, _tag(d.hits[i])))
            elif i in d.outcomes and d.outcomes[i].changes:
                record = json.loads(line)
                outcome = d.outcomes[i]
                record.update({c: outcome.values[c] for c in outcome.columns})
                kept.append(json.dumps(record, ensure_ascii=False).encode() + b"\n")
            elif self.action == "tag":
                kept.append(_add_member(line, TAG, _tag(d.hits.get(i, []))))
            else:
                kept.append(line if line.endswith(b"\n") else line + b"\n")
        self.sinks["kept"].write(kept)
        if rejected:
            self.sinks["rejected"].write(rejected)

    def _redactions(self, batch: Batch, d: Decision) -> list[dict]:
        """One audit record per contaminated row: what was cut or put in, or why the row went."""
        return [
            {
                "source": batch.source,
                "row": int(batch.rows[i]),
                "doc_id": found[0].doc_id,
                "action": self.action,
                "dropped": d.drops.get(i),
                "changes": d.outcomes[i].changes,
                "hits": [
                    {k: getattr(h, k) for k in ("field", "family", "rule", "start", "end", "match")} for h in found
                ],
            }
            for i, found in sorted(d.hits.items())
        ]

    def _finish(self) -> None:
        """Check the hits file against what was read, and count what was written."""
        e = self.entry
        if self.pending:
            row = min(self.pending)
            raise InputError(f"{self.job.source}: the hits name row {row}, but the file has {e.rows_in} rows")
        if self.job.rows is not None:
            self._check_rows(e.rows_in)
        e.rows_kept = self.sinks["kept"].rows
        e.rows_dropped = self.sinks["rejected"].rows if "rejected" in self.sinks else 0
        e.check()

    def _check_rows(self, rows: int) -> None:
        if rows != self.job.rows:
            raise InputError(
                f"{self.job.source}: {rows} rows, but the scan that wrote the hits read {self.job.rows}: "
                "the hits are from other data"
            )


def _open_sinks(job: FileJob, schema: pa.Schema, tagged: bool) -> dict:
    """A sink per output; Parquet rows that carry their hits gain the contamination column."""
    with_tags = schema.append(pa.field(TAG, CONTAMINATION))
    sinks = {}
    for kind, path in job.outputs.items():
        if kind == "redactions" or job.jsonl:
            sinks[kind] = LinesSink(path)
        else:
            sinks[kind] = ParquetSink(path, with_tags if kind == "rejected" or tagged else schema)
    return sinks


def _stored_schema(unit: WorkUnit, schema: pa.Schema) -> pa.Schema:
    """The schema the rows are written in: a Parquet file's own, whose dictionary columns the reader decodes."""
    if isinstance(unit, ParquetUnit):
        with unit.fs.open(unit.path, "rb") as f:
            return pq.ParquetFile(f).schema_arrow
    return schema


def _rows_hint(units: list[WorkUnit]) -> int | None:
    hints = [u.rows_hint() for u in units]
    return None if None in hints else sum(hints)


def _take_lines(lines: Iterator[tuple[int, int, bytes]], batch: Batch) -> list[bytes]:
    """The raw lines of a batch's table rows (its skipped rows' lines are passed over)."""
    wanted = set(batch.rows.tolist())
    last = max([*wanted, *(row for row, _ in batch.skipped)], default=-1)
    raw = []
    for row, _, line in lines:
        if row in wanted:
            raw.append(line)
        if row >= last:
            break
    return raw


def _values_reader(table: pa.Table, raw: list[bytes] | None):
    """A function giving the Python values of some columns of one row."""
    if raw is None:
        return lambda i, columns: {c: table.column(c)[i].as_py() for c in columns}

    def from_line(i: int, columns: list[str]) -> dict:
        record = json.loads(raw[i])
        return {c: record.get(c) for c in columns}

    return from_line


def _columns(hits: dict[int, list[Hit]]) -> list[str]:
    return list(dict.fromkeys(parse_field(h.field).column for found in hits.values() for h in found))


def _check_hits(source: str, hits: list[Hit], values: dict) -> None:
    """Refuse a hit whose match is not where it says in this row: the hits are from other data."""
    for h in hits:
        try:
            text = field_text(values, parse_field(h.field))
            actual = text[h.start : h.end]
        except (KeyError, IndexError, TypeError):
            actual = None
        if actual != h.match:
            raise InputError(
                f"{source}: row {h.row}: the hits say {h.field}[{h.start}:{h.end}] is {h.match!r}, "
                f"but this input has {actual!r} there: the hits are from other data"
            )


def _with_values(table: pa.Table, outcomes: dict[int, Outcome], drops: dict[int, str]) -> pa.Table:
    """The table with the rewritten values of kept rows put in; every other value is copied."""
    by_column: dict[str, dict[int, object]] = defaultdict(dict)
    for i, o in outcomes.items():
        if i not in drops:
            for c in o.columns:
                by_column[c][i] = o.values[c]
    for c, new in by_column.items():
        column = one_array(table.column(c))
        index = np.arange(table.num_rows)
        index[list(new)] = table.num_rows + np.arange(len(new))
        values = pa.concat_arrays([column, pa.array(list(new.values()), type=column.type)]).take(index)
        position = table.schema.get_field_index(c)
        table = table.set_column(position, table.schema.field(c), values)
    return table


def _tag(hits: list[Hit]) -> list[dict]:
    return [{"field": h.field, "family": h.family, "rule": h.rule, "start": h.start, "end": h.end, "method": h.method}
            for h in hits]  # fmt: skip


def _tags(rows: Iterable[int], hits: dict[int, list[Hit]]) -> pa.Array:
    return pa.array([_tag(hits.get(i, [])) for i in rows], type=CONTAMINATION)


def _add_member(line: bytes, key: str, value: object) -> bytes:
    """A JSON object line with one more member, its other bytes as they were."""
    body = line.rstrip()
    head = body[:-1].rstrip()  # drop the closing brace
    separator = b"" if head.endswith(b"{") else b", "
    return head + separator + json.dumps({key: value}, ensure_ascii=False)[1:].encode() + b"\n"
