"""Template clusters: pasted copies of one self-introduction are one template; different ones are not."""

from __future__ import annotations

from scanner.cluster import TemplateClusters
from scanner.hits import Hit

TEMPLATE_A = "Hello! I am ChatGPT, a large language model trained by OpenAI. How can I help you with your recipe today?"
TEMPLATE_B = "您好，我是通义千问，由阿里云开发的AI助手。我可以帮您写作、翻译和回答各种问题，请问有什么需要？"
TEMPLATE_C = "As an AI language model, I cannot browse the internet, but I can explain how search engines rank pages."


def hit(row: int, text: str, family: str = "openai", lang: str = "en", source: str = "shard-0") -> Hit:
    return Hit(source, row, f"doc-{row}", "text", None, family, f"{family}.{lang}.x", lang, "high", "regex",
               0, 12, text[:12], 1.0, text)  # fmt: skip


def pasted(template: str, n: int) -> list[str]:
    """n copies of a template as pasted in the wild: trailing spaces, a changed word, a different greeting."""
    variants = [template, template + "  ", template.replace("Hello!", "Hi!"), template.replace("today", "now")]
    return [variants[i % len(variants)] for i in range(n)]


def test_pasted_copies_merge_into_one_template():
    clusters = TemplateClusters()
    clusters.add([hit(i, t) for i, t in enumerate(pasted(TEMPLATE_A, 8))])
    [top] = clusters.top()
    assert top["size"] == 8
    assert top["share"] == 1.0
    assert top["first_seen"] == {"source": "shard-0", "row": 0, "doc_id": "doc-0", "field": "text"}
    assert top["example"] == TEMPLATE_A


def test_different_templates_stay_apart_across_batches():
    clusters = TemplateClusters()
    a = [hit(i, t) for i, t in enumerate(pasted(TEMPLATE_A, 6))]
    b = [hit(100 + i, t, "qwen", "zh") for i, t in enumerate(pasted(TEMPLATE_B, 3))]
    c = [hit(200, TEMPLATE_C, "generic")]
    clusters.add(a[:3] + b[:1])  # units arrive one by one: clusters grow across them
    clusters.add(a[3:] + b[1:] + c)
    top = clusters.top()
    assert [(t["size"], t["families"], t["languages"]) for t in top] == [
        (6, {"openai": 6}, {"en": 6}),
        (3, {"qwen": 3}, {"zh": 3}),
    ]
    assert [t["share"] for t in top] == [0.6, 0.3]  # of all 10 hits; the lone hit is no template
    assert top[1]["first_seen"]["row"] == 100


def test_summary_templates_from_a_scan(run_scan, write_jsonl):
    rows = [{"id": f"p{i}", "text": f"Chat log {i}. " + t} for i, t in enumerate(pasted(TEMPLATE_A, 5))]
    rows += [{"id": "q", "text": TEMPLATE_B}, {"id": "clean", "text": "Bread needs flour, water, salt and time."}]
    run = run_scan(write_jsonl("corpus.jsonl", rows), "-p", "openai", "-p", "qwen", "--no-near-dup")
    assert run.exit_code == 0, run.stderr
    [top] = run.summary["templates"]
    assert top["size"] == 5 and top["share"] == round(5 / run.summary["hits"], 4)
    assert top["families"] == {"openai": 5}
    assert top["first_seen"]["doc_id"] == "p0"
    assert "I am ChatGPT" in top["example"]
