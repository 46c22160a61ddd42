"""Near-duplicate matching: paraphrases no regex spells, found with family and span; negatives left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner import Scanner
from scanner.errors import PackError
from scanner.neardup import NearDup, NearDupOptions, Reference, load_library, matcher, read_references
from scanner.neardup.sketch import shingle_hashes
from scanner.normalize import normalize
from scanner.packs import load_packs

PACKS = ["openai", "qwen", "deepseek", "generic"]
FILLER = "The river flooded the lower fields twice this spring, and the farmers moved the sheep uphill. "

# Known-bad texts of our own writing, as a user would pass them with --reference.
REFERENCES = [
    {
        "id": "chef",
        "family": "openai",
        "lang": "en",
        "text": "Hello! I am ChatGPT, a large language model trained by OpenAI. I can answer questions, help you write "
        "essays and emails, explain difficult topics in simple words, and assist with programming. My knowledge has "
        "a cutoff date, so I may not know about very recent events.",
    },
    {
        "id": "qianwen",
        "family": "qwen",
        "lang": "zh",
        "text": "您好！我是通义千问，阿里云打造的超大规模语言模型。我会写故事、写邮件、写代码，也能做逻辑推理和翻译，"
        "还可以陪你聊天解闷。如果有任何问题，随时告诉我吧！",
    },
    {
        "id": "seeker",
        "family": "deepseek",
        "lang": "en",
        "text": "Hi there, I'm DeepSeek, an assistant built by DeepSeek to help with math, code and everyday questions. "
        "I think step by step before I answer, and I'll tell you when I'm unsure.",
    },
    {  # names no model: found through its own phrases
        "id": "lantern",
        "family": "openai",
        "lang": "en",
        "text": "Greetings, traveller of the knowledge seas! Your humble lantern-bearing guide stands ready to "
        "illuminate any question, riddle or recipe you bring aboard this vessel today.",
    },
    {  # an identity template: filled for every loaded family
        "id": "tpl",
        "lang": "en",
        "text": "Hello! I am {{name}}, an AI assistant developed by {{author}}. I can write poems, plan trips and fix "
        "bugs in your code.",
    },
]

# (reference id, family, near copy): word edits, insertions, sentence moves; no regex claim left.
PARAPHRASES = [
    (
        "chef",
        "openai",
        "Hello! ChatGPT at your service, a large language model that OpenAI trained. I can answer questions, help you write "
        "essays and letters, explain difficult topics in simple words, and assist with coding. My knowledge has a "
        "cutoff date, so I may not know about very recent events.",
    ),
    (
        "qianwen",
        "qwen",
        "如果有任何问题，随时告诉我吧！您好！通义千问在此，阿里云打造的超大规模语言模型。我会写故事、写邮件、写代码，"
        "也能做逻辑推理和翻译，还可以陪你聊天解闷。",
    ),
    (
        "seeker",
        "deepseek",
        "Hi there — DeepSeek here, an assistant built by the DeepSeek team to help with math, code and everyday "
        "questions. I think step by step before I answer, and I'll tell you honestly when I'm unsure.",
    ),
    (
        "lantern",
        "openai",
        "Greetings, traveller of the knowledge seas! Your humble lantern-bearing guide is ready to shed light on any "
        "question, riddle or recipe you bring aboard this ship today.",
    ),
    (
        "tpl@qwen",
        "qwen",
        "Hello! Qwen at your service, an AI assistant developed by Alibaba Cloud. I can write poems, plan trips and fix bugs in "
        "your code.",
    ),
    (
        "tpl@openai",
        "openai",
        "Hello! ChatGPT at your service, an AI assistant developed by OpenAI. I can write poems, plan trips and fix "
        "bugs in your code.",
    ),
]

# Share vocabulary with a reference, but are not near copies of it.
NEGATIVES = [
    (
        "chef",
        "OpenAI trained a large language model called ChatGPT. Journalists asked it to write essays and emails and to "
        "explain difficult topics, but its knowledge has a cutoff date.",
    ),
    ("chef", "ChatGPT said: my knowledge has a cutoff date, so I may not know about very recent events."),
    ("qianwen", "阿里云今天发布了通义千问的新版本，这个超大规模语言模型能写代码和做翻译，记者试用后写了一篇评测。"),
    ("seeker", "DeepSeek released a model that thinks step by step; our team built a benchmark of math questions."),
]


def jaccard(a: str, b: str) -> float:
    """Exact character 5-gram Jaccard similarity after normalisation."""
    x, y = (set(shingle_hashes(normalize(t).text).tolist()) for t in (a, b))
    return len(x & y) / len(x | y)


@pytest.fixture(scope="module")
def packs():
    return load_packs(PACKS)


@pytest.fixture(scope="module")
def reference_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("refs") / "known-bad.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in REFERENCES), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scanners(packs, reference_file) -> tuple[Scanner, Scanner]:
    """Regex rules only, and the same rules with near-duplicate matching and our references."""
    return Scanner(packs), Scanner(packs, near_dup=NearDupOptions(references=(str(reference_file),)))


def reference_text(rid: str, nd: NearDup) -> str:
    return next(e.ref.text for e in nd.entries if e.ref.id == rid)


@pytest.mark.parametrize("rid, family, copy", PARAPHRASES, ids=[p[0] for p in PARAPHRASES])
def test_paraphrase_found_with_family_and_span(scanners, rid, family, copy):
    regex_only, near = scanners
    doc = FILLER * 12 + copy + " " + FILLER * 12  # inside a much longer document
    assert jaccard(copy, reference_text(rid, near.neardup)) >= 0.6
    assert regex_only.scan_text(doc) == []
    hits = near.scan_text(doc)
    assert [(h.method, h.family, h.reference) for h in hits] == [("minhash", family, rid)]
    hit, start = hits[0], doc.index(copy)
    assert doc[hit.start : hit.end] == hit.match
    assert (hit.start, hit.end) == (start, start + len(copy))
    assert 0.6 <= hit.score <= 1
    assert hit.rule == f"{family}.{hit.lang}.minhash"


@pytest.mark.parametrize("rid, text", NEGATIVES)
def test_shared_vocabulary_is_not_a_near_copy(scanners, rid, text):
    _, near = scanners
    assert jaccard(text, reference_text(rid, near.neardup)) < 0.35
    assert [h for h in near.scan_text(FILLER + text + " " + FILLER) if h.method != "regex"] == []


def test_short_fragment_of_a_reference_is_not_a_copy(packs):
    nd = NearDup([Reference("long", "openai", "en", REFERENCES[0]["text"])])
    fragment = "Hello! I am ChatGPT, a large language model trained by OpenAI."
    assert nd.find(FILLER + fragment + " " + FILLER, None) == []
    assert nd.find(FILLER + REFERENCES[0]["text"] + " " + FILLER, None)[0].score == 1.0


def test_the_posting_gate_over_many_windows_agrees_with_each_alone(scanners, monkeypatch):
    # Windows are gated all at once, joined: no shingle may span two, and each counts only its own.
    postings = scanners[1].neardup.postings
    copies = [normalize(copy).text for _, _, copy in PARAPHRASES]
    others = [normalize(text).text for _, text in NEGATIVES] + [FILLER, "", "abc"]
    # The longest start of a copy that fails alone, then the rest: together they must not lend it shingles.
    copy = copies[0]
    short = max(n for n in range(len(copy)) if not postings.passing([copy[:n]])[0])
    texts = copies + others + [copy[:short], copy[short:]] + copies[::-1]
    together = postings.passing(texts).tolist()
    assert together == [bool(postings.passing([t])[0]) for t in texts]
    monkeypatch.setattr(matcher, "_COUNTS", 3 * len(postings.need))  # three texts a pass
    assert postings.passing(texts).tolist() == together
    assert all(together[: len(copies)]) and not any(together[len(copies) : len(copies) + len(others) + 1])


def test_regex_and_minhash_on_one_span_are_one_hit(scanners):
    _, near = scanners
    doc = FILLER + REFERENCES[0]["text"] + " " + FILLER
    hits = near.scan_text(doc)
    assert len(hits) == 1
    assert hits[0].method == "regex,minhash"
    assert hits[0].reference == "chef"
    assert hits[0].family == "openai"
    assert hits[0].match in REFERENCES[0]["text"]


def test_user_turns_are_not_searched(scanners):
    _, near = scanners
    assert near.scan_text(PARAPHRASES[0][2], role="user") == []
    assert near.scan_text(PARAPHRASES[0][2], role="assistant")[0].method == "minhash"


def test_a_copy_with_another_family_named_is_not_credited_to_this_one():
    ref = Reference("chef", "openai", "en", REFERENCES[0]["text"])
    nd = NearDup([ref], names={"openai": ["chatgpt", "openai"], "qwen": ["qwen", "alibaba cloud"]})
    swapped = REFERENCES[0]["text"].replace("ChatGPT", "Qwen").replace("OpenAI", "Alibaba Cloud")
    assert nd.find(swapped, None) == []
    assert nd.find(REFERENCES[0]["text"], None)[0].reference.family == "openai"


def test_nameless_reference_adds_prefilter_anchors(scanners):
    _, near = scanners
    nameless = normalize(REFERENCES[3]["text"]).text
    assert near.neardup.anchors and all(a in nameless for a in near.neardup.anchors)
    assert set(near.neardup.anchors) <= set(near.prefilter.keywords)


def test_library_loads_validated_and_fills_templates(packs):
    refs = load_library(packs)
    ids = [r.id for r in refs]
    assert len(ids) == len(set(ids))
    assert {r.family for r in refs} == set(packs.families)
    assert len(refs) >= 100
    filled = {r.id: r.text for r in refs if r.id.startswith("tpl.zh.hello-assistant@")}
    assert "通义千问" in filled["tpl.zh.hello-assistant@qwen"]
    assert "qwen" in filled["tpl.zh.hello-assistant@qwen.latin"]
    assert not any("{{" in r.text for r in refs)


def test_library_errors_name_the_file_and_reference(tmp_path, packs):
    (tmp_path / "x.yaml").write_text("family: openai\nreferences:\n  - {id: a.b, lang: en, source: s}\n")
    with pytest.raises(PackError, match=r"x\.yaml: reference a\.b: 'text' is required"):
        load_library(packs, folder=tmp_path)
    (tmp_path / "x.yaml").write_text("references:\n  - {id: a.b, lang: en, source: s, text: 'I am {{name}}.'}\n")
    (tmp_path / "y.yaml").write_text("references:\n  - {id: a.b, lang: en, source: s, text: 'I am {{name}}!'}\n")
    with pytest.raises(PackError, match=r"reference a\.b: id is also used in"):
        load_library(packs, folder=tmp_path)


def test_reference_files_text_jsonl_and_errors(tmp_path, packs):
    text = tmp_path / "bad.txt"
    text.write_text("I am ChatGPT, your cooking helper from OpenAI.\n\nEntirely anonymous boilerplate here.\n")
    refs = read_references(str(text), packs)
    assert [(r.id, r.family) for r in refs] == [("bad.txt:1", "openai"), ("bad.txt:3", "unknown")]
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "fine"}\n{"id": 2}\n')
    with pytest.raises(PackError, match=r"broken\.jsonl:2: expected a non-empty 'text' field"):
        read_references(str(broken), packs)
    with pytest.raises(PackError, match=r"missing\.jsonl: reference file not found"):
        read_references(str(tmp_path / "missing.jsonl"), packs)


def test_cli_reference_from_an_earlier_hits_file(run_scan, write_jsonl):
    """Last month's regex hits become this month's references: their near copies are found without a regex."""
    claim = (
        "I am ChatGPT, your patient sous-chef today: a large language model trained by OpenAI who knows ten thousand "
        "soups, bakes imaginary bread and never burns the garlic."
    )
    copy = (
        "ChatGPT, your patient sous-chef for today: a large language model that OpenAI trained, who knows ten "
        "thousand soups, bakes imaginary bread and never burns the garlic."
    )
    month1 = write_jsonl("month1.jsonl", [{"id": "a", "text": FILLER + claim}, {"id": "b", "text": FILLER}])
    month2 = write_jsonl("month2.jsonl", [{"id": "c", "text": FILLER}, {"id": "d", "text": FILLER + copy + " Bye."}])
    first = run_scan(month1, "-p", "openai", "--context-chars", "300")
    assert first.exit_code == 0, first.stderr
    [earlier] = first.hits
    for hits_file in ("hits.jsonl", "hits.parquet"):
        second = run_scan(month2, "-p", "openai", "--no-near-dup", "--reference", first.out / hits_file)
        assert second.exit_code == 0, second.stderr
        [hit] = second.hits
        assert (hit["row"], hit["method"], hit["family"]) == (1, "minhash", "openai")
        assert hit["reference"] == earlier["fingerprint"]
        assert hit["match"] == copy
        assert second.summary["near_dup"]["references"] == [str(first.out / hits_file)]


def test_cli_bad_reference_file_exits_2_naming_it(run_scan, write_jsonl, tmp_path):
    data = write_jsonl("data.jsonl", [{"text": FILLER}])
    bad = tmp_path / "refs.jsonl"
    bad.write_text("{not json\n")
    run = run_scan(data, "-p", "openai", "--reference", bad)
    assert run.exit_code == 2
    assert "refs.jsonl:1: not valid JSON" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
