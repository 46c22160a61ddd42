"""--limit and --sample: the rows they scan, counted, the same every run, and an honest interval for the rate."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from scanner.sampling import sample_mask, wilson

CLAIM = "Hello! I am Qwen, a large language model created by Alibaba Cloud."
CLEAN = "The weather was fine, so we walked to the park and bought some fruit."
PACKS = ("-p", "qwen")


def corpus_texts(n: int = 3000, every: int = 10) -> list[str]:
    return [CLAIM if i % every == 0 else CLEAN for i in range(n)]


def test_the_sample_is_the_same_however_the_rows_are_batched():
    rows = np.arange(100_000)
    whole = sample_mask("a.parquet", rows, 0.1, seed=7)
    pieces = np.concatenate([sample_mask("a.parquet", rows[i : i + 999], 0.1, seed=7) for i in range(0, 100_000, 999)])
    assert (whole == pieces).all()
    assert 9_500 < whole.sum() < 10_500  # about a tenth
    assert not (whole == sample_mask("a.parquet", rows, 0.1, seed=8)).all()  # the seed matters
    assert not (whole == sample_mask("b.parquet", rows, 0.1, seed=7)).all()  # and so does the source


def test_wilson_interval():
    low, high = wilson(5, 100)
    assert low == pytest.approx(0.02154, abs=1e-4) and high == pytest.approx(0.11175, abs=1e-4)
    low, high = wilson(0, 1000)
    assert low == 0.0 and 0.003 < high < 0.004  # no hits still bounds the rate


def test_sample_scans_a_seeded_share_and_counts_the_rest(write_parquet, run_scan):
    corpus = write_parquet("corpus.parquet", pa.table({"text": corpus_texts()}), row_group_size=700)
    runs = [
        run_scan(corpus, *PACKS, "--sample", "0.25", "--seed", "3"),
        run_scan(corpus, *PACKS, "--sample", "0.25", "--seed", "3", "-w", "2", "--batch-rows", "111"),
    ]
    assert all(r.exit_code == 0 for r in runs)
    summary = runs[0].summary
    assert summary["rows_read"] == 3000 == summary["rows_scanned"] + summary["rows_not_sampled"]
    assert 600 < summary["rows_scanned"] < 900
    assert runs[0].hits == runs[1].hits and runs[1].summary["rows_scanned"] == summary["rows_scanned"]
    assert all(h["row"] % 10 == 0 for h in runs[0].hits)
    estimate = summary["estimate"]
    assert estimate["sample"] == 0.25 and estimate["seed"] == 3
    low, high = estimate["ci95_per_million"]
    # The interval is Wilson's for the rows scanned, and the sample a fair draw: the true rate is 1 in 10, within
    # four standard errors (the corpus's path, which seeds the draw with the seed, differs from run to run, so a
    # 95% interval alone would miss it one run in twenty).
    scanned, found = summary["rows_scanned"], len({h["row"] for h in runs[0].hits})
    assert (low, high) == pytest.approx(tuple(1e6 * x for x in wilson(found, scanned)), rel=1e-3)
    assert low < estimate["per_million"] < high
    assert abs(found / scanned - 0.1) < 4 * (0.1 * 0.9 / scanned) ** 0.5
    assert "95% interval" in runs[0].stdout


def test_limit_scans_the_first_rows_across_units(write_parquet, write_jsonl, run_scan):
    corpus = write_parquet("corpus.parquet", pa.table({"text": corpus_texts(300)}), row_group_size=100)
    run = run_scan(corpus, *PACKS, "--limit", "150")
    assert run.exit_code == 0
    assert run.summary["rows_read"] == run.summary["rows_scanned"] == 150
    assert sorted(h["row"] for h in run.hits) == list(range(0, 150, 10))
    assert run.summary["estimate"]["limit"] == 150

    lines = write_jsonl("corpus.jsonl", [{"text": t} for t in corpus_texts(50)])
    run = run_scan(lines, *PACKS, "--limit", "25", "--batch-rows", "10")
    assert run.summary["rows_read"] == 25 and sorted(h["row"] for h in run.hits) == [0, 10, 20]


def test_without_limit_or_sample_there_is_no_estimate(write_parquet, run_scan):
    run = run_scan(write_parquet("corpus.parquet", {"text": corpus_texts(20)}), *PACKS)
    assert "estimate" not in run.summary and run.summary["rows_not_sampled"] == 0
