"""Reports people read: what a scan found, from its summary and a bounded sample of its hits.

The data a report shows is gathered here once; `report_html` and `report_md`
only lay it out. Hits are never loaded whole: the first few of each family are
found on the family column and fetched by position, so a report of a scan
with a million hits takes well under a second of CPU.
"""

from __future__ import annotations

import re
import shlex
from collections import defaultdict
from dataclasses import dataclass

import fsspec
import pyarrow.compute as pc

from .scanfiles import hit_batches, hits_at, read_summary

SAMPLES_PER_FAMILY = 5
TOP_SOURCES = 15
TOP_SLICES = 20
TOP_TEMPLATES = 10
SHOWN_CONTEXT = 160  # characters of context shown each side of a claim
SHOWN_MATCH = 400

# Characters a reader cannot see that change what is read: bidi controls, zero-widths, C0/C1 controls.
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]")

SAMPLE_COLUMNS = ["source", "row", "doc_id", "field", "role", "family", "rule", "lang", "severity", "method"]
SAMPLE_COLUMNS += ["start", "end", "match", "score", "context", "fingerprint"]


@dataclass
class ReportData:
    """What a report shows: the summary of a scan and a few hits of each family."""

    summary: dict
    samples: dict[str, list[dict]]


def load_report(out_dir: str, per_family: int = SAMPLES_PER_FAMILY) -> ReportData:
    """Read a scan folder's summary and sample its hits."""
    summary = read_summary(out_dir)
    return ReportData(summary, sample_hits(out_dir, list(summary["by_family"]), per_family))


def sample_hits(out_dir: str, families: list[str], per_family: int) -> dict[str, list[dict]]:
    """The first `per_family` hits of each family, found on the family column alone, then fetched."""
    positions: dict[str, list[int]] = {f: [] for f in families}
    offset = 0
    for batch in hit_batches(out_dir, ["family"]):
        wanting = [f for f, found in positions.items() if len(found) < per_family]
        if not wanting:
            break
        for family in wanting:
            rows = pc.indices_nonzero(pc.equal(batch.column("family"), family))
            positions[family] += [offset + i for i in rows[: per_family - len(positions[family])].to_pylist()]
        offset += batch.num_rows
    rows = iter(hits_at(out_dir, [p for found in positions.values() for p in found], SAMPLE_COLUMNS))
    return {family: [next(rows) for _ in found] for family, found in positions.items()}


def write_reports(out_dir: str, formats: tuple[str, ...] = ("html",)) -> list[str]:
    """Write `report.html` with `report.md` beside it ("html") and/or `report.sarif`; return the paths."""
    from .report_html import render_html  # the renderers import this module
    from .report_md import render_md
    from .sarif import write_sarif

    root = out_dir.rstrip("/")
    written = []
    if "html" in formats:
        data = load_report(out_dir)
        for name, render in (("report.html", render_html), ("report.md", render_md)):
            with fsspec.open(f"{root}/{name}", "w", encoding="utf-8") as f:
                f.write(render(data))
            written.append(f"{root}/{name}")
    if "sarif" in formats:
        write_sarif(out_dir, f"{root}/report.sarif")
        written.append(f"{root}/report.sarif")
    return written


def findings(summary: dict) -> list[str]:
    """The answer in a few sentences: how bad, which models, where, and how much is one template."""
    docs, rows, hits = summary["documents_with_hits"], summary["rows_scanned"], summary["hits"]
    if not hits:
        return [f"No self-introductions of another model found in {rows:,} documents."]
    lines = [
        f"{docs:,} of {rows:,} documents ({fmt_rate(summary['contaminated_per_million'])} per million) "
        "claim another model's identity."
    ]
    family, top = next(iter(summary["by_family"].items()))
    lines.append(
        f"Most claimed: {family}, in {plural(top['documents'], 'document')} ({share(top['hits'], hits)} of hits)."
    )
    sources = summary["by_source"]
    if len(sources) > 1:
        source, where = max(sources.items(), key=lambda kv: kv[1]["hits"])
        lines.append(f"{share(where['hits'], hits)} of hits are in {source}.")
    templates = summary.get("templates") or []
    if templates and templates[0].get("size"):
        lines.append(f"The largest template cluster holds {share(templates[0]['size'], hits)} of hits.")
    return lines


def chart_rows(counts: dict, total: int) -> list[tuple[str, int, str]]:
    """(label, value, note) rows for a chart of plain counts."""
    return [(str(k), v, f"{v:,} ({share(v, total)})") for k, v in counts.items()]


def family_rows(summary: dict) -> list[tuple[str, int, str]]:
    """Chart rows of hits by family, noting documents."""
    return [
        (f, v["hits"], f"{plural(v['hits'], 'hit')}, {plural(v['documents'], 'doc')}")
        for f, v in summary["by_family"].items()
    ]


def source_rows(summary: dict) -> tuple[list[tuple[str, int, str]], str]:
    """Chart rows of the sources with most hits, and a note on the rest ("" when none)."""
    ranked = sorted(summary["by_source"].items(), key=lambda kv: (-kv[1]["hits"], kv[0]))
    rows = [
        (s, v["hits"], f"{plural(v['hits'], 'hit')}, {fmt_rate(per_million(v['documents'], v['rows']))}/M")
        for s, v in ranked[:TOP_SOURCES]
        if v["hits"]
    ]
    rest = [v for _, v in ranked[len(rows) :]]
    hits = sum(v["hits"] for v in rest)
    if not rest:
        return rows, ""
    if not hits:
        return rows, f"Another {plural(len(rest), 'source')} without hits."
    return rows, f"Another {plural(len(rest), 'source')} with {plural(hits, 'hit')} (all in summary.json)."


def role_rows(summary: dict) -> list[tuple[str, int, str]]:
    """Chart rows of hits by chat role; empty when the data is plain text."""
    roles = summary.get("by_role", {})
    return chart_rows(roles, summary["hits"]) if set(roles) - {"text"} else []


def family_lang_matrix(summary: dict) -> tuple[list[str], list[tuple[str, dict[str, tuple[int, float]]]]]:
    """Languages, and per family {lang: (documents, per million)} over the whole corpus."""
    docs: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in summary.get("identity_prior", []):
        docs[s["family"]][s["lang"]] += s["documents"]  # a document is a (source, row): sums across sources
    langs = sorted({lang for by_lang in docs.values() for lang in by_lang})
    rows = summary["rows_scanned"]
    order = [f for f in summary["by_family"] if f in docs]
    return langs, [(f, {lang: (n, per_million(n, rows)) for lang, n in docs[f].items()}) for f in order]


def template_rows(summary: dict) -> list[dict]:
    """The largest template clusters, as strings ready to show (empty when the scan did no clustering)."""
    hits = summary["hits"]
    return [
        {
            "size": f"{t.get('size', 0):,}",
            "share": share(t.get("size", 0), hits),
            "families": names(t.get("families")),
            "languages": names(t.get("languages", t.get("langs"))),
            "example": str(t.get("example", "")),
            "first_seen": place(t.get("first_seen")),
        }
        for t in (summary.get("templates") or [])[:TOP_TEMPLATES]
    ]


def split_claim(hit: dict, context_chars: int | None) -> tuple[str, str, str]:
    """A hit's context as (before, claim, after), cut to what a reader needs."""
    context, match = hit.get("context") or "", hit["match"]
    at = min(hit["start"], context_chars) if context_chars is not None else -1
    if at < 0 or context[at : at + len(match)] != match:
        at = context.find(match)  # a context cut some other way: find the claim in it
    if at < 0:
        return "", clip(match, SHOWN_MATCH), ""
    before, after = context[:at], context[at + len(match) :]
    if len(before) > SHOWN_CONTEXT:
        before = "…" + before[-SHOWN_CONTEXT:]
    if len(after) > SHOWN_CONTEXT:
        after = after[:SHOWN_CONTEXT] + "…"
    return before, clip(match, SHOWN_MATCH), after


def location(hit: dict) -> list[tuple[str, str]]:
    """Where a hit is, as (label, value) pairs: source, row, doc id, field, span."""
    field = hit["field"] + (f" ({hit['role']})" if hit.get("role") else "")
    pairs = [("source", hit["source"]), ("row", f"{hit['row']:,}")]
    if hit.get("doc_id") is not None:
        pairs.append(("doc", clip(hit["doc_id"], 200)))
    return pairs + [("field", field), ("chars", f"{hit['start']:,}–{hit['end']:,}")]


def command_line(summary: dict) -> str:
    """The command that ran the scan, quoted to paste into a shell."""
    command = summary.get("command") or []
    return shlex.join(command) if isinstance(command, list) else str(command)


def headline(summary: dict) -> list[tuple[str, str, str, str]]:
    """(key, label, value, detail) for the headline figures."""
    families = summary.get("families", [])
    return [
        ("scanned", "documents scanned", f"{summary['rows_scanned']:,}", ""),
        ("contaminated", "contaminated documents", f"{summary['documents_with_hits']:,}", ""),
        ("rate", "per million documents", fmt_rate(summary["contaminated_per_million"]), ""),
        ("hits", "hits", f"{summary['hits']:,}", ""),
        ("bytes", "text scanned", fmt_bytes(summary["bytes_scanned"]), ""),
        ("time", "wall time", fmt_seconds(summary.get("wall_seconds", 0)), ""),
        ("packs", "pattern packs", f"{len(families)}", ", ".join(families)),
    ]


def notes(summary: dict) -> list[str]:
    """Things a reader must know to trust the figures: skipped rows, timeouts, suppressed findings."""
    out = []
    if summary.get("rows_skipped"):
        reasons = ", ".join(f"{n:,} {r}" for r, n in summary.get("skip_reasons", {}).items())
        out.append(f"{summary['rows_skipped']:,} rows were skipped as unreadable ({reasons}).")
    if summary.get("rule_timeouts"):
        out.append(f"{summary['rule_timeouts']:,} rule runs gave up on pathological text (timeout).")
    suppressed = summary.get("suppressed", {})
    if suppressed.get("baseline"):
        out.append(f"{suppressed['baseline']:,} findings already in the baseline are not reported.")
    if suppressed.get("ignored"):
        out.append(f"{suppressed['ignored']:,} findings were suppressed by the ignore file.")
    return out


def reveal(text: str, mark: str = "‹U+{:04X}›") -> str:
    """Text with its hidden characters shown as code points, written with `mark`."""
    return HIDDEN.sub(lambda m: mark.format(ord(m[0])), text)


def plural(n: int, word: str) -> str:
    """'1 hit', '7 hits'."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def per_million(count: int, total: int) -> float:
    """`count` per million of `total`."""
    return round(count / total * 1e6, 2) if total else 0.0


def share(part: int, whole: int) -> str:
    """A percentage for a reader: '71%', '0.4%', '<0.1%'."""
    if not whole or not part:
        return "0%"
    pct = part / whole * 100
    return f"{pct:.0f}%" if pct >= 10 else f"{pct:.1f}%" if pct >= 0.1 else "<0.1%"


def fmt_rate(rate: float) -> str:
    """A rate per million: thousands separated, one decimal (more for rates under one)."""
    return f"{rate:,.1f}" if rate >= 1 or rate == 0 else f"{rate:.2g}"


def fmt_bytes(n: float) -> str:
    """Bytes in the largest unit that keeps a number above one."""
    units = ["B", "KB", "MB", "GB", "TB"]
    i = 0
    while n >= 1000 and i < len(units) - 1:
        n, i = n / 1000, i + 1
    return f"{n:,.0f} B" if i == 0 else f"{n:,.1f} {units[i]}"


def fmt_seconds(s: float) -> str:
    """A duration for a reader: '2.8 s', '3 min 12 s', '1 h 5 min'."""
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(s % 60)} s"
    return f"{int(s // 3600)} h {int(s % 3600 // 60)} min"


def names(value) -> str:
    """Families or languages of a cluster, given as a list or a {name: count} mapping."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:,}" for k, v in sorted(value.items(), key=lambda kv: -kv[1]))
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def place(value) -> str:
    """Where a cluster was first seen: a {source, row} mapping or text."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items() if v is not None)
    return "" if value is None else str(value)


def clip(text: str, limit: int) -> str:
    """Text cut to `limit` characters, marked where cut."""
    return text if len(text) <= limit else text[:limit] + "…"
