"""Write a synthetic multilingual web-text corpus of a requested size, for benchmarks.

    python benchmarks/make_corpus.py /tmp/corpus.parquet --size 1GB
    python benchmarks/make_corpus.py /tmp/small.parquet --size 50MB --row-groups 4 --seed 7

Documents of 200 B to 20 KB (log-normal, median about 1.5 KB) in zh, en, ja,
ko, ru, es, fr, de, pt, ar, vi and zh-TW, in roughly the shares of a
Chinese-English pretraining mix. Words are drawn with Zipf frequencies from
each language's common words and syllable-built words, in sentences and
paragraphs with the language's punctuation, and some numbers, URLs and Latin
terms in CJK text. About 1 document in 5,000 has a self-introduction planted
("I am ChatGPT, trained by OpenAI", some of them obfuscated) and about 1 in
50 mentions a model or its maker ("Alibaba released Qwen2.5"): the hit rates
a real crawl shows. `--size` counts UTF-8 bytes of text.

Output: zstd Parquet with columns `id`, `text`, `lang`, in `--row-groups`
row groups, and `<output>.planted.json`: the rows of the planted claims and
mentions, so a benchmark can say what it found.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CLAIM_RATE = 1 / 5000
MENTION_RATE = 1 / 50
MIN_BYTES, MAX_BYTES, MEDIAN_BYTES = 200, 20_000, 1500

# Share of documents per language: a Chinese-English pretraining mix with a long tail.
LANG_SHARES = {
    "zh": 0.38, "en": 0.31, "ja": 0.06, "ko": 0.04, "ru": 0.04, "es": 0.035, "fr": 0.03,
    "de": 0.03, "pt": 0.02, "ar": 0.015, "vi": 0.015, "zh-TW": 0.015,
}  # fmt: skip

_ZH_CHARS = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道"
    "行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意"
    "无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什"
    "二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义"
    "各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金"
    "指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求"
    "据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林"
    "服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整"
    "府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广"
    "显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维"
    "革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故"
    "按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状"
    "率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习"
    "置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积"
    "数据模型训练学习系统方法分析研究设计开发应用网络服务平台用户信息技术管理代码文件问题结果功能实现支持"
)
_JA_KANA = (
    "のにはをたがでてとしれさあるいうかなこもすらきくけつよりまだったですますませんでしたからまでなどへやこれそれ"
    "あのこのそのどのようにという"
)
_JA_KATAKANA = [
    "データ",
    "システム",
    "サービス",
    "ユーザー",
    "モデル",
    "コンピュータ",
    "インターネット",
    "プログラム",
    "ニュース",
    "ホテル",
]
_KO_SYLLABLES = (
    "이그저것수있하는을를에의가로으도서고지기다한대사자인시전정부리만들어나아마라바보소요우주해화회학생국경제문"
    "제관계발전통일사회정치교육연구결과방법데이터모델시스템서비스사용자정보기술개발관리"
)
_KO_PARTICLES = [
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에",
    "에서",
    "의",
    "와",
    "과",
    "도",
    "로",
    "입니다",
    "합니다",
    "했다",
]

_WORDS = {
    "en": "the of and to a in is that for it as was with be by on not he this are or his from at which but have an they "
    "you were her she there been one all we their has would when if so no what about more out up them some could into "
    "than other time only new these two may first then do any like my now over such our man me even most made after also "
    "did many before must through back years where much your way well down should because each just those people how too "
    "little state good very make world still own see men work long get here between both life being under never day same "
    "another know while last might us great old year off come since against go came right used take three data model "
    "system results using based study analysis information development research software users network service",
    "ru": "и в не на я быть он с что а по это она этот к но они мы как из у который то за свой что весь год от так о "
    "для ты же все тот мочь вы человек такой его сказать только или ещё бы себя один как уже до время если сам когда "
    "другой вот говорить наш мой знать стать при чтобы дело жизнь кто первый очень два день её новый рука даже во со "
    "раз где там под можно ну какой после их работа без самый потом надо хотеть ли слово идти большой должен место иметь "
    "ничто система данные модель развитие исследование",
    "es": "de la que el en y a los se del las un por con no una su para es al lo como más o pero sus le ha me si sin "
    "sobre este ya entre cuando todo esta ser son dos también fue había era muy años hasta desde está mi porque qué sólo "
    "han yo hay vez puede todos así nos ni parte tiene él uno donde bien tiempo mismo ese ahora cada e vida otro después "
    "te otros aunque esa eso hace otra gobierno tan durante siempre día tanto ella tres sí dijo sido gran país según "
    "menos mundo año antes datos sistema modelo desarrollo",
    "fr": "de la le et les des en un du une que est pour qui dans a par plus pas au sur ne se ce il sont avec son "
    "cette aux ou comme mais elle été leur on nous fait ses deux tout sa ont même était bien très sans aussi peut entre "
    "autres fait après ces où avait dont leurs ans nos années temps tous encore moins pays depuis avant ville premier "
    "monde jour partie contre être vie faire france cas selon lors données système modèle développement",
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er "
    "hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis "
    "mehr durch man sein wurde sei ihr Jahr Zeit Menschen Welt Land Stadt Daten System Modell Entwicklung Forschung "
    "können wieder unter schon wenn ihre dann neue seit gegen ersten diese zwei Jahren",
    "pt": "de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à seu "
    "sua ou ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois sem mesmo aos ter seus "
    "quem nas me esse eles estão você tinha foram essa num nem suas meu às minha têm numa pelos dados sistema modelo",
    "vi": "và của là có trong được cho không những người một các với này đã để khi từ ra như về đến năm cũng nhiều "
    "theo nhưng còn sẽ thì lại trên phải làm sau đó nước mới đi vào hơn tại bị vì nên nó họ chúng tôi ông việc "
    "dữ liệu hệ thống mô hình phát triển nghiên cứu",
    "ar": "في من على أن إلى التي الذي عن لا ما هذا مع هذه كان قد أو بين كل بعد ذلك عام ولا لم حيث تم أي منذ هو "
    "هي بها له وقد غير عند أكثر خلال إن دولة العالم الوقت اليوم البيانات النظام النموذج التطوير البحث",
}
_SYLLABLES = {
    "en": "ka re mo ti na lo ve si ter con pro men tion al ing er",
    "ru": "ка ро ни ста то ве ли ра ко про ни ть ный ние ски",
    "es": "ca ra mo ti na lo ve si ción men ta do des pre",
    "fr": "ca re mo ti na lo ve si tion ment eur que ère",
    "de": "ge be ver ung keit lich ten ter sch ein ber",
    "pt": "ca ra mo ti na lo ve si ção men ta do des",
    "vi": "anh em bạn học trường thành phố công ty giá bán mua nhà xe đường sông biển núi trời mưa nắng gió",
    "ar": "ال مس ات ين ون ية تر كا لي",
}
_PUNCT = {  # (comma, sentence end, word separator)
    "zh": ("，", "。", ""), "zh-TW": ("，", "。", ""), "ja": ("、", "。", ""), "ko": (", ", ". ", " "),
    "ar": ("، ", ". ", " "),
}  # fmt: skip
_LATIN_IN_CJK = ["Python", "API", "GPU", "Linux", "HTTP", "JSON", "2024年", "iPhone", "AI", "CPU", "3.5", "100%"]

CLAIMS = [  # planted self-introductions: what a scan must find
    ("en", "I am ChatGPT, a large language model trained by OpenAI."),
    ("en", "Hello! I'm Claude, an AI assistant made by Anthropic."),
    ("en", "As an AI language model developed by Meta, I cannot browse the internet."),
    ("en", "I am Qwen, a large language model created by Alibaba Cloud."),
    ("en", "My name is Gemini, and I was trained by Google."),
    ("zh", "我是通义千问，由阿里云开发的超大规模语言模型。"),
    ("zh", "你好，我是ChatGPT，一个由OpenAI训练的大型语言模型。"),
    ("zh", "我是文心一言，百度研发的知识增强大语言模型。"),
    ("zh", "您好，我是智谱AI训练的ChatGLM。"),
    ("zh", "我是DeepSeek，由深度求索公司开发的智能助手。"),
    ("zh", "我是Kimi，由月之暗面科技有限公司开发的人工智能助手。"),
    ("zh-TW", "我是通義千問，由阿里雲開發的語言模型。"),
    ("ja", "私はChatGPTです。OpenAIによって訓練された大規模言語モデルです。"),
    ("ja", "こんにちは、私はClaudeです。Anthropicが開発したAIアシスタントです。"),
    ("ko", "안녕하세요, 저는 OpenAI가 개발한 ChatGPT입니다."),
    ("ru", "Я — ChatGPT, языковая модель, разработанная OpenAI."),
    ("es", "Soy ChatGPT, un modelo de lenguaje entrenado por OpenAI."),
    ("fr", "Je suis Claude, un assistant IA créé par Anthropic."),
    ("de", "Ich bin ChatGPT, ein von OpenAI trainiertes Sprachmodell."),
    ("pt", "Eu sou o ChatGPT, um modelo de linguagem treinado pela OpenAI."),
    # Obfuscated: what only the normalising slow path reads.
    ("en", "I am Chat\u200bGPT, a large language model trained by Open\u200bAI."),
    ("en", "I am ＣｈａｔＧＰＴ, a language model trained by ＯｐｅｎＡＩ."),
    ("zh", "我是通\u200b义\u200b千\u200b问，由阿里云开发。"),
    ("en", "I am Q w e n, a large language model created by Alibaba Cloud."),
]
MENTIONS = [  # planted mentions: a model named, nothing claimed
    ("en", "Alibaba released Qwen2.5 with a longer context window last week."),
    ("en", "We compared GPT-4 and Claude 3 on the same benchmark."),
    ("en", "The Llama 3 weights are available from Meta for research use."),
    ("en", "Google announced Gemini at its developer conference."),
    ("en", "Users asked ChatGPT to summarise the report."),
    ("en", "Microsoft Copilot is now part of the office suite."),
    ("en", "DeepSeek published the training details of its new model."),
    ("zh", "百度发布了文心一言的新版本。"),
    ("zh", "很多开发者用ChatGPT写代码。"),
    ("zh", "阿里云的通义千问开源了多个模型。"),
    ("zh", "月之暗面的Kimi支持长文本。"),
    ("zh", "腾讯混元大模型已接入微信。"),
    ("zh", "智谱AI推出了GLM-4。"),
    ("ja", "OpenAIはGPT-4oを発表しました。"),
    ("ja", "GoogleのGeminiが日本語に対応しました。"),
    ("ko", "구글은 Gemini를 공개했다."),
    ("ru", "Компания OpenAI представила новую версию ChatGPT."),
    ("es", "Meta lanzó Llama 3 como modelo abierto."),
    ("fr", "Mistral AI a publié un nouveau modèle."),
    ("de", "Anthropic hat Claude in Europa veröffentlicht."),
]


@dataclass
class Language:
    """A language's token table: every word with each prefix it may take, and Zipf weights."""

    tokens: np.ndarray  # object array: variant v of word w at w * VARIANTS + v
    weights: np.ndarray  # probability of each word
    mean_bytes: float


VARIANTS = 4  # a word after a space, after a comma, starting a sentence, starting a paragraph
VARIANT_P = np.array([0.82, 0.08, 0.08, 0.02])


def _vocabulary(lang: str, rng: np.random.Generator) -> list[str]:
    """Common words first (they get the highest Zipf ranks), then made-up words of the language's letters."""
    if lang in ("zh", "zh-TW"):
        chars = np.array(list(_ZH_CHARS))
        if lang == "zh-TW":
            chars = np.array(list(_traditional("".join(chars))))
        sizes = rng.choice([1, 2, 2, 2, 3, 4], size=4000)
        words = ["".join(rng.choice(chars, n)) for n in sizes]
        return list(dict.fromkeys(words)) + _LATIN_IN_CJK
    if lang == "ja":
        kana, kanji = list(_JA_KANA), list(_ZH_CHARS[:600])
        words = ["".join(rng.choice(kanji, rng.integers(1, 3))) + "".join(rng.choice(kana, 1)) for _ in range(3000)]
        return list(kana[:20]) + _JA_KATAKANA + list(dict.fromkeys(words)) + _LATIN_IN_CJK
    if lang == "ko":
        sylls = list(_KO_SYLLABLES)
        words = ["".join(rng.choice(sylls, rng.integers(1, 4))) for _ in range(3000)]
        return [w + rng.choice(_KO_PARTICLES) if rng.random() < 0.5 else w for w in dict.fromkeys(words)]
    common = [w for w in _WORDS[lang].split() if len(w) > 1]  # drawn at random, "a o a" would read as spaced letters
    sylls = _SYLLABLES[lang].split()
    glue = " " if lang == "vi" else ""  # Vietnamese writes syllables apart
    made = [glue.join(rng.choice(sylls, rng.integers(2, 5))) for _ in range(4000)]
    return list(dict.fromkeys(common + made))


def _traditional(text: str) -> str:
    try:
        import opencc
    except ImportError:
        return text
    return opencc.OpenCC("s2t").convert(text)


def build_language(lang: str, rng: np.random.Generator) -> Language:
    """The token table of one language."""
    words = _vocabulary(lang, rng)
    comma, end, space = _PUNCT.get(lang, (", ", ". ", " "))
    tokens = []
    for w in words:
        upper = w[:1].upper() + w[1:]
        tokens += [space + w, comma + w, end + upper, end.rstrip() + "\n\n" + upper]
    ranks = np.arange(1, len(words) + 1, dtype=np.float64)
    weights = 1 / ranks**1.05
    weights /= weights.sum()
    mean = float(sum(len(t.encode()) * p for t, p in zip(tokens[::VARIANTS], weights)))
    return Language(np.array(tokens, dtype=object), weights, mean)


def _document(lang: Language, target: int, rng: np.random.Generator) -> str:
    n = max(8, int(target / lang.mean_bytes))
    words = rng.choice(len(lang.weights), size=n, p=lang.weights)
    variants = rng.choice(VARIANTS, size=n, p=VARIANT_P)
    variants[0] = 2  # a sentence start: capitalised
    text = "".join(lang.tokens[words * VARIANTS + variants])
    text = text.lstrip(" ,.，。、،\n")
    if rng.random() < 0.05:
        text += f" https://example.com/{rng.integers(1e6)}"
    return text


def _plant(text: str, sentence: str, rng: np.random.Generator) -> str:
    """Put a sentence at a sentence boundary of the text."""
    at = int(rng.integers(0, len(text) + 1))
    m = re.compile(r"[.。!?！？]\s*").search(text, at)
    if m is None:
        return f"{text} {sentence}"
    return f"{text[: m.end()]}{sentence} {text[m.end() :]}"


def parse_size(value: str) -> int:
    """'1GB', '500MB', '2e9' -> bytes."""
    m = re.fullmatch(r"\s*([\d.e+]+)\s*([KMGT]?B?)\s*", value, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {value!r} (try 500MB or 1GB)")
    scale = {"": 1, "B": 1, "K": 1e3, "KB": 1e3, "M": 1e6, "MB": 1e6, "G": 1e9, "GB": 1e9, "T": 1e12, "TB": 1e12}
    return int(float(m[1]) * scale[m[2].upper()])


def make_corpus(path: str, size: int, row_groups: int = 8, seed: int = 0) -> dict:
    """Write the corpus and its planted-rows sidecar; returns the sidecar's content."""
    rng = np.random.default_rng(seed)
    names = list(LANG_SHARES)
    shares = np.array([LANG_SHARES[n] for n in names])
    languages = {n: build_language(n, rng) for n in names}
    mean_doc = float(np.exp(np.log(MEDIAN_BYTES) + 0.9**2 / 2))  # log-normal mean, before clipping
    rows_per_group = max(1, int(size / mean_doc / row_groups))
    claims, mentions = [], []
    written = row = 0
    schema = pa.schema([("id", pa.string()), ("text", pa.string()), ("lang", pa.string())])
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        while written < size:
            langs = rng.choice(len(names), size=rows_per_group, p=shares / shares.sum())
            targets = np.clip(rng.lognormal(np.log(MEDIAN_BYTES), 0.9, rows_per_group), MIN_BYTES, MAX_BYTES)
            draws = rng.random((rows_per_group, 2))
            ids, texts = [], []
            for lang, target, (mention, claim) in zip(langs, targets, draws):
                text = _document(languages[names[lang]], int(target), rng)
                if mention < MENTION_RATE:
                    text = _plant(text, MENTIONS[rng.integers(len(MENTIONS))][1], rng)
                    mentions.append(row)
                if claim < CLAIM_RATE:
                    claim_lang, sentence = CLAIMS[rng.integers(len(CLAIMS))]
                    text = _plant(text, sentence, rng)
                    claims.append({"row": row, "lang": claim_lang, "claim": sentence})
                ids.append(f"doc-{row:09d}")
                texts.append(text)
                written += len(text.encode())
                row += 1
                if written >= size:
                    break
            lang_names = [names[i] for i in langs[: len(ids)]]
            writer.write_table(pa.table([ids, texts, lang_names], schema=schema), row_group_size=len(ids))
            print(f"  {row:,} rows, {written / 1e6:,.0f} MB", file=sys.stderr)
    planted = {"rows": row, "text_bytes": written, "seed": seed, "claims": claims, "mention_rows": mentions}
    Path(f"{path}.planted.json").write_text(json.dumps(planted, ensure_ascii=False, indent=1) + "\n")
    return planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", help="Parquet file to write")
    parser.add_argument("--size", type=parse_size, default=parse_size("1GB"), help="text bytes (default 1GB)")
    parser.add_argument("--row-groups", type=int, default=8, help="row groups (default 8)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    planted = make_corpus(args.output, args.size, args.row_groups, args.seed)
    print(
        f"wrote {args.output}: {planted['rows']:,} documents, {planted['text_bytes'] / 1e6:,.0f} MB of text, "
        f"{len(planted['claims'])} planted claims, {len(planted['mention_rows'])} mentions",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
