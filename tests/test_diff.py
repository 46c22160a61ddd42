"""`scan diff A B`: per family, language and source, and finding by finding, on a crafted dataset revision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main

PACKS = ["-p", "qwen", "-p", "openai"]
BEFORE = [
    "Hi! I'm Qwen, a large language model developed by Alibaba Cloud.",  # cleaned away in the revision
    "I am ChatGPT, a large language model trained by OpenAI.",  # kept
    "A recipe for bread: flour, water, salt, time.",
]
AFTER = [
    "Hi! I'm an assistant; ask me anything.",
    "I am ChatGPT, a large language model trained by OpenAI.",
    "A recipe for bread: flour, water, salt, time.",
    "Hello, I am ChatGPT, trained by OpenAI. How can I help?",  # new in the revision
]


def scan_revision(data: Path, texts: list[str], out: Path) -> Path:
    """Write a revision of the same file and scan it into `out`."""
    data.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    result = CliRunner().invoke(main, ["dataset", str(data), *PACKS, "-o", str(out), "-w", "1", "-q"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> tuple[Path, Path]:
    """A scan of a dataset, and of its next revision at the same path."""
    root = tmp_path_factory.mktemp("diff")
    data = root / "corpus.jsonl"
    return scan_revision(data, BEFORE, root / "before"), scan_revision(data, AFTER, root / "after")


def diff(*args: str):
    return CliRunner().invoke(main, ["diff", *map(str, args)])


def test_new_findings_fail_and_vanished_are_listed(scans):
    before, after = scans
    result = diff(before, after, "--json")
    assert result.exit_code == 1
    d = json.loads(result.stdout)
    assert (d["new"], d["vanished"]) == (1, 1)
    assert [(h["row"], h["family"]) for h in d["new_samples"]] == [(3, "openai")]
    assert [(h["row"], h["family"]) for h in d["vanished_samples"]] == [(0, "qwen")]
    rows = {(c["dimension"], c["key"]): (c["before"], c["after"], c["change"]) for c in d["changes"]}
    assert rows[("family", "qwen")] == (1, 0, -1) and rows[("family", "openai")] == (1, 2, 1)
    assert rows[("language", "en")] == (2, 2, 0)
    source = str(before.parent / "corpus.jsonl")
    assert rows[("source", source)] == (2, 2, 0)
    assert rows[("total", "documents scanned")] == (3, 4, 1)
    assert rows[("total", "per million")] == (666666.67, 500000.0, -166666.67)


def test_cleaning_alone_passes(scans):
    before, after = scans
    result = diff(after, before)  # going back: the qwen hit is new, so this fails
    assert result.exit_code == 1 and "new findings: 1" in result.stdout
    result = diff(before, before)
    assert result.exit_code == 0 and "new findings: 0" in result.stdout and "vanished findings: 0" in result.stdout


def test_text_diff_reads_as_tables(scans):
    before, after = scans
    lines = diff(before, after).stdout.splitlines()
    family = lines.index(next(line for line in lines if line.startswith("family hits")))
    assert lines[family].split() == ["family", "hits", "before", "after", "change"]
    assert {tuple(line.split()) for line in lines[family + 1 : family + 3]} == {("qwen", "1", "0", "-1"), ("openai", "1", "2", "+1")}  # fmt: skip
    new = lines.index("new findings: 1")
    assert "row 3 text: openai.en." in lines[new + 1]


def test_a_folder_that_is_no_scan_is_named(tmp_path, scans):
    result = diff(scans[0], tmp_path)
    assert result.exit_code == 3 and f"{tmp_path}/summary.json: not found" in result.output
