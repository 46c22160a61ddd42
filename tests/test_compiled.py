"""Rule patterns built from their cached parsed form behave as regex.compile's, and survive a bad cache."""

from __future__ import annotations

import regex
from regex import _main

from scanner.compiled import compile_pattern
from scanner.packs import load_packs

FLAGS = regex.IGNORECASE | regex.V0


def test_cached_rules_match_as_compiled_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("SCANNER_CACHE_DIR", str(tmp_path))
    rules = [r for r in load_packs(["qwen", "generic"]).rules if r.examples["match"]][::7]
    for rule in rules:
        plain = regex.compile(rule.pattern, FLAGS)
        for cached in (compile_pattern(rule.pattern, FLAGS), compile_pattern(rule.pattern, FLAGS)):
            assert (cached.pattern, cached.flags, cached.groupindex) == (plain.pattern, plain.flags, plain.groupindex)
            for text in rule.examples["match"] + rule.examples["no_match"]:
                folded = text.lower()
                assert [m.span() for m in cached.finditer(folded)] == [m.span() for m in plain.finditer(folded)]


def test_a_second_process_does_not_parse_again(tmp_path, monkeypatch):
    monkeypatch.setenv("SCANNER_CACHE_DIR", str(tmp_path))
    compile_pattern(r"(?P<name>qwen|通义千问)\s+(?:is|是)", FLAGS)

    def no_parsing(*args):
        raise AssertionError("parsed again")

    monkeypatch.setattr(_main, "_compile", no_parsing)
    assert compile_pattern(r"(?P<name>qwen|通义千问)\s+(?:is|是)", FLAGS).search("通义千问 是")["name"] == "通义千问"


def test_a_damaged_cache_entry_compiles_as_usual(tmp_path, monkeypatch):
    monkeypatch.setenv("SCANNER_CACHE_DIR", str(tmp_path))
    compile_pattern(r"qwen\d+", FLAGS)
    for path in tmp_path.glob("*.hsdb"):
        path.write_bytes(b"not a pickle")
    assert compile_pattern(r"qwen\d+", FLAGS).search("QWEN25").group() == "QWEN25"
