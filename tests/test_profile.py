"""--profile: per rule, the windows its keywords sent it, those its regex ran on, its hits and its time."""

from __future__ import annotations

CLAIM = "Hello! I am Qwen, a large language model created by Alibaba Cloud."
MENTION = "Alibaba released Qwen2.5 last week; the weights are on the hub."
CLEAN = "The weather was fine, so we walked to the park and bought some fruit."


def test_profile_counts_and_times_every_rule(write_parquet, run_scan):
    texts = [CLAIM] * 3 + [MENTION] * 5 + [CLEAN] * 20
    run = run_scan(write_parquet("corpus.parquet", {"text": texts}, row_group_size=10), "-p", "qwen", "--profile")
    assert run.exit_code == 0
    rows = {r["rule"]: r for r in run.summary["profile"]}
    by_rule = run.summary["by_rule"]
    assert by_rule and all(rows[rule]["hits"] == n for rule, n in by_rule.items())
    for r in rows.values():
        assert r["keyword_hits"] >= r["confirmed"] >= 0 and r["seconds"] >= 0
        assert r["keyword_hits"] <= 8  # only the 8 windows that name Qwen went to the rules
    claimed = rows[next(iter(by_rule))]
    assert claimed["keyword_hits"] == 8 and claimed["confirmed"] >= 3 and claimed["seconds"] > 0
    # The literal gate keeps most rules from running on windows without their words.
    assert sum(r["confirmed"] for r in rows.values()) < sum(r["keyword_hits"] for r in rows.values()) / 2
    assert "keyword hits" in run.stdout and claimed["rule"] in run.stdout


def test_no_profile_unless_asked(write_parquet, run_scan):
    run = run_scan(write_parquet("corpus.parquet", {"text": [CLAIM]}), "-p", "qwen")
    assert "profile" not in run.summary and "keyword hits" not in run.stdout
