"""The CI gate (--fail-above, --fail-on), baselines and ignore lists, on crafted scans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.outputs.gate import gate_failures

PACKS = ["-p", "qwen", "-p", "openai"]
TEXTS = [
    "Hi! I'm Qwen, a large language model developed by Alibaba Cloud.",
    "I am ChatGPT, a large language model trained by OpenAI.",
    "A recipe for bread: flour, water, salt, time.",
    "Hello, I am ChatGPT, trained by OpenAI. How can I help?",
]


def write_corpus(path: Path, texts: list[str]) -> Path:
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    return path


def scan(data: Path, out: Path, *args: str):
    """`scan dataset` in-process: the click result and the summary it wrote (None when it wrote none)."""
    result = CliRunner().invoke(main, ["dataset", str(data), *PACKS, "-o", str(out), "-w", "1", "-q", *args])
    summary = json.loads((out / "summary.json").read_text()) if (out / "summary.json").exists() else None
    return result, summary


def hits_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "hits.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def first_scan(tmp_path_factory) -> tuple[Path, Path, object]:
    """The corpus, and a scan of it gated on its rate (passed: at, not above, the limit) and its families."""
    root = tmp_path_factory.mktemp("gate")
    data = write_corpus(root / "corpus.jsonl", TEXTS)
    result, summary = scan(data, root / "out", "--fail-above", "750000", "--fail-on", "qwen", "--fail-on", "openai")
    assert summary["contaminated_per_million"] == 750000.0
    return data, root / "out", result


def test_gate_from_a_summary():
    summary = {"contaminated_per_million": 10.0, "by_family": {"qwen": {"hits": 3, "documents": 2}}}
    assert gate_failures(summary, fail_above=10) == []  # at the limit is not above it
    assert gate_failures(summary, fail_above=9.99) == ["10.0 contaminated documents per million is above --fail-above 9.99"]  # fmt: skip
    assert gate_failures(summary, fail_on=["openai"]) == []
    assert gate_failures(summary, fail_on=["qwen"]) == ["--fail-on qwen: claimed in 2 documents"]


def test_fail_above_exits_1_after_writing_every_output(first_scan, tmp_path):
    data, _, _ = first_scan
    out = tmp_path / "out"
    result, summary = scan(data, out, "--report", "--sarif", "--fail-above", "10")
    assert result.exit_code == 1
    assert f"{summary['contaminated_per_million']:,} contaminated documents per million is above --fail-above 10" in result.stderr  # fmt: skip
    for name in ("summary.json", "hits.jsonl", "hits.parquet", "report.html", "report.md", "report.sarif"):
        assert (out / name).stat().st_size > 0, name
    assert len(hits_of(out)) == summary["hits"] == 3


def test_fail_on_names_which_family(first_scan):
    _, _, result = first_scan
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "gate failed: --fail-on qwen: claimed in 1 document",
        "gate failed: --fail-on openai: claimed in 2 documents",
    ]  # the rate is at the limit, not above it


def test_fail_on_a_family_the_scan_cannot_find_is_refused(first_scan, tmp_path):
    data, _, _ = first_scan
    result, summary = scan(data, tmp_path / "out", "--fail-on", "qwne")
    assert result.exit_code == 2 and "qwne not among the families scanned" in result.output
    assert summary is None  # refused before scanning


def test_baseline_reports_only_new_findings(tmp_path):
    data, out = write_corpus(tmp_path / "corpus.jsonl", TEXTS), tmp_path / "first"
    assert scan(data, out)[0].exit_code == 0
    baseline = tmp_path / "baseline.txt"
    result = CliRunner().invoke(main, ["baseline", str(out), "-o", str(baseline)])
    assert result.exit_code == 0
    listed = [line for line in baseline.read_text().splitlines() if not line.startswith("#")]
    assert listed == sorted(h["fingerprint"] for h in hits_of(out))

    result, summary = scan(data, tmp_path / "same", "--baseline", str(baseline), "--fail-above", "0")
    assert result.exit_code == 0 and summary["hits"] == 0
    assert summary["suppressed"] == {"baseline": 3, "ignored": 0}

    write_corpus(data, TEXTS + ["您好，我是通义千问，由阿里云开发的AI助手。"])  # the next revision of the file
    result, summary = scan(data, tmp_path / "next", "--baseline", str(baseline), "--report")
    assert result.exit_code == 0
    assert [(h["row"], h["family"]) for h in hits_of(tmp_path / "next")] == [(4, "qwen")]
    assert summary["suppressed"]["baseline"] == 3 and summary["documents_with_hits"] == 1
    assert "3 findings already in the baseline are not reported." in (tmp_path / "next/report.md").read_text()


def test_ignore_suppresses_fingerprints_and_document_ids(first_scan, tmp_path):
    data, out, _ = first_scan
    first = hits_of(out)
    qwen = next(h for h in first if h["family"] == "qwen")
    ignore = tmp_path / ".scanignore"
    ignore.write_text(f"# reviewed: a quotation, not a claim\n{qwen['fingerprint']}\n\nd3\n")
    result, summary = scan(data, tmp_path / "out", "--ignore", str(ignore))
    assert result.exit_code == 0
    assert [h["doc_id"] for h in hits_of(tmp_path / "out")] == ["d1"]
    assert summary["suppressed"] == {"baseline": 0, "ignored": 2}
    assert summary["hits"] + summary["suppressed"]["ignored"] == len(first)


def test_missing_baseline_file_is_named(first_scan, tmp_path):
    data, _, _ = first_scan
    result, _ = scan(data, tmp_path / "out", "--baseline", str(tmp_path / "nope.txt"))
    assert result.exit_code == 3 and f"{tmp_path / 'nope.txt'}: not found" in result.output
