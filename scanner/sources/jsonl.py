"""JSON Lines files, plain or compressed (.gz, .zst, .bz2, .xz), line by line."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from ..errors import InputError, RowError
from .base import Batch, ReadOptions, WorkUnit

SCHEMA_PEEK_ROWS = 100


class JsonlUnit(WorkUnit):
    """A whole JSONL file; each non-blank line is one row."""

    def __init__(self, fs, path: str, source: str, options: ReadOptions):
        self.fs, self.path, self.source, self.options = fs, path, source, options
        self.key = source

    def schema(self) -> pa.Schema:
        peek = []
        for _, record in self._records(skip_bad=True):
            peek.append(record)
            if len(peek) >= SCHEMA_PEEK_ROWS:
                break
        return _table(peek, self.source, list(range(len(peek)))).schema if peek else pa.schema([])

    def batches(self, columns: list[str] | None) -> Iterator[Batch]:
        records, rows, skipped = [], [], []
        for row, record in self._records(skip_bad=self.options.on_error == "skip"):
            if isinstance(record, RowError):
                skipped.append((row, record.reason))
                continue
            records.append({c: record.get(c) for c in columns} if columns is not None else record)
            rows.append(row)
            if len(records) >= self.options.batch_rows:
                yield self._batch(records, rows, skipped)
                records, rows, skipped = [], [], []
        if records or skipped:
            yield self._batch(records, rows, skipped)

    def _batch(self, records: list[dict], rows: list[int], skipped: list[tuple[int, str]]) -> Batch:
        if self.options.on_error == "skip":
            records, rows, bad = _drop_mistyped(records, rows)
            skipped = sorted(skipped + bad)
        return Batch(self.source, _table(records, self.source, rows), np.array(rows, dtype=np.int64), skipped)

    def _records(self, skip_bad: bool) -> Iterator[tuple[int, dict | RowError]]:
        """(row, record) per non-blank line; a bad line raises, or comes back as a RowError."""
        try:
            f = self.fs.open(self.path, "rb", compression="infer")
        except (OSError, ValueError) as e:
            raise InputError(f"{self.source}: cannot open ({e})") from None
        row = 0
        with f:
            try:
                for line_no, line in enumerate(f, start=1):
                    if not line.strip():
                        continue
                    try:
                        yield row, _parse(line, self.source, line_no, row)
                    except RowError as e:
                        if not skip_bad:
                            raise
                        yield row, e
                    row += 1
            except (OSError, EOFError) as e:
                raise InputError(f"{self.source}: cannot decompress or read past line {row} ({e})") from None


def _parse(line: bytes, source: str, line_no: int, row: int) -> dict:
    where = f"{source}: line {line_no} (row {row})"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RowError(f"{where}: not valid UTF-8 (byte {e.start})", "not valid UTF-8") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as e:
        raise RowError(f"{where}: malformed JSON ({e.msg})", "malformed JSON") from None
    if not isinstance(record, dict):
        raise RowError(f"{where}: not a JSON object", "not a JSON object")
    return record


def _table(records: list[dict], source: str, rows: list[int]) -> pa.Table:
    try:
        return pa.Table.from_pylist(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        _, _, bad = _drop_mistyped(records, rows)
        if bad:
            row, reason = bad[0]
            raise RowError(f"{source}: row {row}: {reason}", reason) from None
        raise InputError(f"{source}: rows do not form a table") from None


def _shape(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _drop_mistyped(records: list[dict], rows: list[int]) -> tuple[list[dict], list[int], list[tuple[int, str]]]:
    """Rows whose field types disagree with the first row that set them, split off with a reason."""
    seen: dict[str, str] = {}
    kept, kept_rows, bad = [], [], []
    for record, row in zip(records, rows):
        wrong = next(
            (k for k, v in record.items() if v is not None and seen.setdefault(k, _shape(v)) != _shape(v)), None
        )
        if wrong is None:
            kept.append(record)
            kept_rows.append(row)
        else:
            bad.append((row, f"field '{wrong}' is {_shape(record[wrong])}, other rows have {seen[wrong]}"))
    return kept, kept_rows, bad
