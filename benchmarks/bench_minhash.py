"""What near-duplicate matching costs and finds, measured in one run.

    python benchmarks/bench_minhash.py                      # all three parts
    python benchmarks/bench_minhash.py --part signatures --windows 20000
    python benchmarks/bench_minhash.py --part scan --corpus ../shared/realdata/real_dev_text.parquet

1. signatures: windows/s of our signature path (numpy 5-gram hashes, one rensa
   bulk digest) against datasketch's per-token `MinHash.update` loop and its
   `MinHash.bulk`, on the same windows; prints the ratios.
2. calibration: near copies of library references made by random edits
   (substitutions, insertions, deletions, sentence swaps; names kept), planted
   in filler text; the share found by exact 5-gram Jaccard with the
   reference, and the scores reported, at the given threshold. This is how the
   default threshold was chosen.
3. scan: one Scanner over the same corpus with and without near-duplicate
   matching, MB/s and the ratio.

Windows and corpora: the shared development corpus when it is beside the
checkout, else the references themselves and a synthetic corpus.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from scanner import Scanner
from scanner.neardup import DEFAULT_THRESHOLD, NearDup, NearDupOptions, load_library
from scanner.neardup.matcher import CANDIDATE_JACCARD
from scanner.neardup.sketch import SHINGLE, LSHIndex, shingle_hashes, signatures
from scanner.normalize import normalize
from scanner.packs import load_packs

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata" / "real_dev_text.parquet"
PACKS = ["openai", "qwen", "deepseek", "anthropic", "google", "meta", "zhipu", "generic"]
FILLER = [
    "The committee met on Tuesday to review the budget for the new library wing.",
    "Rainfall this autumn was twice the seasonal average, and several roads flooded.",
    "To install the tool, create a virtual environment and run the setup script.",
    "The museum's new exhibition covers three centuries of maritime trade.",
    "今天下午市图书馆举办了一场关于城市历史的讲座，吸引了很多市民参加。",
    "这家餐厅的招牌菜是红烧肉，每天中午都要排很长的队。",
    "A good night's sleep improves memory, mood and concentration.",
    "The quarterly report shows revenue up four percent on the previous year.",
]


def windows_of(texts: list[str], count: int, size: int = 280) -> list[str]:
    """`count` normalised windows of about `size` characters cut from the texts."""
    rng = random.Random(1)
    texts = [normalize(t).text for t in texts if t and len(t) >= size] or [normalize(t).text for t in texts if t]
    out = []
    while len(out) < count:
        t = rng.choice(texts)
        start = rng.randrange(max(1, len(t) - size))
        out.append(t[start : start + size])
    return out


def bench_signatures(windows: list[str], num_perm: int, loop_windows: int) -> None:
    """Our bulk path against datasketch on the same windows (CPU time: the machine may be shared)."""
    from datasketch import MinHash

    started = time.process_time()
    sigs = signatures([shingle_hashes(w) for w in windows], num_perm)
    ours = len(windows) / (time.process_time() - started)

    subset = windows[:loop_windows]
    shingles = [[w[i : i + SHINGLE].encode() for i in range(len(w) - SHINGLE + 1)] for w in subset]
    started = time.process_time()
    for tokens in shingles:
        m = MinHash(num_perm=num_perm)
        for t in tokens:
            m.update(t)
    loop = len(subset) / (time.process_time() - started)
    started = time.process_time()
    MinHash.bulk(shingles, num_perm=num_perm)
    bulk = len(subset) / (time.process_time() - started)
    print(f"\n## Signatures ({len(windows):,} windows of ~{np.mean([len(w) for w in windows]):.0f} chars, "
          f"{num_perm} permutations; datasketch on the first {len(subset):,})")  # fmt: skip
    print(f"{'ours: numpy 5-gram hashes + rensa bulk digest':<48}{ours:>12,.0f} windows/s")
    print(f"{'datasketch MinHash.update per token':<48}{loop:>12,.0f} windows/s")
    print(f"{'datasketch MinHash.bulk':<48}{bulk:>12,.0f} windows/s")
    print(f"ratio: ours / per-token update = {ours / loop:,.0f}x; ours / bulk = {ours / bulk:,.1f}x")
    bench_lsh(sigs, num_perm)


def bench_lsh(queries: np.ndarray, num_perm: int) -> None:
    """Our LSH index against datasketch's MinHashLSH with the same bands over the same signatures."""
    from datasketch import MinHash, MinHashLSH

    refs = load_library(load_packs(PACKS))
    indexed = signatures([shingle_hashes(normalize(r.text).text) for r in refs], num_perm)
    ours = LSHIndex(CANDIDATE_JACCARD, num_perm)
    for i, keys in enumerate(ours.keys(indexed)):
        ours.insert(keys, i)
    theirs = MinHashLSH(num_perm=num_perm, params=(ours.bands, ours.rows))
    for i, sig in enumerate(indexed):
        theirs.insert(i, MinHash(num_perm=num_perm, hashvalues=sig.astype(np.uint64), scheme="legacy"))
    started = time.process_time()
    found = [ours.query(keys) for keys in ours.keys(queries)]
    fast = len(queries) / (time.process_time() - started)
    objects = [MinHash(num_perm=num_perm, hashvalues=q.astype(np.uint64), scheme="legacy") for q in queries]
    started = time.process_time()
    expected = [set(theirs.query(m)) for m in objects]
    slow = len(queries) / (time.process_time() - started)
    print(f"\n## LSH queries ({len(queries):,} windows against {len(refs):,} references, "
          f"{ours.bands} bands of {ours.rows} rows)")  # fmt: skip
    print(f"{'ours: numpy band keys, one dict':<48}{fast:>12,.0f} queries/s")
    print(f"{'datasketch MinHashLSH.query':<48}{slow:>12,.0f} queries/s")
    print(f"ratio: {fast / slow:,.1f}x; same candidates for every window: {found == expected}")


def jaccard(a: str, b: str) -> float:
    """Exact 5-gram Jaccard similarity of two texts after normalisation."""
    x, y = set(shingle_hashes(normalize(a).text).tolist()), set(shingle_hashes(normalize(b).text).tolist())
    return len(x & y) / len(x | y) if x | y else 1.0


def edit(text: str, rate: float, protect: list[str], rng: random.Random) -> str:
    """Substitute, insert and delete about `rate` of the tokens, maybe swap two sentences; `protect` stays."""
    import regex

    sentences = [s for s in regex.split(r"(?<=[.!?。！？])\s*", text) if s]
    if len(sentences) > 2 and rng.random() < rate:
        i = rng.randrange(len(sentences) - 1)
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    tokens = regex.findall(r"[\p{Han}\p{Hiragana}\p{Katakana}]|[\p{L}\p{N}']+|[^\p{L}\p{N}]", " ".join(sentences))
    vocab = [t for t in regex.findall(r"[\p{L}\p{N}']+|\p{Han}", " ".join(FILLER)) if len(t) > 0]
    kept = {i for i, t in enumerate(tokens) if any(t.lower() in p.lower() for p in protect)}
    out = []
    for i, t in enumerate(tokens):
        r = rng.random()
        if i in kept or not regex.match(r"[\p{L}\p{N}]", t) or r > rate:  # words change, punctuation stays
            out.append(t)
        elif r < rate / 2:
            out.append(
                rng.choice(vocab) if not regex.match(r"\p{Han}", t) else rng.choice("的一是在不了有和人这中大为上个国")
            )
        elif r < 3 * rate / 4:
            out.extend([t, " " if t.isascii() else "", rng.choice(vocab)])
    return "".join(out)


def bench_calibration(threshold: float, num_perm: int, trials: int) -> None:
    """Found rate by exact Jaccard band, for planted near copies of library references."""
    packs = load_packs(PACKS)
    refs = [r for r in load_library(packs) if "@" not in r.id or r.id.endswith("@openai")]
    nd = NearDup.from_options(NearDupOptions(threshold=threshold, num_perm=num_perm), packs)
    names = {p.family: p.identities + p.makers for p in packs.packs}
    rng = random.Random(7)
    bands = np.array([0.0, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01])
    found = np.zeros(len(bands) - 1)
    total = np.zeros(len(bands) - 1)
    scores: list[list[float]] = [[] for _ in total]
    for _ in range(trials):
        ref = rng.choice(refs)
        protect = [n for n in names.get(ref.family, ()) if n in normalize(ref.text).text]
        copy = edit(ref.text, rng.uniform(0.0, 0.7), protect, rng)
        j = jaccard(copy, ref.text)
        before = " ".join(rng.choices(FILLER, k=rng.randrange(0, 8)))
        after = " ".join(rng.choices(FILLER, k=rng.randrange(0, 8)))
        doc = f"{before} {copy} {after}"
        spots = [i + len(n) for n in protect for i in _find_all(normalize(doc).text, n)]
        at = int(np.searchsorted(bands, j, side="right")) - 1
        hits = [m for m in nd.find(doc, spots or None) if m.reference.family == ref.family]
        total[at] += 1
        if hits:
            found[at] += 1
            scores[at].append(max(m.score for m in hits))
    print(f"\n## Calibration ({trials:,} planted near copies, threshold {threshold}, {num_perm} permutations)")
    print(f"{'5-gram Jaccard':<16}{'copies':>8}{'found':>9}{'median score':>14}")
    for i in range(len(total)):
        if total[i]:
            median = f"{np.median(scores[i]):.2f}" if scores[i] else "-"
            print(f"{bands[i]:.2f}-{min(bands[i + 1], 1):.2f}{total[i]:>14.0f}{found[i] / total[i]:>9.0%}{median:>14}")


def _find_all(text: str, needle: str) -> list[int]:
    out, at = [], text.find(needle)
    while at >= 0:
        out.append(at)
        at = text.find(needle, at + 1)
    return out


def bench_scan(corpus: Path | None, rows: int, runs: int) -> None:
    """One Scanner with and without near-duplicate matching over the same table."""
    table = pq.read_table(corpus, columns=["text"]).slice(0, rows) if corpus else synthetic_corpus(rows)
    megabytes = sum(len(t.encode()) for t in table.column("text").to_pylist() if t) / 1e6
    print(f"\n## Scan cost ({table.num_rows:,} documents, {megabytes:.1f} MB, packs: {', '.join(PACKS)})")
    packs = load_packs(PACKS)
    results = {}
    for label, options in (("regex only", None), ("regex + near-dup", NearDupOptions())):
        started = time.process_time()
        scanner = Scanner(packs, near_dup=options)
        build = time.process_time() - started
        scanner.scan_batch(table)  # warm up: rules compile their regexes on first use
        times, hits = [], []
        for _ in range(runs):  # CPU time: the machine is shared, wall time is not ours alone
            started = time.process_time()
            hits = scanner.scan_batch(table)
            times.append(time.process_time() - started)
        results[label] = float(np.median(times))
        methods = {m: sum(h.method == m for h in hits) for m in ("regex", "minhash", "regex,minhash")}
        print(f"{label:<20}{megabytes / results[label]:>8.2f} MB/s of CPU   (build {build:.1f} s; hits {methods})")
    ratio = results["regex + near-dup"] / results["regex only"]
    examined = _documents_examined(scanner, table)
    extra = (results["regex + near-dup"] - results["regex only"]) / max(examined, 1) * 1e6
    print(f"near-dup costs {ratio:.2f}x the regex-only scan time on this corpus; it examined {examined:,} documents")
    print(f"(those with a keyword hit), {extra:,.0f} us of CPU each")


def _documents_examined(scanner: Scanner, table: pa.Table) -> int:
    """How many texts reach the near-dup stage: those with a keyword (or anchor) hit."""
    calls = 0
    find = scanner.neardup.find

    def counting(*args, **kwargs):
        nonlocal calls
        calls += 1
        return find(*args, **kwargs)

    scanner.neardup.find = counting
    scanner.scan_batch(table)
    scanner.neardup.find = find
    return calls


def synthetic_corpus(rows: int) -> pa.Table:
    """Filler documents, a few of them carrying edited self-introductions."""
    rng = random.Random(3)
    refs = load_library(load_packs(PACKS))
    texts = []
    for i in range(rows):
        doc = " ".join(rng.choices(FILLER, k=rng.randrange(2, 12)))
        if i % 20 == 0:
            doc += " " + edit(rng.choice(refs).text, 0.15, [], rng)
        texts.append(doc)
    return pa.table({"text": texts})


def main() -> None:
    """Run the parts asked for."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["signatures", "calibration", "scan", "all"], default="all")
    parser.add_argument("--windows", type=int, default=10000, help="windows for the signature benchmark")
    parser.add_argument("--loop-windows", type=int, default=1000, help="of which datasketch's loop hashes")
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--trials", type=int, default=2000, help="planted copies for the calibration")
    parser.add_argument("--corpus", type=Path, default=REALDATA if REALDATA.exists() else None)
    parser.add_argument("--rows", type=int, default=20000, help="documents for the scan benchmark")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}; corpus: {args.corpus or 'synthetic'}")
    if args.part in ("signatures", "all"):
        texts = pq.read_table(args.corpus, columns=["text"]).column("text").to_pylist() if args.corpus else None
        texts = texts or [r.text for r in load_library(load_packs(PACKS))]
        bench_signatures(windows_of(texts, args.windows), args.num_perm, min(args.loop_windows, args.windows))
    if args.part in ("calibration", "all"):
        bench_calibration(args.threshold, args.num_perm, args.trials)
    if args.part in ("scan", "all"):
        bench_scan(args.corpus, args.rows, args.runs)


if __name__ == "__main__":
    main()
