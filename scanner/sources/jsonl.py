"""JSON Lines files, plain or compressed (.gz, .zst, .bz2, .xz), line by line.

The schema is inferred from the first rows, and every batch is converted to
it, so a row whose value does not fit its column (a number where the other
rows hold text, a chat field that is not a list of messages) is named, or
skipped and counted.
"""

from __future__ import annotations

import io
import json
import lzma
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import zstandard

from ..errors import InputError, RowError
from .base import Batch, ReadOptions, WorkUnit

SCHEMA_PEEK_ROWS = 1000
_CONVERSION_ERRORS = (pa.ArrowException, ValueError, TypeError, OverflowError)
_READ_ERRORS = (OSError, EOFError, lzma.LZMAError, zstandard.ZstdError)


class JsonlUnit(WorkUnit):
    """A whole JSONL file; each non-blank line is one row."""

    def __init__(self, fs, path: str, source: str, options: ReadOptions):
        self.fs, self.path, self.source, self.options = fs, path, source, options
        self.key = source
        self._schema: pa.Schema | None = None

    def schema(self) -> pa.Schema:
        if self._schema is None:
            peek = []
            for _, record in self._records(skip_bad=True):  # bad lines are reported by batches()
                if not isinstance(record, RowError):
                    peek.append(record)
                if len(peek) >= SCHEMA_PEEK_ROWS:
                    break
            names = dict.fromkeys(k for r in peek for k in r)
            self._schema = pa.schema([(n, _column_type([r.get(n) for r in peek])) for n in names])
        return self._schema

    def batches(self, columns: list[str] | None) -> Iterator[Batch]:
        names = columns if columns is not None else self.schema().names
        records, rows, skipped = [], [], []
        for row, record in self._records(skip_bad=self.options.on_error == "skip"):
            if isinstance(record, RowError):
                skipped.append((row, record.reason))
            else:
                records.append(record)
                rows.append(row)
            if len(records) >= self.options.batch_rows:
                yield self._batch(records, rows, skipped, names)
                records, rows, skipped = [], [], []
        if records or skipped:
            yield self._batch(records, rows, skipped, names)

    def _batch(self, records: list[dict], rows: list[int], skipped: list[tuple[int, str]], names: list[str]) -> Batch:
        """Records as a table in the file's schema; misfit rows raise, or are skipped with a reason."""
        schema = self.schema()
        types = {n: _batch_type(schema.field(n).type, [r.get(n) for r in records]) for n in names}
        try:
            table = _to_table(records, types)
        except _CONVERSION_ERRORS:
            misfits = [(row, m) for record, row in zip(records, rows) if (m := _misfit(record, types))]
            if not misfits:
                raise InputError(f"{self.source}: rows {rows[0]}-{rows[-1]} do not form a table") from None
            if self.options.on_error != "skip":
                row, (reason, got) = misfits[0]
                raise RowError(f"{self.source}: row {row}: {reason} (got {got})", reason) from None
            bad = {row for row, _ in misfits}
            records = [r for r, row in zip(records, rows) if row not in bad]
            rows = [row for row in rows if row not in bad]
            skipped = sorted(skipped + [(row, reason) for row, (reason, _) in misfits])
            table = _to_table(records, types)
        return Batch(self.source, table, np.array(rows, dtype=np.int64), skipped)

    def lines(self) -> Iterator[tuple[int, int, bytes]]:
        """(row, line number, raw bytes) per non-blank line: rows as `batches()` numbers them."""
        try:
            f = self.fs.open(self.path, "rb", compression="infer")
        except (OSError, ValueError) as e:
            raise InputError(f"{self.source}: cannot open ({e})") from None
        row = 0
        with f:
            try:
                # Some decompressors (zstd) cannot iterate lines themselves.
                for line_no, line in enumerate(io.BufferedReader(f), start=1):
                    if line.strip():
                        yield row, line_no, line
                        row += 1
            except _READ_ERRORS as e:
                raise InputError(
                    f"{self.source}: cannot decompress or read past row {row} ({e or type(e).__name__})"
                ) from None

    def _records(self, skip_bad: bool) -> Iterator[tuple[int, dict | RowError]]:
        """(row, record) per non-blank line; a bad line raises, or comes back as a RowError."""
        for row, line_no, line in self.lines():
            try:
                yield row, _parse(line, self.source, line_no, row)
            except RowError as e:
                if not skip_bad:
                    raise
                yield row, e


def _parse(line: bytes, source: str, line_no: int, row: int) -> dict:
    where = f"{source}: line {line_no} (row {row})"
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise RowError(f"{where}: not valid UTF-8 (byte {e.start})", "not valid UTF-8") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as e:
        raise RowError(f"{where}: malformed JSON ({e.msg})", "malformed JSON") from None
    if not isinstance(record, dict):
        raise RowError(f"{where}: not a JSON object", "not a JSON object")
    return record


def _column_type(values: list) -> pa.DataType:
    """The Arrow type of a column: inferred, or the commonest type of its values where they disagree."""
    try:
        return pa.array(values).type
    except _CONVERSION_ERRORS:
        types = Counter(t for v in values if v is not None and (t := _value_type(v)) is not None)
        return types.most_common(1)[0][0] if types else pa.null()


def _value_type(value: object) -> pa.DataType | None:
    try:
        return pa.array([value]).type
    except _CONVERSION_ERRORS:
        return None


def _batch_type(schema_type: pa.DataType, values: list) -> pa.DataType:
    """The schema's type, unless the first rows left it open (all nulls, empty lists): then this batch's."""
    return _column_type(values) if _has_null(schema_type) else schema_type


def _has_null(t: pa.DataType) -> bool:
    return pa.types.is_null(t) or any(_has_null(t.field(i).type) for i in range(t.num_fields))


def _to_table(records: list[dict], types: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({n: pa.array([r.get(n) for r in records], type=t) for n, t in types.items()})


def _misfit(record: dict, types: dict[str, pa.DataType]) -> tuple[str, str] | None:
    """(reason, what the row holds) for the first field of a record that does not fit its type."""
    for name, t in types.items():
        value = record.get(name)
        if value is not None and not _value_fits(value, t):
            return f"field '{name}' is not {t}", _json_kind(value)
    return None


def _value_fits(value: object, t: pa.DataType) -> bool:
    try:
        pa.array([value], type=t)
    except _CONVERSION_ERRORS:
        return False
    return True


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"
