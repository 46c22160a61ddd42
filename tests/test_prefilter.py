"""The prefilter's fast path finds everything the slow path (whole documents normalised, every rule) finds."""

from __future__ import annotations

import random
import unicodedata

import pyarrow as pa
import pytest

from scanner import Scanner, load_packs
from scanner.prefilter import DETECTOR, Prefilter

OBFUSCATED = [
    "您好，我是ｑｗｅｎ，由阿里云开发。",
    "我是通義千問，由阿里雲開發的大型語言模型。",
    "Hello! I am Q\u200bwen, a large language model created by Alibaba Cloud.",
    "Hello! I am Qw\u00aden, made by Alibaba Cloud.",
    "你好，我是通义 千问，由阿里云开发。",
    "你好，我是通\n义千问。",
    "你好，我是通义\u3000\u3000千问。",
    "你好，我是通义   千问。",
    "你好，我是通义\r\n千问。",
    "你好，我是通义 **千问**。",
    unicodedata.normalize("NFD", "안녕하세요, 저는 큐웬입니다. 알리바바 클라우드가 개발한 언어 모델입니다."),
    "Hi, I am Q w e n, made by Alibaba Cloud.",
    "Hi, I am Q\u00a0w\u00a0e\u00a0n, made by Alibaba Cloud.",
    "Hi, I am Q\u2003w\u2003e\u2003n, made by Alibaba Cloud.",
    "Hi, I am Q\u202fw\u202fe\u202fn, made by Alibaba Cloud.",
    "HI, I AM QWEN, MADE BY ALIBABA CLOUD.",
    "Hi, I am Qw\u0435n, made by Alibaba Cloud.",
    "Hi, I am <b>Qwen</b>, made by Alibaba Cloud.",
    "Hi, I am Q<b>wen</b>, made by Alibaba Cloud.",
    "你好，我是通<span>义千</span>问。",
    "你好，我是通*义*千~~问~~。",
    "Hi, I am &#81;wen, made by Alibaba Cloud.",
    "Hi, I am Qw&shy;en, made by Alibaba Cloud.",
    "你好，我是通义&nbsp;千问。",
    "Hi, I am **Qwen**, made by Alibaba Cloud.",
    "Hi, I am Q*we*n, made by Alibaba Cloud.",
    "Hi, I am Q~~we~~n, made by Alibaba Cloud.",
    "Hi, I am \\u0051wen, made by Alibaba Cloud.",
    "\\u6211\\u662f\\u901a\\u4e49\\u5343\\u95ee",
    "Hi, I am 𝐐𝐰𝐞𝐧, made by Alibaba Cloud.",
    "Hi, I am ⓆⓌⒺⓃ, made by Alibaba Cloud.",
    "Hi, I am Qᴡᴇɴ, made by Alibaba Cloud.",  # small capitals
    "Hi, I am Q\u0332w\u0332e\u0332n\u0332, made by Alibaba Cloud.",  # combining underlines
    "Hi, I am Q.w.e.n, made by Alibaba Cloud.",  # letters joined by dots
    "Hi, I am Q-w-e-n, made by Alibaba Cloud.",
    "Hi, I am Q<!-- x -->wen, made by Alibaba Cloud.",  # an HTML comment inside the name
    "Hi, I\u2019m Qwen, made by Alibaba Cloud.",
    '{\\"role\\": \\"assistant\\", \\"content\\": \\"I am Qwen, made by Alibaba Cloud.\\"}',
    "Hi, I am Q\ufe0fw\ufe0fe\ufe0fn, made by Alibaba Cloud.",  # variation selectors
    "Hi, I am Q\U000e0041wen, made by Alibaba Cloud.",  # a tag character
    "你好，我是通\ufe0e义千问。",
    "Hi, I am Qw<wbr>en, made by Alibaba Cloud.",  # a word-break tag
    "你好，我是通.义.千.问。",  # CJK characters joined by dots
    "Hi, I am Qwe\u0578, made by Alibaba Cloud.",  # Armenian vo for n
    "你好，我是通\u0301义\u0316千问。",  # accents on CJK characters ("Zalgo")
    "I am Q\u0300w\u0316\u0329en, made by Alibaba Cloud.",
    "Hi, I\u00b4m Qwen, made by Alibaba Cloud.",  # an acute accent for an apostrophe
]
# Other scripts, and the families their claims name: markup inside a word, points, decomposed syllables.
OTHER_SCRIPTS = [
    ("저는 **큐**웬입니다, 알리바바 클라우드가 만든 AI예요.", "qwen"),
    ("저는 큐~~웬~~입니다. 알리바바 클라우드가 개발했어요.", "qwen"),
    ("Tôi là m<b>ột trợ lý AI do OpenAI phát triển.", "openai"),
    ("أنا نم<i>وذج لغوي طورته OpenAI.", "openai"),
    ("Я — ChatGPT, языков<b>ая модель от Open<i>AI</i>.", "openai"),
    ("ในฐานะผู~~้ช่วย AI ที่พัฒนาโดย OpenAI ฉันไม่มีความรู้สึก", "openai"),  # between a vowel sign and a tone mark
    ("Sono un'**IA**, non ho emozioni.", "generic"),  # after an apostrophe
    ("AI*인* 저는 인터넷을 검색할 수 없습니다.", "generic"),  # where Latin meets Hangul
    ("Benim adım Chat\u3000G\u3000P\u3000T, OpenAI tarafından geliştirildim.", "openai"),  # ideographic spaces
    ("Hi! I'm Chɑt\u050cPT. How can I help?", "openai"),
    ("Hi! I'm Cha\ntGPT. How can I help?", "openai"),  # a line break inside a name
    ("Hi! I'm C\u0301h\u0316at\u0329GPT. How can I help?", "openai"),  # "Zalgo"
    ("ในฐานะโมเด\r\nลภาษา AI ฉันไม่สามารถท่องอินเทอร์เน็ตได้", "generic"),  # a line break inside a Thai word
    ("Привет! Я Д-Ж-Е-М-И-Н-И, языковая модель от Google.", "google"),  # Cyrillic letters joined
    ("Hello, I'm Gem<br>ini, your AI assistant.", "google"),
    ("Happy to help! I'm an AI assistant made by Anthro-\npic.", "anthropic"),  # hyphenated at a line's end
    ("<p>私は<ruby>Claude<rt>クロード</rt></ruby>です。Anthropicが作りました。</p>", "anthropic"),
    ("Ich bin Mis tral, ein Sprachmodell von Mistral AI.", "mistral"),  # IPA alpha, Cyrillic Komi sje
    ("私はｸｳｪﾝです。アリババクラウドが開発しました。", "qwen"),  # half-width kana
    ("私はｼﾞｪﾐﾆです。Googleが開発しました。", "google"),  # half-width kana with a half-width voicing mark
    ("Как языкoвая мoдель, я не могу просматривать интернет.", "generic"),  # Latin o inside Cyrillic words
    ("Как языкова́я моде́ль, я не могу просматривать интернет.", "generic"),  # stress marks
    ("As&nbsp;an&nbsp;AI&nbsp;language&nbsp;model, I cannot browse the web.", "generic"),
    ("Я Q w e n, созданный Alibaba Cloud.", "qwen"),  # a Cyrillic word beside a spaced-out name
    ("Sou o L e  C h a t, assistente da Mistral AI.", "mistral"),
    ("私はG r o kです。xAIによって作られました。", "xai"),  # a spaced-out name touching CJK
    ("Ich bin Gemini\u0302, ein Sprachmodell.", "google"),  # an accent written apart on a name
    ("Ik ben maar een AI-\u00adassis\u0302tent, dus ik heb geen gevoelens.", "generic"),
    ("من یک دستیار هوش مصنوعی هستم که توسط \u039c\u0456niMax ساخته شده.", "minimax"),  # Greek capital Mu
    ("I'm just an \u0410\u0399 assistant, so I have no feelings.", "generic"),  # Cyrillic A, Greek Iota
    ("As an __AI language model__, I cannot browse the web.", "generic"),  # markdown bold by underscores
    ("作为一名负责任的<br>AI助手，我不能提供这些信息。", "generic"),  # a line break tag where CJK meets Latin
    ("ผมเป็นเพียงปัญญาประดิ\ufe0fษฐ์ ไม่สามารถมองเห็นหน้าจอของคุณได้", "generic"),  # a selector after a vowel sign
    ("Hi! I'm Cl\naude, an AI assistant made by Anthropic.", "anthropic"),  # two letters, then a line break
    ("Fui entrenado&amp;nbsp;por Meta y mi conocimiento tiene una fecha límite.", "meta"),  # escaped twice
]
CLEAN = [
    "The weather was fine, so we walked to the park and bought some fruit.",
    "今天天气很好，我们去公园散步（顺便买了一些水果）。你觉得呢？",
    "阿里云今天发布了通义千问2.5。",
    'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct")',
    "Are you Qwen?",
]
# Ordinary text in several scripts, markup included: no detector may fire on it.
ORDINARY = [
    "今天的天气很好，我们去公园散步，顺便买了一些水果。【通知】《红楼梦》第一回：“甄士隐梦幻识通灵”！",
    "東京は日本の首都です。「こんにちは」と言いました。（注）１２３",
    "안녕하세요! 오늘 날씨가 좋네요. 우리는 공원에 갔습니다.",
    "Вчера в парке открыли новую детскую площадку. Ελληνικά κείμενα.",
    "The quick brown fox jumps over the lazy dog, doesn't it? AT&amp;T and Q&amp;A, 10&nbsp;km.",
    "def load_dataset(path_name, batch_size=32):\n    return some_module.read_table(path_name)",
    "<p>Hello <b>world</b>, see <a href='https://example.com/x_y'>the link</a>.</p>\n<p>Next</p>",
    "x = 2 * y + 3; a  b  c; e.g. i.e. U.S.A.",
    "IPA alone is no name: [ɪ], [ʀ], [ʏ]. <p>Menu</p><!-- footer --><p>Next</p>",
    "Love it ❤️ ✔️ done ☺️ — 1️⃣ first, 🏳️ flag",  # emoji with variation selectors
]


@pytest.fixture(scope="module")
def packs():
    return load_packs()


@pytest.fixture(scope="module")
def fast(packs) -> Scanner:
    return Scanner(packs, prefilter=True)


@pytest.fixture(scope="module")
def slow(packs) -> Scanner:
    return Scanner(packs, prefilter=False)


def spans(hits) -> list[tuple]:
    return sorted((h.row, h.field, h.rule, h.start, h.end) for h in hits)


@pytest.mark.parametrize("text", OBFUSCATED + CLEAN)
def test_fast_path_finds_what_the_slow_path_finds(fast, slow, text):
    assert spans(fast.scan_text(text)) == spans(slow.scan_text(text))


@pytest.mark.parametrize("text", OBFUSCATED)
def test_obfuscated_claims_are_found_at_their_original_offsets(fast, text):
    hits = fast.scan_text(text)
    assert any(h.family == "qwen" for h in hits), text
    for h in hits:
        assert text[h.start : h.end] == h.match


@pytest.mark.parametrize(("text", "family"), OTHER_SCRIPTS)
def test_markup_inside_words_of_other_scripts(fast, slow, text, family):
    hits = fast.scan_text(text)
    assert spans(hits) == spans(slow.scan_text(text))
    assert family in {h.family for h in hits}, text


# Obfuscations applied at random places of the packs' own match examples (seeded): what the slow path
# reads, the fast path must find.
OBFUSCATIONS = [
    lambda t, r: _insert(t, r, r.choice(["\u200b", "\u200d", "\ufeff", "\u00ad", "\u2060"])),
    lambda t, r: unicodedata.normalize("NFD", t),
    lambda t, r: _insert(t, r, r.choice(["**", "*", "~~", "`", "<b>", "</i>", "<span>"])),
    lambda t, r: t.replace(" ", r.choice(["  ", "\n", "\n\n", "\r\n", "\t", "\u00a0", "\u2003", "\u3000"]), 2),
    lambda t, r: _spaced(t, r),
    lambda t, r: "".join(c + (" " if "\u4e00" <= c <= "\u9fff" and r.random() < 0.3 else "") for c in t),
    lambda t, r: "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() and r.random() < 0.5 else c for c in t),
    lambda t, r: "".join(c + ("\u064e" if "\u0621" <= c <= "\u064a" else "") for c in t),
    lambda t, r: t.upper(),
    lambda t, r: _insert(t, r, r.choice(["<!-- -->", "<!--x-->"])),
    lambda t, r: _insert(t, r, r.choice(["\ufe0f", "\ufe0e", "\U000e0041", "<wbr>"])),
    lambda t, r: "".join(c + ("\u0316" if c.isalpha() and r.random() < 0.3 else "") for c in t),
    lambda t, r: _inside_word(t, r, r.choice(["\n", " ", "<br>", "\r\n"])),
]


def _inside_word(text: str, rng: random.Random, piece: str) -> str:
    between = [i for i in range(1, len(text)) if text[i - 1].isalpha() and text[i].isalpha()]
    i = rng.choice(between) if between else 0
    return text[:i] + piece + text[i:]


def _insert(text: str, rng: random.Random, piece: str) -> str:
    i = rng.randrange(len(text) + 1)
    return text[:i] + piece + text[i:]


def _spaced(text: str, rng: random.Random) -> str:
    i = rng.randrange(len(text))
    j = min(len(text), i + rng.randint(3, 6))
    return text[:i] + rng.choice([" ", "\n", "\t", "\u00a0", "\u2003"]).join(text[i:j]) + text[j:]


def test_obfuscated_pack_examples_agree_with_the_oracle(packs, fast, slow):
    rng = random.Random(11)
    examples = sorted({t for r in packs.rules for t in r.examples["match"]})
    cases = [rng.choice(OBFUSCATIONS)(t, rng) for t in rng.sample(examples, 400) for _ in range(2)]
    disagree = [t for t in cases if spans(fast.scan_text(t)) != spans(slow.scan_text(t))]
    assert disagree == []


def test_a_whole_batch_agrees_with_the_oracle(fast, slow):
    table = pa.table({"text": OBFUSCATED + CLEAN + ORDINARY})
    found = fast.scan_batch(table)
    assert spans(found) == spans(slow.scan_batch(table))
    assert {h.row for h in found if h.family == "qwen"} == set(range(len(OBFUSCATED)))


def test_ordinary_text_trips_no_detector(fast):
    hits = fast.prefilter.scan(pa.array(ORDINARY))
    assert [(h.element, h.end) for h in hits if h.keyword == DETECTOR] == []


def test_every_obfuscation_leads_to_a_keyword_or_a_detector():
    prefilter = Prefilter(["qwen", "通义千问", "큐웬"])
    found = {h.element for h in prefilter.scan(pa.array(OBFUSCATED))}
    assert found == set(range(len(OBFUSCATED)))


BOUNDARY = ["qwen opens this one", None, "", "middle: I am qwen here", "", "this one ends with qwen"]


def keyword_elements(prefilter: Prefilter, column) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for h in prefilter.scan(column):
        out.setdefault(h.element, []).append(h.end)
    return out


@pytest.mark.parametrize(
    "column",
    [
        pa.array(BOUNDARY),
        pa.array(BOUNDARY, pa.large_string()),
        pa.array(["padding", *BOUNDARY, "padding"]).slice(1, len(BOUNDARY)),
    ],
    ids=["string", "large_string", "sliced"],
)
def test_keywords_at_element_boundaries(column):
    found = keyword_elements(Prefilter(["qwen"]), column)
    assert sorted(found) == [0, 3, 5]
    for element, ends in found.items():
        data = column[element].as_py().encode()
        for end in ends:
            assert 0 < end <= len(data)
            assert b"qwen" in data[max(0, end - 5) : end]


def test_space_where_cjk_or_hangul_meets_latin():
    # Writers put a space around a Latin word in CJK and Korean text ("是一个 AI"): a keyword takes one, and
    # a wider gap, which the rules allow too, trips a detector.
    prefilter = Prefilter(["是一个ai", "ai인", "作为ai"])
    texts = ["我是一个 AI。", "저는 AI 인 모델", "作为\nAI，我", "我是一个AI", "作为 A I"]
    hits = prefilter.scan(pa.array(texts))
    assert {h.element for h in hits if h.keyword != DETECTOR} == {0, 1, 3}
    assert {h.element for h in hits if h.keyword == DETECTOR} == {2}


def test_gaps_between_words_lead_to_a_keyword_or_a_detector():
    # One whitespace character between words is the keyword; two, a wide space or emphasis marks, a detector.
    prefilter = Prefilter(["large language model", "языковая модель"])
    keyword = ["a large language model", "a large\nlanguage model", "a large language\tmodel", "языковая\nмодель"]
    detector = ["a large  language model", "a large\r\nlanguage model", "a **large** language model"]
    detector += ["a large <span>language model", "a large</i> language model", "языковая <b>модель"]
    detector += ["a ~~large~~ language model", "языковая<b> модель"]
    detector += [
        "a large\u00a0language model",
        "a large language\u2003model",
        "ЯЗЫКОВАЯ\n\nМОДЕЛЬ",
        "ЯЗЫКОВАЯ\u2009МОДЕЛЬ",
    ]
    hits = prefilter.scan(pa.array(keyword + detector + ["a large language", "a large  house", "model  language"]))
    assert {h.element for h in hits if h.keyword != DETECTOR} == set(range(len(keyword)))
    assert {h.element for h in hits if h.keyword == DETECTOR} == set(range(len(keyword), len(keyword + detector)))


def test_a_tag_after_a_short_word_trips_a_detector_only_before_the_keyword_word():
    # After a word of one or two letters a tag alone is everyday HTML ("I <b>am"): the next word must follow.
    prefilter = Prefilter(["an ai", "i am"])
    tagged = ["Being an<span> AI model, I", "as an </i>AI", "AN<b>AI"]
    ordinary = ["an <b>apple</b>", "so <i>an</i> idea", "I <b>like</b> it"]
    hits = prefilter.scan(pa.array(tagged + ordinary))
    assert {h.element for h in hits if h.keyword == DETECTOR} == set(range(len(tagged)))


def test_markup_beside_a_hyphen_or_dot_inside_a_name_trips_a_detector():
    prefilter = Prefilter(["glm-4", "01.ai"])
    marked = ["GLM-~~4", "GLM**-4", "01.**AI", "glm-<b>4"]
    ordinary = ["**bold**. Next", "a **-** b", "glm **4**"]
    hits = prefilter.scan(pa.array(marked + ordinary))
    assert {h.element for h in hits if h.keyword == DETECTOR} == set(range(len(marked)))


def test_points_inside_an_arabic_or_hebrew_keyword_trip_a_detector():
    # Vowel points and tatweel inside a keyword are what normalisation removes; ordinary Arabic has points too
    # (tanween ending a word, shadda), so only points between two letters of a keyword count.
    prefilter = Prefilter(["نموذج", "מודל"])
    pointed = ["أنا نَمُوذَجٌ لغوي", "أنا نمـــوذج", "אני מוֹדֵל שפה"]
    ordinary = ["شكراً جزيلاً على المساعدة", "محمّد في البيت", "שָׁלוֹם עֲלֵיכֶם"]
    hits = prefilter.scan(pa.array(pointed + ordinary))
    assert {h.element for h in hits} == {0, 1, 2}
    assert all(h.keyword == DETECTOR for h in hits)


def test_spelt_out_letters_inside_words_trip_no_detector():
    # "is a tool" holds "s a t", a spaced-out "sat...": only a run that starts a word is a name spelt out.
    prefilter = Prefilter(["satu", "team"])
    hits = prefilter.scan(pa.array(["it is a tool", "we are a match", "I am s a t u", "the t e a m"]))
    assert sorted({h.element for h in hits}) == [2, 3]


def test_a_batch_finds_what_each_element_alone_finds():
    # Strings lie back to back in the scanned buffer: a letter ending one must not hide a keyword
    # starting the next, nor a keyword's boundary read into its neighbour, nor a match span two.
    rng = random.Random(7)
    pieces = [
        "qwen",
        "Qwen",
        "xqwen",
        "qwenx",
        "通义",
        "千问",
        "通义千问",
        "glm",
        "a",
        "b",
        ".",
        " ",
        "\n",
        "é",
        "ChatGPT",
        "a large language model",
        "Shanghai AI Laboratory",
        "lorem ipsum dolor " * 5,  # longer than the edge rescanned where neighbours glue
    ]
    prefilter = Prefilter(["qwen", "通义千问", "glm", "chatgpt", "large language model", "shanghai ai laboratory"])
    for _ in range(400):
        texts = ["".join(rng.choices(pieces, k=rng.randint(0, 4))) for _ in range(rng.randint(1, 8))]
        alone = {(i, h.end, h.keyword) for i, t in enumerate(texts) for h in prefilter.scan(pa.array([t]))}
        together = {(h.element, h.end, h.keyword) for h in prefilter.scan(pa.array(texts))}
        assert together == alone, texts


def test_a_keyword_cannot_span_two_elements():
    # "通义" ends one element and "千问" starts the next: joined with a newline they would read as one.
    found = keyword_elements(Prefilter(["通义千问"]), pa.array(["我是通义", "千问", "通义千问"]))
    assert 2 in found
    assert 0 not in found


def test_boundaries_in_a_chunked_batch_agree_with_the_oracle(fast, slow):
    texts = ["I am Qwen, made by Alibaba Cloud.", None, "", "你好，我是通义千问。", "", "Hi! I am Qwen"]
    table = pa.table({"text": pa.chunked_array([texts[:2], texts[2:4], texts[4:]])})
    found = fast.scan_batch(table)
    assert spans(found) == spans(slow.scan_batch(table))
    assert {h.row for h in found} == {0, 3, 5}
    for h in found:
        assert texts[h.row][h.start : h.end] == h.match


def test_empty_and_all_null_columns():
    prefilter = Prefilter(["qwen"])
    assert prefilter.scan(pa.array([], pa.string())) == []
    assert prefilter.scan(pa.array([None, None], pa.string())) == []


def test_offsets_after_astral_characters_and_many_mentions(fast):
    text = "😀 阿里云发布了通义千问。" * 300 + "🙂 Hi! I'm Qwen, made by Alibaba Cloud. 😀"
    hits = fast.scan_text(text)
    assert [h.start for h in hits] == [text.index("I'm Qwen")]
    assert all(text[h.start : h.end] == h.match for h in hits)
