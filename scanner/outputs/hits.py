"""The hits files: `hits.jsonl` and `hits.parquet`, written as results arrive."""

from __future__ import annotations

import json

import fsspec
import pyarrow.parquet as pq

from ..hits import HIT_SCHEMA, Hit, hits_table

ROW_GROUP_ROWS = 131072


class HitsWriter:
    """Streams hits to `hits.jsonl` and `hits.parquet` in an output folder (local or remote)."""

    def __init__(self, out_dir: str):
        self.out_dir = out_dir.rstrip("/")
        self.count = 0
        self._jsonl = fsspec.open(f"{self.out_dir}/hits.jsonl", "w", encoding="utf-8").open()
        self._parquet_file = fsspec.open(f"{self.out_dir}/hits.parquet", "wb").open()
        self._parquet = pq.ParquetWriter(self._parquet_file, HIT_SCHEMA, compression="zstd")
        self._pending: list[Hit] = []

    def write(self, hits: list[Hit]) -> None:
        """Append hits to both files."""
        for h in hits:
            self._jsonl.write(json.dumps(h.to_dict(), ensure_ascii=False) + "\n")
        self._pending.extend(hits)
        self.count += len(hits)
        if len(self._pending) >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._parquet.write_table(hits_table(self._pending), row_group_size=ROW_GROUP_ROWS)
            self._pending = []

    def close(self) -> None:
        """Finish both files."""
        self._flush()
        self._parquet.close()
        self._parquet_file.close()
        self._jsonl.close()

    def __enter__(self) -> HitsWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
