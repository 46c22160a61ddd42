"""Normalisation: every obfuscation reads as the plain claim, and spans map back to the original exactly."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.normalize import normalize, rejoin, without_accents

# (text, the obfuscated claim inside it, what that claim normalises to)
CASES = [
    ("您好，我是ｑｗｅｎ。", "ｑｗｅｎ", "qwen"),  # full-width letters
    ("I am ＱＷＥＮ, a model.", "ＱＷＥＮ", "qwen"),
    ("我是通義千問，由阿里雲開發", "通義千問", "通义千问"),  # traditional characters
    ("由阿里雲開發", "阿里雲", "阿里云"),
    ("I am Q\u200bwen.", "Q\u200bwen", "qwen"),  # zero-width space
    ("I am Q\u200d\u2060wen.", "Q\u200d\u2060wen", "qwen"),  # joiners
    ("I am Qw\u00aden.", "Qw\u00aden", "qwen"),  # soft hyphen
    ("\ufeffI am Qwen", "Qwen", "qwen"),  # byte order mark
    ("I am \u2068ChatGPT\u2069, a model.", "ChatGPT", "chatgpt"),  # bidi isolates
    ("من \u202aClau\u202cde هستم", "Clau\u202cde", "claude"),  # embedding
    ("मैं सिर्फ़ एक AI हूँ", "सिर्फ़", "सिर्फ"),  # the nukta, written or not
    ("मैं \u095e\u093e\u0907\u0932", "\u095e\u093e", "\u092b\u093e"),  # precomposed फ़
    ("我是通义 千问", "通义 千问", "通义千问"),  # a space between CJK characters
    ("我是通义\n千问", "通义\n千问", "通义千问"),  # a line break
    ("我是通义\u3000 千问", "通义\u3000 千问", "通义千问"),  # ideographic and ASCII space
    ("I am Q w e n!", "Q w e n", "qwen"),  # spaced-out letters
    ("I am Q\tw\te\tn!", "Q\tw\te\tn", "qwen"),
    ("I am C.h.a.t.G.P.T, an AI.", "C.h.a.t.G.P.T", "chatgpt"),  # dots or hyphens between the letters
    ("Sono C-h-a-t-G-P-T, un modello.", "C-h-a-t-G-P-T", "chatgpt"),
    ("I am C_h_a_t_G_P_T, a model.", "C_h_a_t_G_P_T", "chatgpt"),
    ("I am ᴄʜᴀᴛɢᴘᴛ.", "ᴄʜᴀᴛɢᴘᴛ", "chatgpt"),  # small capitals
    ("I am C\u0332h\u0332a\u0332t\u0332.", "C\u0332h\u0332a\u0332t", "chat"),  # combining underlines
    ("I am Cha<!-- x -->tGPT.", "Cha<!-- x -->tGPT", "chatgpt"),  # an HTML comment
    ("Eu sou o G e m i n i, do Google.", "o G e m i n i", "o gemini"),  # a one-letter word beside the run
    ("Soy C h a t G P T y estoy", "C h a t G P T y", "chatgpt y"),
    ("Sou o L e  C h a t.", "o L e  C h a t", "o le  chat"),
    ("Я Q w e n, созданный", "Я Q w e n", "я qwen"),  # a letter of another script beside the run
    ("Я Ԛ w e n, созданный", "Я Ԛ w e n", "я qwen"),  # ... that is no look-alike
    ("私はG r o kです", "G r o kで", "grokで"),  # a run touching CJK or Hangul
    ("저는 G o o g l e에서", "G o o g l e에", "google에"),
    ("built by x A I.", "x A I", "xai"),  # ... but not beside a run of capitals or a short one
    ("I am i F L Y T E K.", "i F L Y T E K", "iflytek"),
    ("I am L L a M a.", "L L a M a", "llama"),
    ("I am Ｑ ｗ ｅ ｎ!", "Ｑ ｗ ｅ ｎ", "qwen"),
    ("I AM QwEn", "QwEn", "qwen"),  # mixed case
    ("I am Qw\u0435n.", "Qw\u0435n", "qwen"),  # Cyrillic e
    ("I am \u0051w\u0435\u043f", "Qw\u0435", "qwe"),  # Cyrillic п is no Latin look-alike: only е maps
    ("I am ChatGP\u03a4.", "ChatGP\u03a4", "chatgpt"),  # Greek capital tau
    ("Я ЧатGPT, чим", "ЧатGPT", "чатgpt"),  # a name of two scripts, each its own part, is no disguise
    ("Як мовна модель штучного iнтелекту", "iнтелекту", "інтелекту"),  # ... but a lone Latin letter is
    ("I am <b>Qwen</b>.", "Qwen", "qwen"),  # HTML tags around a name
    ("I am Q<span class='x'>wen</span>.", "Q<span class='x'>wen", "qwen"),  # ... and inside it
    ("I am &#81;wen.", "&#81;wen", "qwen"),  # numeric entity
    ("I am Q&#x77;en.", "Q&#x77;en", "qwen"),
    ("I am Qw&shy;en.", "Qw&shy;en", "qwen"),  # named entity
    ("I am Qw&amp;shy;en.", "Qw&amp;shy;en", "qwen"),  # an entity escaped twice
    ("The bot:\n> I am\n> Qwen.", "I am\n> Qwen", "i am qwen"),  # quote markers opening lines
    ("我是通义&nbsp;千问", "通义&nbsp;千问", "通义千问"),
    ("I am **Qwen**.", "Qwen", "qwen"),  # markdown emphasis around a name
    (
        "I am [Qwen](https://qwen.ai/chat), made by",
        "I am [Qwen](https://qwen.ai/chat), made",
        "i am qwen, made",
    ),  # a markdown link
    ("I am _Qwen_.", "Qwen", "qwen"),
    ("I am Q*we*n.", "Q*we*n", "qwen"),  # ... and inside it
    ("I am `Qwen`.", "Qwen", "qwen"),
    ("أَنَا نَمُوذَجٌ لُغَوِيٌّ", "نَمُوذَجٌ لُغَوِيٌّ", "نموذج لغوي"),  # Arabic vowel points
    ("أنا نمـــوذج لغوي", "نمـــوذج", "نموذج"),  # tatweel
    ("אֲנִי מוֹדֵל שָׂפָה", "מוֹדֵל שָׂפָה", "מודל שפה"),  # Hebrew points
    (unicodedata.normalize("NFD", "저는 큐웬입니다"), unicodedata.normalize("NFD", "큐웬"), "큐웬"),  # NFD Hangul
    ("I am \\u0051wen.", "\\u0051wen", "qwen"),  # JSON escapes
    ("\\u6211\\u662f\\u901a\\u4e49\\u5343\\u95ee", "\\u901a\\u4e49\\u5343\\u95ee", "通义千问"),
    ("I am \\ud835\\udc10wen.", "\\ud835\\udc10wen", "qwen"),  # a surrogate pair: mathematical bold Q
    ('{\\"text\\": \\"I am Qwen\\"}', "I am Qwen", "i am qwen"),  # escaped quotes
    ("I am 𝐐𝐰𝐞𝐧.", "𝐐𝐰𝐞𝐧", "qwen"),  # mathematical letters (outside the BMP)
    ("I am ⓆⓌⒺⓃ.", "ⓆⓌⒺⓃ", "qwen"),  # circled letters
    ("a ﬁne day", "ﬁne", "fine"),  # a ligature: one character becomes two
    ("I\u2019m Qwen", "I\u2019m", "i'm"),  # curly apostrophe
    ("I\u00b4m Qwen", "I\u00b4m", "i'm"),  # an acute accent for an apostrophe
    ("I am Q\ufe0fw\ufe0fe\ufe0fn!", "Q\ufe0fw\ufe0fe\ufe0fn", "qwen"),  # variation selectors
    ("I am Qw\U000e0020en!", "Qw\U000e0020en", "qwen"),  # a tag character
    ("I am Qw<wbr>en.", "Qw<wbr>en", "qwen"),  # a word-break opportunity
    ("I am Chɑt\u050cPT.", "Chɑt\u050cPT", "chatgpt"),  # IPA alpha, Cyrillic sje
    ("I am Qwe\u0578.", "Qwe\u0578", "qwen"),  # Armenian vo
    ("Я языкoвая мoдель", "языкoвая мoдель", "языковая модель"),  # Latin o in Cyrillic words
    ("Я мoвна модель", "мoвна", "мовна"),  # ... whose Cyrillic letters look Latin only as capitals
    ("Я языкова́я моде́ль", "языкова́я моде́ль", "языковая модель"),  # stress marks
    ("我是通\u0301义\u0316\u0329千问", "通\u0301义\u0316\u0329千问", "通义千问"),  # accents no letter takes
    ("私はｼﾞｪﾐﾆです", "ｼﾞｪﾐﾆ", "ジェミニ"),  # half-width kana and voicing mark
    ("I am C\u0301h\u0316\u0329at.", "C\u0301h\u0316\u0329at", "chat"),  # "Zalgo": accents in a decorated word
    ("de\u0301veloppe\u0301 par", "de\u0301veloppe\u0301", "développé"),  # ... but NFD accents stay
    ("我是通.义.千.问", "通.义.千.问", "通义千问"),  # CJK characters joined by dots
    ("ฉันเป็นโมเด\nลภาษา ที่", "โมเด\nลภาษา", "โมเดลภาษา"),  # a line break inside a Thai word (a space stays)
    ("私は<ruby>Claude<rt>クロード</rt></ruby>です", "Claude<rt>クロード</rt></ruby>です", "claudeです"),  # ruby
    ("من ج.م.ی.ن.ا.ی هستم", "ج.م.ی.ن.ا.ی", "جمینای"),  # ... and Arabic letters
    ("Привет, я Д ж е м и н и!", "Д ж е м и н и", "джемини"),  # Cyrillic letters spaced out
    ("I am Q w \u0435 n!", "Q w \u0435 n", "qwen"),  # ... a look-alike among them
]


@pytest.mark.parametrize(("text", "claim", "normalized"), CASES)
def test_obfuscation_reads_plain_and_maps_back(text, claim, normalized):
    norm = normalize(text)
    start = norm.text.find(normalized)
    assert start >= 0, f"{normalized!r} not in {norm.text!r}"
    a, b = norm.span(start, start + len(normalized))
    assert text[a:b] == claim


def test_plain_text_is_folded_without_a_map():
    norm = normalize("Hello, I am Qwen. 你好，我是通义千问。")
    assert norm.text == "hello, i am qwen. 你好,我是通义千问。"
    assert norm.starts is None
    assert norm.span(6, 10) == (6, 10)


def test_underscore_inside_a_word_is_kept_as_in_markdown():
    assert normalize("model_name = qwen_chat").text == "model_name = qwen_chat"
    assert normalize("__init__ and _Qwen_").text == "init and qwen"


def test_block_tags_separate_words_inline_tags_join_them():
    assert normalize("<p>one</p><p>two</p>").text.split() == ["one", "two"]
    assert normalize("Q<b>we</b>n").text == "qwen"


def test_letters_are_joined_only_when_single_and_spaced():
    assert normalize("a b c").text == "abc"
    assert normalize("I am a b").text == "i am a b"  # two letters: ordinary text
    assert normalize("q  w  e  n").text == "q  w  e  n"  # wider gaps are left alone


def test_homoglyphs_stay_in_words_of_one_script():
    assert normalize("Привет, мир").text == "привет, мир"
    assert normalize("Qwеn").text == "qwen"


@pytest.mark.parametrize(
    ("text", "claim", "normalized"),
    [
        ("I am Cha\ntGPT.", "Cha\ntGPT", "chatgpt"),  # a line break inside a name
        ("I am Mis tral, a model", "Mis tral", "mistral"),
        ("I am Cla<br/>ude.", "Cla<br/>ude", "claude"),
        ("I am Cla\r\nude.", "Cla\r\nude", "claude"),
        ("I am C\u200bla ude.", "C\u200bla ude", "claude"),  # with other marks normalisation reads
        ("made by Anthro-\npic.", "Anthro-\npic", "anthropic"),  # hyphenated at a line's end
        ("made by Open-\r\nAI.", "Open-\r\nAI", "openai"),
    ],
)
def test_a_name_split_by_a_space_or_line_break_reads_whole(text, claim, normalized):
    splits = frozenset({"cha tgpt", "mis tral", "cla ude", "anthro-pic", "open-ai"})
    norm = rejoin(normalize(text), text, splits)
    start = norm.text.find(normalized)
    assert start >= 0, norm.text
    a, b = norm.span(start, start + len(normalized))
    assert text[a:b] == claim


def test_only_listed_splits_of_lower_case_parts_are_joined():
    splits = frozenset({"mis tral", "wen xin", "open-ai"})
    for text in ["Mis Tral is here", "Wen Xin says hi", "a mistr al b", "mis-tral", "Open-AI", "Open- AI"]:
        assert rejoin(normalize(text), text, splits).text == normalize(text).text


def test_empty_and_out_of_range_spans():
    norm = normalize("a\u200bb")
    assert norm.text == "ab"
    assert norm.span(1, 1) == (2, 2)
    assert norm.span(2, 2) == (3, 3)
    assert normalize("").text == ""


# Text built from the pieces obfuscation is made of.
PIECES = st.sampled_from(
    [
        "a", "Q", "w", "e", "n", " ", "\n", "\t", "\u3000", "通", "義", "千", "問", "ｑ", "Ｗ", "е", "ο",
        "\u200b", "\u00ad", "*", "_", "~", "`", "<b>", "</b>", "<p>", "&amp;", "&#81;", "&shy;", "&nbsp;",
        "\\u0051", "\\ud835\\udc10", '\\"', "\\n", "ﬁ", "ß", "İ", "𝐐", "😀", "，", "。", "'", "\u2019", "&", "<", "\\",
        ".", "-", "．", "－", "[", "](x)", "<!--", "-->", "ᴡ", "\u0332", "\u2066", "\u093c", "क",
    ]
)  # fmt: skip
TEXTS = st.lists(PIECES | st.text(max_size=3), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_spans_are_monotonic_and_within_bounds(text):
    norm = normalize(text)
    if norm.starts is None:
        assert len(norm.text) == len(text)
        return
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    for i, (a, b) in enumerate(zip(norm.starts, norm.ends)):
        assert 0 <= a < b <= len(text)
        if i:
            assert norm.starts[i - 1] <= a and norm.ends[i - 1] <= b
    for i in range(len(norm.text) + 1):
        a, b = norm.span(i, min(len(norm.text), i + 3))
        assert 0 <= a <= b <= len(text)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_fast_and_mapped_paths_agree(text):
    # A zero-width space forces the mapped path and normalises to nothing.
    assert normalize(text + "\u200b").text == normalize(text).text


def test_a_second_reading_takes_off_accents_written_apart_on_keyword_words():
    text = "Ich bin Gemini\u0302, ein mode\u0300le. Na\u0303o sou o ChatGPT."
    norm = normalize(text)
    assert norm.text == "ich bin geminî, ein modèle. não sou o chatgpt."  # NFD text reads composed
    bare = without_accents(norm, text, frozenset({"gemini", "chatgpt", "modèle"}))
    assert bare.text == "ich bin gemini, ein modèle. não sou o chatgpt."  # other words keep their accents
    assert bare.span(8, 14) == norm.span(8, 14) == (8, 15)
    assert without_accents(normalize("ein modèle"), "ein modèle", frozenset({"modele"})) is None  # precomposed
