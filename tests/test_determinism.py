"""The same input and packs give byte-identical hits files whatever the worker count or batch size."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

CLAIMS = [
    "Hello! I am Qwen, a large language model created by Alibaba Cloud.",
    "你好，我是通义千问，由阿里云开发的AI助手。",
    "I am ChatGPT, a large language model trained by OpenAI.",
    "Hi, I am Q\u200bwen, made by Alibaba Cloud.",
]
FILLER = [
    "The weather was fine, so we walked to the park.",
    "阿里云今天发布了通义千问2.5。",
    "GPT-4 and Qwen were compared.",
]


def test_hits_files_are_byte_identical_whatever_the_workers(write_parquet, run_scan):
    texts = [CLAIMS[i % 4] if i % 5 == 0 else FILLER[i % 3] for i in range(240)]
    corpus = write_parquet("corpus.parquet", pa.table({"text": texts}), row_group_size=40)
    runs = [
        run_scan(corpus, "-p", "qwen", "-p", "openai", "-w", "1"),
        run_scan(corpus, "-p", "qwen", "-p", "openai", "-w", "2"),
        run_scan(corpus, "-p", "qwen", "-p", "openai", "-w", "2", "--batch-rows", "7"),
    ]
    assert all(r.exit_code == 0 for r in runs), [r.stderr for r in runs]
    first = runs[0].out
    assert pq.ParquetFile(corpus).metadata.num_row_groups == 6  # six units for two workers
    assert len(runs[0].hits) >= 48
    for run in runs[1:]:
        assert (run.out / "hits.jsonl").read_bytes() == (first / "hits.jsonl").read_bytes()
        assert (run.out / "hits.parquet").read_bytes() == (first / "hits.parquet").read_bytes()
        summaries = [json.loads((out / "summary.json").read_text()) for out in (first, run.out)]
        for s in summaries:
            del s["wall_seconds"], s["command"]
        assert summaries[0] == summaries[1]


def test_a_rule_preempted_once_still_finds_its_match(monkeypatch):
    # The regex timeout is wall time: a busy machine can pause a process past it on a short text. One such
    # pause must not lose a hit (output would then depend on the machine's load); only a second one counts.
    from scanner import Scanner, match

    matches = match._matches
    paused = []

    def pause_once(rule, text, *args):
        if not paused:
            paused.append(rule.id)
            raise TimeoutError("regex timed out")
        return matches(rule, text, *args)

    monkeypatch.setattr(match, "_matches", pause_once)
    scanner = Scanner(["qwen"])
    hits = scanner.scan_text("Hello! I am Qwen, a large language model created by Alibaba Cloud.")
    assert paused and {h.family for h in hits} == {"qwen"}
    assert scanner.stats.timeouts == 0
