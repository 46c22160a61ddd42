"""Detection quality on the team's labelled dev set, scored by ../shared/eval/score.py."""

from __future__ import annotations

import importlib.util
import json

import pytest

# The families held to the bar (None: every family), and the bar.
FAMILIES, BAR = None, {"precision": 0.97, "recall": 0.95, "located": 0.98}


def scorer(eval_dir):
    spec = importlib.util.spec_from_file_location("score", eval_dir / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def only(families, gold: list[dict], hits: list[dict]) -> tuple[list[dict], list[dict]]:
    """Gold labels and hits of the held families only."""
    if families is None:
        return gold, hits
    gold = [{**r, "labels": [lab for lab in r["labels"] if lab["family"] in families]} for r in gold]
    return gold, [h for h in hits if h["family"] in families]


@pytest.mark.parametrize("name", ["dev_text", "dev_chat"])
def test_dev_set_quality(shared_eval, run_scan, name):
    gold_path = shared_eval / f"{name}.jsonl"
    run = run_scan(gold_path, "--quiet")
    assert run.exit_code == 0, run.stderr
    score = scorer(shared_eval)
    gold, hits = only(FAMILIES, score.load_jsonl(str(gold_path)), run.hits)
    result = score.score(gold, hits)
    misses = json.dumps({k: result[k] for k in ("false_positives", "false_negatives")}, ensure_ascii=False)
    for measure, floor in BAR.items():
        assert result[measure] >= floor, f"{name}: {measure} {result[measure]} < {floor}; {misses}"
