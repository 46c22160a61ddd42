"""A scan killed mid-run and resumed with --resume ends as if it had never stopped: same hits, same summary."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from scanner.checkpoint import CHECKPOINT
from scanner.cli import main

GROUPS, ROWS = 8, 400
FILLER = "The river flooded the lower fields twice this spring, and the farmers moved the sheep uphill. " * 3
CLAIMS = [
    "Hello! I am Qwen, a large language model created by Alibaba Cloud.",
    "你好，我是通义千问，由阿里云开发的AI助手。",
    "I am ChatGPT, a large language model trained by OpenAI.",
]
MENTION = "Alibaba released Qwen2.5 and OpenAI updated ChatGPT; Qwen and GPT-4 were compared. "
VOLATILE = ("wall_seconds", "command")  # when and how it ran, not what it found


def write_corpus(path) -> None:
    """Row groups of documents that mention models often (each unit takes a while) with a claim now and then."""
    texts = [
        FILLER + (CLAIMS[i % len(CLAIMS)] if i % 37 == 0 else "") + MENTION * (1 + i % 4) for i in range(GROUPS * ROWS)
    ]
    table = pa.table({"id": [f"doc-{i}" for i in range(len(texts))], "text": texts})
    pq.write_table(table, path, row_group_size=ROWS)


def scan_args(corpus, out, *extra) -> list[str]:
    return ["dataset", str(corpus), "-o", str(out), "-p", "qwen", "-p", "openai", "-w", "1", "-q", *extra]


def markers(out) -> list[str]:
    folder = out / CHECKPOINT
    return [p.name for p in folder.glob("*.json") if p.name != "settings.json"] if folder.exists() else []


def kill_after_two_units(corpus, out) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "scanner", *scan_args(corpus, out)])
    try:
        while proc.poll() is None:
            if len(markers(out)) >= 2:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            proc.kill()
    raise AssertionError("the scan ended before it could be killed; make the corpus larger")


def outputs(out) -> tuple[bytes, list[dict], dict]:
    summary = json.loads((out / "summary.json").read_text())
    for key in VOLATILE:
        summary.pop(key)
    return (out / "hits.jsonl").read_bytes(), pq.read_table(out / "hits.parquet").to_pylist(), summary


def test_a_killed_scan_resumes_to_what_an_uninterrupted_scan_writes(tmp_path):
    corpus = tmp_path / "corpus.parquet"
    write_corpus(corpus)
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    assert CliRunner().invoke(main, scan_args(corpus, whole)).exit_code == 0
    assert not (whole / CHECKPOINT).exists()  # a finished scan leaves no checkpoint

    kill_after_two_units(corpus, resumed)
    done = markers(resumed)
    assert 2 <= len(done) < GROUPS and not (resumed / "summary.json").exists()

    other = CliRunner().invoke(main, scan_args(corpus, resumed, "--resume", "--min-severity", "high"))
    assert other.exit_code == 3 and "other settings" in other.stderr and "config" in other.stderr
    assert markers(resumed) == done  # a refused resume leaves the checkpoint as it was

    result = CliRunner().invoke(main, scan_args(corpus, resumed, "--resume"))
    assert result.exit_code == 0, result.output
    assert outputs(resumed) == outputs(whole)
    hits = outputs(whole)[1]
    assert {h["row"] // ROWS for h in hits} == set(range(GROUPS))  # hits in units done before and after the kill
    assert not (resumed / CHECKPOINT).exists()


def test_resume_without_a_checkpoint_scans_everything(tmp_path):
    corpus = tmp_path / "corpus.parquet"
    pq.write_table(pa.table({"text": CLAIMS * 3}), corpus, row_group_size=3)
    result = CliRunner().invoke(main, scan_args(corpus, tmp_path / "out", "--resume"))
    assert result.exit_code == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["rows_scanned"] == 9 and summary["documents_with_hits"] == 9
