"""`report.md`: the same headline, tables and samples as Markdown, to paste into a pull request or a data card.

Corpus text is escaped for Markdown and for the HTML that Markdown renderers
let through, and hidden characters (bidi overrides, controls) are shown as
code points, as in `report.html`.
"""

from __future__ import annotations

import html
import re

from . import report as r

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
BAR_WIDTH = 20


def render_md(data: r.ReportData) -> str:
    """The whole report as Markdown."""
    s = data.summary
    parts = [_header(s), _charts(s), _identity_prior(s), _templates(s), _samples(data), _reproduce(s)]
    return "\n\n".join(p for p in parts if p) + "\n"


def md(text: object) -> str:
    """Text safe inside a Markdown table cell: no markup, no line breaks, hidden characters shown."""
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))
    escaped = escaped.replace("\r\n", "\n").replace("\n", " ⏎ ")
    return r.reveal(escaped)


def table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """A Markdown table of cells already escaped; columns in `numeric` align right."""
    rule = ["---:" if i in numeric else "---" for i in range(len(header))]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [header, rule, *rows])


def _header(s: dict) -> str:
    figures = r.headline(s)
    lines = [
        "# Identity contamination report",
        "",
        md(", ".join(s.get("inputs", []))),
        "",
        table(
            [md(label) for _, label, _, _ in figures],
            [[md(f"{value} ({detail})" if detail else value) for _, _, value, detail in figures]],
            set(range(6)),
        ),
        "",
    ]
    return "\n".join(lines + [f"- {md(line)}" for line in r.findings(s) + r.notes(s)])


def _bars(rows: list[tuple[str, int, str]], label: str) -> str:
    top = max(v for _, v, _ in rows) or 1
    return table(
        [md(label), "hits", ""],
        [[md(k), md(note), "█" * max(1, round(v / top * BAR_WIDTH)) if v else ""] for k, v, note in rows],
        {1},
    )


def _charts(s: dict) -> str:
    if not s["hits"]:
        return ""
    sources, rest = r.source_rows(s)
    charts = [
        ("Hits by family", "family", r.family_rows(s)),
        ("Hits by language", "language", r.chart_rows(s["by_lang"], s["hits"])),
        ("Hits by source", "source", sources),
        ("Hits by chat role", "role", r.role_rows(s)),
        ("Hits by method", "method", r.chart_rows(s.get("by_method", {}), s["hits"])),
    ]
    out = ["## Where and what"]
    for title, label, rows in charts:
        if rows:
            out += [f"### {title}", _bars(rows, label)]
            if label == "source" and rest:
                out.append(md(rest))
    return "\n\n".join(out)


def _identity_prior(s: dict) -> str:
    langs, matrix = r.family_lang_matrix(s)
    if not matrix:
        return ""
    grid = [
        [md(family)] + [r.fmt_rate(cells[lang][1]) if lang in cells else "" for lang in langs]
        for family, cells in matrix
    ]
    slices = s["identity_prior"]
    top = [
        [md(x["family"]), md(x["lang"]), md(x["source"]), f"{x['documents']:,}", r.fmt_rate(x["per_million"])]
        for x in slices[: r.TOP_SLICES]
    ]
    out = [
        "## Identity prior: contaminated documents per million",
        "Documents with a claim of the family, per million documents scanned (by family and language):",
        table(["family"] + [md(lang) for lang in langs], grid, set(range(1, len(langs) + 1))),
        "Highest slices, per million documents of the source:",
        table(["family", "language", "source", "documents", "per million"], top, {3, 4}),
    ]
    if len(slices) > r.TOP_SLICES:
        out.append(f"{len(slices) - r.TOP_SLICES:,} more slices in summary.json.")
    return "\n\n".join(out)


def _templates(s: dict) -> str:
    templates = r.template_rows(s)
    if not templates:
        return ""
    rows = [
        [str(i), md(t["size"]), md(t["share"]), md(t["families"]), md(t["languages"]),
         md(r.clip(t["example"], r.SHOWN_MATCH)), md(t["first_seen"])]
        for i, t in enumerate(templates, 1)
    ]  # fmt: skip
    header = ["#", "hits", "share", "families", "languages", "example", "first seen"]
    return "## Top templates\n\n" + table(header, rows, {0, 1, 2})


def _samples(data: r.ReportData) -> str:
    out = []
    context_chars = data.summary.get("context_chars")
    for family, hits in data.samples.items():
        if not hits:
            continue
        counts = data.summary["by_family"].get(family, {})
        rows = []
        for h in hits:
            before, claim, after = r.split_claim(h, context_chars)
            where = "<br>".join(f"{k} {md(v)}" for k, v in r.location(h))
            rule = f"{md(h['rule'])}<br>{md(h['lang'])} · {md(h['severity'])} · {md(h['method'])}"
            rows.append([where, rule, f"{md(before)}**{md(claim)}**{md(after)}"])
        out.append(
            f"### {md(family)}: {r.plural(counts.get('hits', 0), 'hit')} in "
            f"{r.plural(counts.get('documents', 0), 'document')}, "
            f"{len(hits)} shown\n\n" + table(["where", "rule", "claim in context"], rows)
        )
    return "## What it looks like\n\n" + "\n\n".join(out) if out else ""


def _reproduce(s: dict) -> str:
    command = r.reveal(r.command_line(s))
    fence = "`" * max(3, max((len(run) for run in re.findall("`+", command)), default=0) + 1)
    packs = [[md(path), f"`{digest}`"] for path, digest in s.get("packs", {}).items()]
    return "\n\n".join(
        [
            "## Reproduce",
            f"{fence}\n{command}\n{fence}",
            f"{md(s.get('tool', 'scanner'))} {md(s.get('version', ''))}; "
            f"context {md(s.get('context_chars', '?'))} characters each side.",
            table(["pattern pack", "sha256"], packs) if packs else "",
        ]
    ).rstrip()
