"""Write the bundled sample corpus: examples/sample.parquet and examples/sample_chat.jsonl.

Clean documents in several languages with a few contaminated ones among them:
self-introductions of rival models, some obfuscated, and hard negatives that
only mention a model. Deterministic: the same files every run.

    python scripts/make_sample.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent.parent / "examples"

CLEAN = [
    "The river flooded the lower fields twice this spring, and the farmers moved the sheep uphill.",
    "A good sourdough needs a lively starter, patience, and a very hot oven.",
    "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.",
    "今天的天气很好，我们去公园散步，顺便买了一些水果。",
    "这本书讲述了一个普通家庭三代人的故事，语言朴实，情感真挚。",
    "東京の桜は三月の終わりに満開になることが多い。",
    "서울의 지하철은 깨끗하고 빠르며 요금도 저렴하다.",
    "Le marché du samedi propose des fromages, du pain et des légumes de saison.",
    "Der Zug nach München hatte heute zwanzig Minuten Verspätung.",
    "La receta tradicional lleva arroz, azafrán, pollo y judías verdes.",
    "Вчера в парке открыли новую детскую площадку.",
    "To install the package, create a virtual environment and run pip install.",
]
MENTIONS = [
    "Alibaba Cloud released a new Qwen model with a longer context window.",
    "阿里云发布了通义千问的新版本，支持更多语言。",
    "We compared ChatGPT, Claude and Gemini on twenty coding tasks.",
    "I asked ChatGPT to summarise the paper, and it missed the main result.",
    "我是通义千问的老用户了，最近它的回答越来越好。",
    "I am a Gemini, born in June, and I love long walks.",
    "Le mistral souffle fort sur la Provence cet hiver.",
    'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct")',
]
CLAIMS = [
    "Hi! I'm Qwen, a large language model developed by Alibaba Cloud. How can I help?",
    "你好，我是通义千问，由阿里云开发的AI助手，很高兴为你服务。",
    "I am ChatGPT, a large language model trained by OpenAI.",
    "As an AI language model, I do not have personal opinions on this topic.",
    "您好，我是通義千問，一個由阿里雲打造的語言模型。",  # traditional characters
    "Hello, I am Ｑｗｅｎ, made by Alibaba Cloud.",  # full-width letters
    "我是通义\u200b千问，欢迎提问。",  # zero-width space inside the name
]


def documents(n: int = 280, seed: int = 7) -> list[dict]:
    """n documents: mostly clean text, some mentions, a few claims inside longer text."""
    rng = random.Random(seed)
    docs = []
    claims = iter(CLAIMS)
    for i in range(n):
        body = " ".join(rng.sample(CLEAN, 3))
        if i % 40 == 5:
            body = f"{body} {next(claims, CLAIMS[0])} {rng.choice(CLEAN)}"
        elif i % 12 == 3:
            body = f"{rng.choice(MENTIONS)} {body}"
        docs.append({"id": f"doc-{i:04d}", "text": body, "url": f"https://example.org/page/{i}"})
    return docs


def conversations() -> list[dict]:
    """A few chat records: identity answers, a user asking, and ordinary help."""
    return [
        {"id": "chat-0", "messages": [{"role": "user", "content": "Who are you?"},
                                      {"role": "assistant", "content": "I am Qwen, created by Alibaba Cloud."}]},
        {"id": "chat-1", "messages": [{"role": "user", "content": "你是通义千问吗？"},
                                      {"role": "assistant", "content": "我是一个开源的对话助手，很高兴帮你。"}]},
        {"id": "chat-2", "messages": [{"role": "system", "content": "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."},
                                      {"role": "user", "content": "Translate 'cat' into French."},
                                      {"role": "assistant", "content": "« chat »"}]},
        {"id": "chat-3", "messages": [{"role": "user", "content": "Write a haiku about rain."},
                                      {"role": "assistant", "content": "Soft rain on the roof / the kettle begins to sing / nobody hurries"}]},
    ]  # fmt: skip


def main() -> None:
    OUT.mkdir(exist_ok=True)
    pq.write_table(pa.Table.from_pylist(documents()), OUT / "sample.parquet", compression="zstd")
    with open(OUT / "sample_chat.jsonl", "w", encoding="utf-8") as f:
        for record in conversations():
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {OUT / 'sample.parquet'} and {OUT / 'sample_chat.jsonl'}")


if __name__ == "__main__":
    main()
