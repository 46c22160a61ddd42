"""Output files that appear only when complete: written under a hidden temporary name, then renamed.

A crash leaves at most a `.name.partial` file, which readers skip (hidden)
and a rerun overwrites.
"""

from __future__ import annotations

import json
import posixpath

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import OpenFile
from fsspec.utils import infer_compression

ROW_GROUP_ROWS = 131072
ROW_GROUP_BYTES = 256 << 20  # wide rows: a row group of 128k long documents would not fit in memory


def partial_path(path: str) -> str:
    """Where `path` is written until it is complete."""
    folder, name = posixpath.split(path)
    return posixpath.join(folder, f".{name}.partial")


class _Atomic:
    """A binary file written under its partial name and renamed on commit."""

    def __init__(self, path: str, compression: str | None = None):
        self.fs, self.path = fsspec.core.url_to_fs(path)
        self.temp = partial_path(self.path)
        self.fs.makedirs(posixpath.dirname(self.path), exist_ok=True)
        self._open = OpenFile(self.fs, self.temp, "wb", compression=compression)
        self.file = self._open.open()

    def commit(self) -> None:
        self._open.close()  # the compressor, then the file under it
        self.fs.mv(self.temp, self.path)

    def abort(self) -> None:
        self._open.close()
        if self.fs.exists(self.temp):
            self.fs.rm(self.temp)


class ParquetSink:
    """A Parquet file in a fixed schema: zstd, row groups of about 128k rows."""

    def __init__(self, path: str, schema: pa.Schema):
        self._out = _Atomic(path)
        self.schema = schema
        self._writer = pq.ParquetWriter(self._out.file, schema, compression="zstd")
        self._pending: list[pa.Table] = []
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        """Append rows (cast to the file's types: text read decoded goes back dictionary-encoded)."""
        self._pending.append(table if table.schema.equals(self.schema) else table.cast(self.schema))
        self.rows += table.num_rows
        if sum(t.num_rows for t in self._pending) >= ROW_GROUP_ROWS or (
            sum(t.nbytes for t in self._pending) >= ROW_GROUP_BYTES
        ):
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            table = pa.concat_tables(self._pending)
            self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            self._pending = []

    def commit(self) -> None:
        """Finish the file and give it its name."""
        self._flush()
        self._writer.close()
        self._out.commit()

    def abort(self) -> None:
        """Remove the partial file."""
        self._writer.close()
        self._out.abort()


class LinesSink:
    """A JSON Lines file, compressed as its name says (`.jsonl.gz`, `.jsonl.zst`)."""

    def __init__(self, path: str):
        self._out = _Atomic(path, infer_compression(path))
        self.rows = 0

    def write(self, lines: list[bytes]) -> None:
        """Append lines (each ending in a newline)."""
        self._out.file.write(b"".join(lines))
        self.rows += len(lines)

    def write_records(self, records: list[dict]) -> None:
        """Append records as JSON lines."""
        self.write([json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records])

    def commit(self) -> None:
        """Finish the file and give it its name."""
        self._out.commit()

    def abort(self) -> None:
        """Remove the partial file."""
        self._out.abort()
