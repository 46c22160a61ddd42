"""The compiled-database cache: reused across runs, bounded in size, the least recently used dropped first."""

from __future__ import annotations

import os

from scanner import hsdb


def test_databases_are_cached_by_pattern_and_kind(tmp_path, monkeypatch):
    monkeypatch.setenv("SCANNER_CACHE_DIR", str(tmp_path))
    data = hsdb.compile_database(["qwen", r"通\s*义"])
    assert [p.read_bytes() for p in tmp_path.glob("*.hsdb")] == [data]
    assert hsdb.compile_database(["qwen", r"通\s*义"]) == data
    literal = hsdb.compile_database(["qwen", r"通\s*义"], literal=True)  # the same strings, read as plain text
    assert literal != data
    assert len(list(tmp_path.glob("*.hsdb"))) == 2


def test_prune_keeps_the_most_recently_used(tmp_path):
    for i, name in enumerate(["old", "used", "new"]):
        path = tmp_path / f"{name}.hsdb"
        path.write_bytes(b"x" * 100)
        os.utime(path, (1000 + i, 1000 + i))
    os.utime(tmp_path / "used.hsdb", (5000, 5000))  # read since: recently used
    hsdb.prune(tmp_path, keep_bytes=250)
    assert sorted(p.stem for p in tmp_path.glob("*.hsdb")) == ["new", "used"]
