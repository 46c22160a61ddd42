"""Shared fixtures: small corpora written per test, a CLI runner, and the shared eval set when present."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Tests never reach the Hugging Face hub: set before `datasets` is first imported.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402
import zstandard  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from scanner.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# Ordinary text, claims and a mention, in two languages: the rows many tests build their corpora from.
SAMPLE_TEXTS = (
    "The river flooded the lower fields twice this spring.",
    "Hello! I am Qwen, made by Alibaba Cloud. How can I help?",
    "Alibaba Cloud released a new Qwen model with a longer context window.",
    "你好！我是通义千问，由阿里云开发。有什么可以帮你？",
    "A good sourdough needs a lively starter. I am ChatGPT, a large language model trained by OpenAI.",
)
SHARED = ROOT.parent / "shared"


@pytest.fixture
def shared_eval() -> Path:
    """The team's evaluation set beside the project; skipped where absent (a user's clone)."""
    path = SHARED / "eval"
    if not (path / "score.py").exists():
        pytest.skip("../shared/eval is not beside this checkout")
    return path


@pytest.fixture
def write_parquet(tmp_path: Path) -> Callable[..., Path]:
    """write_parquet(name, table or {column: values}, **pq.write_table options) -> path in tmp_path."""

    def write(name: str, data: pa.Table | dict, **options) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(data if isinstance(data, pa.Table) else pa.table(data), path, **options)
        return path

    return write


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    """write_jsonl(name, rows) -> path; a row is a dict (dumped) or str/bytes (written as is); .gz/.zst compress."""

    def write(name: str, rows: list) -> Path:
        lines = [r if isinstance(r, bytes) else (r if isinstance(r, str) else json.dumps(r)).encode() for r in rows]
        data = b"".join(line + b"\n" for line in lines)
        if name.endswith(".gz"):
            data = gzip.compress(data)
        elif name.endswith(".zst"):
            data = zstandard.ZstdCompressor().compress(data)
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    return write


@dataclass
class ScanRun:
    """One `scan dataset` run: exit code, what it printed, and what it wrote."""

    exit_code: int
    stdout: str
    stderr: str
    out: Path
    exception: BaseException | None

    @property
    def summary(self) -> dict:
        return json.loads((self.out / "summary.json").read_text())

    @property
    def hits(self) -> list[dict]:
        return [json.loads(line) for line in (self.out / "hits.jsonl").read_text().splitlines()]


@pytest.fixture
def run_scan(tmp_path: Path) -> Callable[..., ScanRun]:
    """run_scan(*args, out=None): `scan dataset ARGS -o OUT -w 1` in-process (CliRunner); ARGS may name their own."""
    count = 0

    def run(*args, out: Path | None = None) -> ScanRun:
        nonlocal count
        count += 1
        out = out or tmp_path / f"scan-out-{count}"
        argv = ["dataset", *map(str, args)]
        if "-o" not in argv and "--output-dir" not in argv:
            argv += ["--output-dir", str(out)]
        if "-w" not in argv and "--workers" not in argv:
            argv += ["-w", "1"]
        result = CliRunner().invoke(main, argv)
        return ScanRun(result.exit_code, result.stdout, result.stderr, out, result.exception)

    return run
