"""The scan summary: counts that add up, by family, rule, language and source."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import fsspec

from ..engines.unit import Counts, UnitResult
from ..hits import Hit


@dataclass
class SummaryBuilder(Counts):
    """Adds up unit results into the summary; hits are counted, not kept."""

    hits: int = 0
    documents: set = field(default_factory=set)
    by_family: dict = field(default_factory=lambda: defaultdict(lambda: {"hits": 0, "documents": set()}))
    by_rule: Counter = field(default_factory=Counter)
    by_lang: Counter = field(default_factory=Counter)
    by_role: Counter = field(default_factory=Counter)
    by_method: Counter = field(default_factory=Counter)
    by_source: dict = field(default_factory=dict)
    scanned_by_source: Counter = field(default_factory=Counter)
    slices: dict = field(default_factory=lambda: defaultdict(set))  # (family, lang, source) -> rows with hits
    suppressed: Counter = field(default_factory=Counter)  # hits left out by --baseline / --ignore

    def add(self, result: UnitResult) -> None:
        """Count one unit's rows and hits."""
        self.include(result)
        source = self.by_source.setdefault(result.source, {"rows": 0, "hits": 0, "documents": set()})
        source["rows"] += result.rows_read
        self.scanned_by_source[result.source] += result.rows_scanned
        for h in result.hits:
            self._count(h, source)
            self.slices[(h.family, h.lang, result.source)].add(h.row)

    def _count(self, h: Hit, source: dict) -> None:
        doc = (h.source, h.row)
        self.hits += 1
        self.documents.add(doc)
        self.by_family[h.family]["hits"] += 1
        self.by_family[h.family]["documents"].add(doc)
        self.by_rule[h.rule] += 1
        self.by_lang[h.lang] += 1
        self.by_role[h.role or "text"] += 1
        self.by_method[h.method] += 1
        source["hits"] += 1
        source["documents"].add(h.row)

    def build(self, **meta) -> dict:
        """The summary as a JSON-ready dict, with `meta` (version, command, packs, timing) first."""
        docs = len(self.documents)
        return {
            **meta,
            "rows_read": self.rows_read,
            "rows_scanned": self.rows_scanned,
            "rows_skipped": self.rows_skipped,
            "rows_not_sampled": self.rows_not_sampled,
            "skip_reasons": dict(self.skip_reasons.most_common()),
            "bytes_scanned": self.bytes_scanned,
            "documents_with_hits": docs,
            "contaminated_per_million": round(docs / self.rows_scanned * 1e6, 2) if self.rows_scanned else 0.0,
            "hits": self.hits,
            "rule_timeouts": self.rule_timeouts,
            "by_family": {
                f: {"hits": v["hits"], "documents": len(v["documents"])}
                for f, v in sorted(self.by_family.items(), key=lambda kv: -kv[1]["hits"])
            },
            "by_rule": dict(self.by_rule.most_common()),
            "by_lang": dict(self.by_lang.most_common()),
            "by_role": dict(self.by_role.most_common()),
            "by_method": dict(self.by_method.most_common()),
            "by_source": {
                s: {"rows": v["rows"], "hits": v["hits"], "documents": len(v["documents"])}
                for s, v in self.by_source.items()
            },
            "identity_prior": self._identity_prior(),
            "suppressed": {"baseline": self.suppressed["baseline"], "ignored": self.suppressed["ignored"]},
        }

    def _identity_prior(self) -> list[dict]:
        """Contaminated documents per million rows scanned, by family x language x source: who teaches what."""
        rows = []
        for (family, lang, source), docs in self.slices.items():
            scanned = self.scanned_by_source[source]
            rate = round(len(docs) / scanned * 1e6, 2) if scanned else 0.0
            rows.append({"family": family, "lang": lang, "source": source, "documents": len(docs), "per_million": rate})
        return sorted(rows, key=lambda r: (-r["per_million"], -r["documents"], r["family"], r["lang"], r["source"]))


def write_summary(summary: dict, out_dir: str) -> None:
    """Write `summary.json` into the output folder."""
    with fsspec.open(f"{out_dir.rstrip('/')}/summary.json", "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=2)
        f.write("\n")


def format_table(summary: dict) -> str:
    """A compact plain-text summary for the terminal."""
    lines = [
        f"rows scanned   {summary['rows_scanned']:>12,}"
        + (f"   (+{summary['rows_skipped']:,} skipped)" if summary["rows_skipped"] else ""),
        f"text scanned   {summary['bytes_scanned'] / 1e6:>12,.1f} MB",
        f"contaminated   {summary['documents_with_hits']:>12,} docs"
        f"   ({summary['contaminated_per_million']:,.1f} per million)",
        f"hits           {summary['hits']:>12,}",
    ]
    if summary.get("estimate"):
        low, high = summary["estimate"]["ci95_per_million"]
        lines.append(f"estimate       {low:>12,.1f} to {high:,.1f} per million in the whole corpus (95% interval)")
    if summary["by_family"]:
        lines.append("")
        lines.append(f"{'family':<14}{'hits':>10}{'docs':>10}")
        for fam, v in summary["by_family"].items():
            lines.append(f"{fam:<14}{v['hits']:>10,}{v['documents']:>10,}")
    suppressed = summary.get("suppressed", {})
    if any(suppressed.values()):
        lines.append(f"\nsuppressed     {suppressed['baseline']:>12,} in baseline, {suppressed['ignored']:,} ignored")
    if summary.get("rule_timeouts"):
        lines.append(f"\n{summary['rule_timeouts']} rule runs gave up on pathological text (timeout)")
    return "\n".join(lines)
