"""Pattern packs: every example of every bundled pack holds, and a malformed pack is refused precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner import PackError, load_packs
from scanner.examples import run_examples
from scanner.packs import patterns_dir

BUNDLED = sorted(p for p in patterns_dir().rglob("*.yaml") if not p.name.startswith("_"))


@pytest.fixture(scope="module")
def example_failures() -> dict[str, list[str]]:
    """Every failing example of the bundled packs and grammars, by file."""
    count, failures = run_examples(load_packs())
    assert count > 0
    by_file: dict[str, list[str]] = {}
    for failure in failures:
        by_file.setdefault(str(Path(failure.source).resolve()), []).append(str(failure))
    return by_file


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(patterns_dir())))
def test_pack_examples(example_failures, path):
    failures = example_failures.get(str(path.resolve()), [])
    assert not failures, "\n".join(failures)  # each names the file, the rule id and the example


GOOD_RULE = """
  - id: testfam.custom
    lang: en
    regex: "zorblax\\\\s+speaking"
    keywords: [zorblax]
"""


def write_pack(tmp_path: Path, rules: str, head: str = "family: testfam\nnames: [zorblax]\n") -> Path:
    path = tmp_path / "testfam.yaml"
    path.write_text(head + "rules:" + rules)
    return path


def test_a_good_pack_loads_and_matches(tmp_path):
    from scanner import Scanner

    packs = load_packs([str(write_pack(tmp_path, GOOD_RULE))])
    assert "testfam.custom" in {r.id for r in packs.rules}
    hits = Scanner(packs).scan_text("Hello, Zorblax speaking.")
    assert [(h.rule, h.match) for h in hits] == [("testfam.custom", "Zorblax speaking")]


NAMED_RULE = """
  - id: testfam.en.name
    lang: en
    regex: "i\\\\s+am\\\\s+{name}"
"""


@pytest.mark.parametrize(
    ("text", "role", "found"),
    [
        ("I am Zorblax.", None, True),
        ("I am Zork, a model ZorbCorp trained.", None, True),
        ("ZorbCorp built me. I am Zork.", None, True),
        ("I am Zork, an AI language model.", None, False),  # an AI cue is not enough: the maker must be named
        ("I am Zork.", "assistant", False),  # not even in an assistant turn
        ("I am Zorkish, by ZorbCorp.", None, False),
    ],
)
def test_a_name_that_needs_its_maker_counts_only_beside_it(tmp_path, text, role, found):
    from scanner import Scanner

    head = "family: testfam\nnames: [zorblax]\nneeds_maker: [zork]\nmakers: [zorbcorp]\n"
    scanner = Scanner(load_packs([str(write_pack(tmp_path, NAMED_RULE, head))]))
    assert bool(scanner.scan_text(text, role=role)) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I am Zork.", False),  # an ambiguous name alone: a person, perhaps
        ("I am Zork, made by ZorbCorp.", True),  # its maker nearby
        ("I am Zork 3.5 Pro.", True),  # with a version number it is the model's name
        ("I am Zork-2.", True),
        ("I am Zorkish 3.", False),
        ("I am Zork, and yes, I talk about AI all day, but I'm not an AI.", False),  # a person says so: a veto
        ("I am Zork, an AI, not a person.", True),
    ],
)
def test_an_ambiguous_name_counts_beside_a_cue_or_with_a_version(tmp_path, text, found):
    from scanner import Scanner

    head = "family: testfam\nnames: [zorblax]\nambiguous: [zork]\nmakers: [zorbcorp]\n"
    scanner = Scanner(load_packs([str(write_pack(tmp_path, NAMED_RULE, head))]))
    assert bool(scanner.scan_text(text)) == found


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ("\n  - id: r1\n    lang: en\n    regex: [unclosed\n", "not valid YAML"),
        ("\n  - id: r1\n    lang: en\n    keywords: [zorblax]\n", "rule r1: 'regex' is required"),
        ("\n  - id: r1\n    lang: en\n    regex: 'zorblax (a'\n    keywords: [zorblax]\n", "rule r1: regex does not compile"),
        ("\n  - id: r1\n    lang: en\n    regexp: zorblax\n    regex: zorblax\n    keywords: [zorblax]\n", "rule r1: unknown key(s) regexp"),
        ("\n  - id: r1\n    lang: en\n    regex: 'zorblax {nosuch}'\n    keywords: [zorblax]\n", "rule r1: unknown placeholder {nosuch}"),
        (GOOD_RULE + GOOD_RULE, "rule testfam.custom: id is also used"),
        ("\n  - id: r1\n    lang: en\n    regex: 'zorblax (a+)+b'\n    keywords: [zorblax]\n", "rule r1: regex can backtrack catastrophically"),
        ("\n  - id: r1\n    lang: en\n    regex: 'something'\n", "rule r1: 'keywords' is required"),
        ("\n  - lang: en\n    regex: zorblax\n    keywords: [zorblax]\n", "every rule needs an 'id'"),
        # YAML itself keeps the last of two equal keys: the first exclusion would vanish unseen
        ("\n  - id: r1\n    lang: en\n    regex: zorblax\n    exclude: a\n    exclude: b\n    keywords: [zorblax]\n",
         "line 8: not valid YAML ('exclude' given twice)"),
    ],
    ids=["bad-yaml", "missing-regex", "uncompilable", "unknown-key", "unknown-placeholder", "duplicate-id",
         "catastrophic", "missing-keywords", "missing-id", "duplicate-key"],
)  # fmt: skip
def test_malformed_pack_is_refused_with_file_rule_and_reason(tmp_path, rules, expected):
    path = write_pack(tmp_path, rules)
    with pytest.raises(PackError) as raised:
        load_packs([str(path)])
    message = str(raised.value)
    assert str(path) in message
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("family: testfam\nnames: [zorblax]\nneeds_maker: [zork]\n", "the pack lists no 'makers'"),
        ("family: testfam\nnames: [zork]\nneeds_maker: [zork]\nmakers: [zorbcorp]\n", "zork under both"),
    ],
)
def test_needs_maker_names_are_checked(tmp_path, head, expected):
    with pytest.raises(PackError, match=expected):
        load_packs([str(write_pack(tmp_path, GOOD_RULE, head))])


GRAMMAR = """lang: xx
exclude_before: "if\\\\s+$"
claims:
  - id: name
    regex: "i\\\\s+am\\\\s+{name}"
    exclude_before: "never\\\\s+$"
"""


def test_a_grammar_veto_joins_each_claims_own(tmp_path):
    from scanner.match import MatchStats, confirm
    from scanner.packs import _expand_grammar, _load_grammar

    grammar = tmp_path / "xx.yaml"
    grammar.write_text(GRAMMAR)
    packs = load_packs([str(write_pack(tmp_path, GOOD_RULE))])
    [rule] = _expand_grammar(_load_grammar(grammar), {}, packs.packs)
    assert [
        bool(confirm(t, [rule], 1.0, MatchStats()))
        for t in ("so i am zorblax", "if i am zorblax", "never i am zorblax")
    ] == [True, False, False]
    grammar.write_text(GRAMMAR.replace('exclude_before: "if\\\\s+$"', "exclude_before: [if]"))
    with pytest.raises(PackError, match="xx.yaml: 'exclude_before' must be a string"):
        _load_grammar(grammar)


def test_unknown_pack_name_lists_the_bundled_ones():
    with pytest.raises(PackError, match="no such pack file, folder or bundled pack .*qwen"):
        load_packs(["no-such-pack"])


def test_malformed_pack_exits_2_naming_file_and_rule(tmp_path, write_jsonl, run_scan):
    pack = write_pack(tmp_path, "\n  - id: r1\n    lang: en\n    regex: 'zorblax (a'\n    keywords: [zorblax]\n")
    data = write_jsonl("data.jsonl", [{"text": "hello"}])
    run = run_scan(data, "--patterns", pack)
    assert run.exit_code == 2
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert str(pack) in run.stderr and "rule r1" in run.stderr


def test_pathological_text_is_bounded_by_the_timeout_and_counted(tmp_path, write_jsonl, run_scan):
    # Allowed (not the (a+)+ shape) but exponential on a long run of a's with no b.
    slow = "\n  - id: testfam.slow\n    lang: en\n    regex: 'zorblax\\s+(?:a|aa)+b'\n    keywords: [zorblax]\n"
    pack = write_pack(tmp_path, slow)
    data = write_jsonl("data.jsonl", [{"text": "zorblax " + "a" * 150}, {"text": "Zorblax aab"}])
    run = run_scan(data, "--patterns", pack, "--json")
    assert run.exit_code == 0, run.stderr
    assert run.summary["rule_timeouts"] >= 1
    assert run.summary["rows_scanned"] == 2
    assert [(h["row"], h["rule"]) for h in run.hits] == [(1, "testfam.slow")]
