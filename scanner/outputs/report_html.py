"""`report.html`: one self-contained page, no scripts, no requests, charts as inline SVG.

Every string that comes from the corpus or the command line goes through
`esc` (or `esc_plain` inside SVG and attributes): markup is escaped, and bidi
overrides and control characters are shown as code points, so hostile text
can neither inject markup nor reorder what a reader sees. A Content Security
Policy forbids scripts and every request, should anything slip through.
"""

from __future__ import annotations

import html

from .. import __version__
from . import report as r

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

CSS = """
:root{--ink:#1d2433;--muted:#5b6478;--line:#e2e5ec;--bar:#3465c9;--bg:#f6f7fa;--warn:#b42318;--mark:#ffd866}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
 font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC",sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:24px;margin:0 0 2px}
h2{font-size:18px;margin:30px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:18px 0 6px}
h3 small,.muted{color:var(--muted);font-weight:400}
header p{overflow-wrap:anywhere}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:14px 0}
.stat{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px;min-width:0}
.stat .v{display:block;font-size:22px;font-weight:650;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.stat .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.stat .d{display:block;color:var(--muted);font-size:12px;overflow-wrap:anywhere}
.stat.alert .v{color:var(--warn)}
.findings{background:#fff;border-left:4px solid var(--warn);padding:8px 14px 8px 34px;margin:0}
.findings li{margin:2px 0}
.clean{border-left-color:#2e7d32}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px;min-width:0}
figcaption{font-weight:600;margin-bottom:6px}
svg.bars text{font-size:12px;fill:var(--ink)}
svg.bars rect{fill:var(--bar)}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13.5px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
thead th{background:#eef0f5}
#prior-matrix{width:auto;min-width:50%}
#prior-matrix td{min-width:7em}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.wrap{overflow-x:auto}
.ctx{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Noto Sans Mono CJK SC",monospace;font-size:13px;
 white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:isolate}
mark{background:var(--mark);color:inherit;padding:0 2px;border-radius:2px;font-weight:600}
.cc{font:10.5px ui-monospace,monospace;color:var(--warn);border:1px solid currentColor;border-radius:3px;padding:0 2px;
 unicode-bidi:isolate}
.loc{font-size:12.5px;overflow-wrap:anywhere;unicode-bidi:isolate;min-width:14em}
.loc b{color:var(--muted);font-weight:500}
td.loc{width:24%}
td.rule{min-width:12em}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;overflow-wrap:anywhere}
pre{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 10px;white-space:pre-wrap}
footer{margin-top:30px;color:var(--muted);font-size:12.5px}
@media print{
 body{background:#fff;font-size:11px}
 main{max-width:none;padding:0}
 .charts{grid-template-columns:1fr 1fr}
 figure,tr,.stat,pre{break-inside:avoid}
 h2,h3{break-after:avoid}
 .wrap{overflow:visible}
}
"""


def render_html(data: r.ReportData) -> str:
    """The whole report page."""
    s = data.summary
    sections = [_header(s), _charts(s), _identity_prior(s), _templates(s), _samples(data), _reproduce(s)]
    title = f"Identity contamination: {s['documents_with_hits']:,} of {s['rows_scanned']:,} documents"
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc_plain(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(x for x in sections if x)
        + f"\n<footer>Written by scanner {esc(__version__)} from summary.json and hits.parquet; samples are the "
        f"first {r.SAMPLES_PER_FAMILY} hits of each family.</footer>\n</main>\n</body>\n</html>\n"
    )


def esc(text: object) -> str:
    """Text as inert HTML, hidden characters (bidi overrides, controls) shown as marked code points."""
    return r.reveal(html.escape(str(text)), '<span class="cc" title="hidden character">U+{:04X}</span>')


def esc_plain(text: object) -> str:
    """Text as inert HTML with no markup added: for SVG text, titles and attributes."""
    return html.escape(r.reveal(str(text), "[U+{:04X}]"))


def _header(s: dict) -> str:
    alert = s["hits"] > 0
    stats = "".join(
        f'<div class="stat{" alert" if alert and key in ("contaminated", "rate") else ""}" id="stat-{key}">'
        f'<span class="k">{esc(label)}</span><span class="v">{esc(value)}</span><span class="d">{esc(detail)}</span></div>'
        for key, label, value, detail in r.headline(s)
    )
    inputs = ", ".join(s.get("inputs", []))
    items = "".join(f"<li>{esc(line)}</li>" for line in r.findings(s) + r.notes(s))
    return (
        f'<header>\n<h1>Identity contamination report</h1>\n<p class="muted">{esc(inputs)}</p>\n</header>\n'
        f'<section id="headline">\n<div class="stats">{stats}</div>\n'
        f'<ul class="findings{"" if alert else " clean"}">{items}</ul>\n</section>'
    )


def _charts(s: dict) -> str:
    if not s["hits"]:
        return ""
    sources, rest = r.source_rows(s)
    figures = [
        _figure("family", "Hits by family: which model is claimed", r.family_rows(s)),
        _figure("lang", "Hits by language", r.chart_rows(s["by_lang"], s["hits"])),
        _figure("source", "Hits by source: where in the corpus", sources, rest),
        _figure("role", "Hits by chat role", r.role_rows(s)),
        _figure("method", "Hits by method", r.chart_rows(s.get("by_method", {}), s["hits"])),
    ]
    return (
        '<section id="charts">\n<h2>Where and what</h2>\n<div class="charts">' + "".join(figures) + "</div>\n</section>"
    )


def _figure(key: str, caption: str, rows: list[tuple[str, int, str]], note: str = "") -> str:
    if not rows:
        return ""
    tail = f'<p class="muted">{esc(note)}</p>' if note else ""
    return f'<figure id="chart-{key}"><figcaption>{esc(caption)}</figcaption>{bar_chart(caption, rows)}{tail}</figure>'


def bar_chart(title: str, rows: list[tuple[str, int, str]]) -> str:
    """A horizontal bar chart as inline SVG: label, bar, value note; full labels in tooltips."""
    width, label_w, note_w, row_h = 600, 190, 180, 22
    bar_max = width - label_w - note_w
    top = max(v for _, v, _ in rows) or 1
    parts = [
        f'<svg class="bars" viewBox="0 0 {width} {row_h * len(rows) + 4}" width="100%" role="img" '
        f'aria-label="{esc_plain(title)}">'
    ]
    for i, (label, value, note) in enumerate(rows):
        y, w = i * row_h, round(value / top * bar_max)
        short = label if len(label) <= 26 else "…" + label[-25:]
        parts.append(
            f"<g><title>{esc_plain(label)}: {esc_plain(note)}</title>"
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{esc_plain(short)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1 if value else 0)}" height="14" rx="2"/>'
            f'<text x="{label_w + w + 6}" y="{y + 15}">{esc_plain(note)}</text></g>'
        )
    return "".join(parts) + "</svg>"


def _identity_prior(s: dict) -> str:
    langs, matrix = r.family_lang_matrix(s)
    if not matrix:
        return ""
    top = max(rate for _, cells in matrix for _, rate in cells.values()) or 1
    head = "".join(f'<th class="n">{esc(lang)}</th>' for lang in langs)
    body = ""
    for family, cells in matrix:
        tds = ""
        for lang in langs:
            docs, rate = cells.get(lang, (0, 0.0))
            shade = f' style="background:rgba(180,35,24,{0.06 + 0.5 * rate / top:.2f})"' if docs else ""
            tds += f'<td class="n"{shade} title="{docs:,} documents">{r.fmt_rate(rate) if docs else ""}</td>'
        body += f"<tr><th>{esc(family)}</th>{tds}</tr>"
    slices = s["identity_prior"]
    rows = "".join(
        f'<tr><td>{esc(x["family"])}</td><td>{esc(x["lang"])}</td><td class="loc">{esc(x["source"])}</td>'
        f'<td class="n">{x["documents"]:,}</td><td class="n">{r.fmt_rate(x["per_million"])}</td></tr>'
        for x in slices[: r.TOP_SLICES]
    )
    more = (
        f'<p class="muted">{len(slices) - r.TOP_SLICES:,} more slices in summary.json.</p>'
        if len(slices) > r.TOP_SLICES
        else ""
    )
    return (
        '<section id="identity-prior">\n<h2>Identity prior: contaminated documents per million</h2>\n'
        '<p class="muted">Which slice of the corpus teaches which wrong identity: documents with a claim of the '
        "family, per million documents scanned.</p>\n"
        f'<div class="wrap"><table id="prior-matrix"><thead><tr><th>family \\ language</th>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>\n"
        f"<h3>Highest slices <small>family × language × source, per million documents of the source</small></h3>\n"
        '<div class="wrap"><table id="prior-slices"><thead><tr><th>family</th><th>language</th><th>source</th>'
        f'<th class="n">documents</th><th class="n">per million</th></tr></thead><tbody>{rows}</tbody></table></div>'
        f"{more}\n</section>"
    )


def _templates(s: dict) -> str:
    templates = r.template_rows(s)
    if not templates:
        return ""
    rows = "".join(
        f'<tr><td class="n">{i}</td><td class="n">{esc(t["size"])}</td><td class="n">{esc(t["share"])}</td>'
        f"<td>{esc(t['families'])}</td><td>{esc(t['languages'])}</td>"
        f'<td class="ctx">{esc(r.clip(t["example"], r.SHOWN_MATCH))}</td><td class="loc">{esc(t["first_seen"])}</td></tr>'
        for i, t in enumerate(templates, 1)
    )
    return (
        '<section id="templates">\n<h2>Top templates <small class="muted">near-duplicate clusters of hits</small></h2>\n'
        '<div class="wrap"><table><thead><tr><th class="n">#</th><th class="n">hits</th><th class="n">share</th>'
        "<th>families</th><th>languages</th><th>example</th><th>first seen</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>\n</section>"
    )


def _samples(data: r.ReportData) -> str:
    s = data.summary
    context_chars = s.get("context_chars")
    parts = []
    for family, hits in data.samples.items():
        if not hits:
            continue
        counts = s["by_family"].get(family, {})
        rows = ""
        for h in hits:
            before, claim, after = r.split_claim(h, context_chars)
            where = "<br>".join(f"<b>{k}</b> {esc(v)}" for k, v in r.location(h))
            rows += (
                f'<tr><td class="loc">{where}</td><td class="rule"><code>{esc(h["rule"])}</code><br>'
                f'<span class="muted">{esc(h["lang"])} · {esc(h["severity"])} · {esc(h["method"])}</span></td>'
                f'<td class="ctx">{esc(before)}<mark>{esc(claim)}</mark>{esc(after)}</td></tr>'
            )
        parts.append(
            f'<div id="samples-{esc_plain(family)}"><h3>{esc(family)} <small>{r.plural(counts.get("hits", 0), "hit")} in '
            f"{r.plural(counts.get('documents', 0), 'document')}; {len(hits)} shown</small></h3>\n"
            '<div class="wrap"><table class="samples"><thead><tr><th>where</th><th>rule</th>'
            f"<th>claim in context</th></tr></thead><tbody>{rows}</tbody></table></div></div>"
        )
    if not parts:
        return ""
    return '<section id="samples">\n<h2>What it looks like</h2>\n' + "\n".join(parts) + "\n</section>"


def _reproduce(s: dict) -> str:
    packs = "".join(
        f"<tr><td>{esc(path)}</td><td><code>{esc(digest)}</code></td></tr>"
        for path, digest in s.get("packs", {}).items()
    )
    facts = [("tool", f"{s.get('tool', 'scanner')} {s.get('version', '')}"), ("inputs", ", ".join(s.get("inputs", [])))]
    if s.get("context_chars") is not None:
        facts.append(("context", f"{s['context_chars']} characters each side"))
    facts.append(("rows read", f"{s['rows_read']:,} ({s['rows_scanned']:,} scanned, {s['rows_skipped']:,} skipped)"))
    dl = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts)
    return (
        '<section id="reproduce">\n<h2>Reproduce</h2>\n'
        f'<pre><code id="command">{esc(r.command_line(s))}</code></pre>\n'
        f'<div class="wrap"><table><tbody>{dl}</tbody></table></div>\n'
        "<h3>Pattern packs <small>SHA-256 of each file</small></h3>\n"
        f'<div class="wrap"><table id="packs"><tbody>{packs}</tbody></table></div>\n</section>'
    )
