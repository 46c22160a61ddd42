"""report.html, report.md and report.sarif: figures that match the scan, charts, samples, escaping, bounded size."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import html as htmllib
import json
import os
import re
import select
import shlex
import shutil
import signal
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.engines.unit import UnitResult
from scanner.hits import Hit
from scanner.outputs.hits import HitsWriter
from scanner.outputs.report import SAMPLES_PER_FAMILY, TOP_SOURCES, fmt_rate, write_reports
from scanner.outputs.summary import SummaryBuilder, write_summary

ROOT = Path(__file__).resolve().parent.parent
PACKS = ["-p", "qwen", "-p", "openai"]  # two families, and quick to compile
LONG = 200_000
HOSTILE_ROWS = [
    {
        "id": "<img src=x onerror=alert(1)>",
        "text": "<script>alert('x')</script></td></tr></table> Hello! I am ChatGPT, a large language model "
        "trained by OpenAI. <b>bold</b> & more",
    },
    {"id": "rtl", "text": "Note \u202egnp.exe\u202c. Hi! I'm Qwen, a large language model developed by Alibaba Cloud."},
    {"id": "long", "text": "x" * LONG + " I am ChatGPT, trained by OpenAI. " + "y" * LONG},
    {"id": "md|*pipe*", "text": "| a | b |\n[link](http://evil.example) `code` I am ChatGPT, trained by OpenAI."},
    {"id": "clean", "text": "Nothing to see here, just a recipe for bread."},
]


def scan(*args: str) -> dict:
    """Run `scan dataset` in-process; return the summary it wrote."""
    result = CliRunner().invoke(main, ["dataset", *args, "-w", "1", "-q"])
    assert result.exit_code == 0, result.output
    out = args[args.index("-o") + 1]
    return json.loads(Path(out, "summary.json").read_text())


def hits_of(out: Path) -> list[dict]:
    """Every hit a scan wrote, from hits.jsonl."""
    return [json.loads(line) for line in (out / "hits.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def sample_scan(tmp_path_factory) -> Path:
    """The bundled sample corpus (text and chat), scanned with a report."""
    out = tmp_path_factory.mktemp("sample") / "out"
    scan(str(ROOT / "examples/sample.parquet"), str(ROOT / "examples/sample_chat.jsonl"), *PACKS, "-o", str(out), "--report", "--sarif")  # fmt: skip
    return out


def write_hostile_corpus(folder: Path) -> Path:
    """A corpus whose text, ids and file name try to inject markup, reorder text and overflow lines."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "h<script>&'.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in HOSTILE_ROWS), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory) -> Path:
    """The hostile corpus scanned with a report, context as wide as a careless user might ask."""
    root = tmp_path_factory.mktemp("hostile")
    out = root / "out"
    scan(str(write_hostile_corpus(root / "data")), *PACKS, "-o", str(out), "--report", "--context-chars", "5000")
    return out


def html_text(fragment: str) -> str:
    """The text a browser shows for an HTML fragment."""
    return htmllib.unescape(re.sub("<[^>]+>", "", fragment))


class Page(HTMLParser):
    """The parts of report.html a test reads: text by element id, element counts, table rows."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.text: dict[str, str] = {}
        self.tags: dict[str, int] = {}
        self.rows: dict[str, int] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        ids = [i for _, i in self.stack if i]
        if tag == "tr" and ids:
            self.rows[ids[-1]] = self.rows.get(ids[-1], 0) + 1
        if tag not in ("br", "meta"):
            self.stack.append((tag, dict(attrs).get("id")))

    def handle_startendtag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for _, i in self.stack:
            if i:
                self.text[i] = self.text.get(i, "") + data


def test_html_headline_matches_the_scan(sample_scan):
    summary = json.loads((sample_scan / "summary.json").read_text())
    hits = hits_of(sample_scan)
    page = Page((sample_scan / "report.html").read_text())
    assert summary["documents_with_hits"] == len({(h["source"], h["row"]) for h in hits}) > 0
    assert page.text["stat-scanned"] == f"documents scanned{summary['rows_scanned']:,}"
    assert page.text["stat-contaminated"] == f"contaminated documents{summary['documents_with_hits']:,}"
    assert page.text["stat-rate"] == f"per million documents{fmt_rate(summary['contaminated_per_million'])}"
    assert page.text["stat-hits"] == f"hits{len(hits):,}"
    assert all(f in page.text["stat-packs"] for f in summary["families"])
    assert "claim another model's identity" in page.text["headline"]


def test_html_charts_show_every_family_language_source_and_role(sample_scan):
    summary = json.loads((sample_scan / "summary.json").read_text())
    html = (sample_scan / "report.html").read_text()
    page = Page(html)
    for key, counts in [("family", summary["by_family"]), ("lang", summary["by_lang"]), ("role", summary["by_role"])]:
        figure = html.split(f'<figure id="chart-{key}">', 1)[1].split("</figure>", 1)[0]
        assert figure.count("<rect") == len(counts) > 0
        for label in counts:
            assert f">{label}<" in figure
    assert "assistant" in summary["by_role"]  # the chat sample puts claims in assistant turns
    figure = html.split('<figure id="chart-source">', 1)[1].split("</figure>", 1)[0]
    assert figure.count("<rect") == len(summary["by_source"]) == 2
    assert all(source in page.text["chart-source"] for source in summary["by_source"])  # full names in tooltips
    assert page.tags["svg"] >= 5


def test_html_samples_highlight_each_claim_where_it_is(sample_scan):
    summary = json.loads((sample_scan / "summary.json").read_text())
    html = (sample_scan / "report.html").read_text()
    for family, counts in summary["by_family"].items():
        section = html.split(f'id="samples-{family}"', 1)[1].split("</table>", 1)[0]
        shown = [h for h in hits_of(sample_scan) if h["family"] == family][:SAMPLES_PER_FAMILY]
        assert section.count("<mark>") == len(shown) == min(counts["hits"], SAMPLES_PER_FAMILY)
        for i, h in enumerate(shown):
            claim = html_text(section.split("<mark>")[1 + i].split("</mark>")[0])
            assert claim == re.sub("[\u200b\u202a-\u202e]", lambda m: f"U+{ord(m[0]):04X}", h["match"])
            assert f"{h['start']:,}–{h['end']:,}" in section and f"<b>row</b> {h['row']:,}" in section


def test_html_identity_prior_and_reproduction(sample_scan):
    summary = json.loads((sample_scan / "summary.json").read_text())
    page = Page((sample_scan / "report.html").read_text())
    assert page.rows["prior-slices"] == 1 + len(summary["identity_prior"])
    for s in summary["identity_prior"]:
        assert fmt_rate(s["per_million"]) in page.text["prior-slices"]
    assert page.text["command"] == shlex.join(summary["command"])
    for path, digest in summary["packs"].items():
        assert path in page.text["packs"] and digest in page.text["packs"]


def test_html_is_self_contained(sample_scan, hostile_scan):
    for out in (sample_scan, hostile_scan):
        html = (out / "report.html").read_text()
        assert "Content-Security-Policy" in html and "default-src 'none'" in html
        tags = re.findall(r"<[a-zA-Z][^>]*>", html)
        assert not [t for t in tags if re.match(r"<(script|link|img|iframe|object|embed|base)\b|.*\b(src|href)=", t)]
        assert "url(" not in html.split("</style>")[0] and "@import" not in html


def test_hostile_text_is_escaped_everywhere(hostile_scan):
    html = (hostile_scan / "report.html").read_text()
    markdown = (hostile_scan / "report.md").read_text()
    for text in (html, markdown):
        assert "<script" not in text and "</td></tr></table> Hello" not in text and "<img" not in text
        assert "\u202e" not in text and "\u202c" not in text  # bidi overrides shown, never applied
        assert "U+202E" in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;/td&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the hostile doc id, shown as text
    page = Page(html)
    assert page.rows["samples-openai"] == 1 + 3 and page.rows["samples-qwen"] == 1 + 1  # no row broken out


def test_hostile_long_lines_are_cut(hostile_scan):
    html = (hostile_scan / "report.html").read_text()
    markdown = (hostile_scan / "report.md").read_text()
    assert len(html) < 60_000 and len(markdown) < 30_000  # the corpus has 400,000-character lines
    assert "x" * 150 in html and "x" * 1000 not in html


def test_markdown_matches_the_scan_and_keeps_tables_whole(sample_scan, hostile_scan):
    summary = json.loads((sample_scan / "summary.json").read_text())
    markdown = (sample_scan / "report.md").read_text()
    headline = markdown.split("\n| ---")[1].split("\n")[1]
    assert headline.startswith(f"| {summary['rows_scanned']:,} | {summary['documents_with_hits']:,} | ")
    assert fmt_rate(summary["contaminated_per_million"]) in headline
    for family, counts in summary["by_family"].items():
        assert f"### {family}: " in markdown and f"| {family} | {counts['hits']} hit" in markdown
    for s in summary["identity_prior"]:
        assert f"| {s['family']} | {s['lang']} |" in markdown
    hostile = (hostile_scan / "report.md").read_text()
    for line in hostile.splitlines():
        if line.startswith("| ") and ("claim" in line or "**" in line):
            assert len(re.findall(r"(?<!\\)\|", line)) == 4, line  # three cells, whatever the corpus held
    assert "**I am ChatGPT" in hostile and "\\[link\\](http://evil.example)" in hostile


def test_report_command_rerenders_with_templates(sample_scan, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(sample_scan, out)
    (out / "report.html").unlink()
    summary = json.loads((out / "summary.json").read_text())
    summary["templates"] = [
        {"size": 4, "families": ["qwen"], "languages": {"zh": 3, "en": 1}, "example": "我是通义千问<script>x</script>"},
        {"size": 2, "families": ["openai"], "example": "I am ChatGPT", "first_seen": {"source": "a.jsonl", "row": 3}},
    ]
    (out / "summary.json").write_text(json.dumps(summary))
    result = CliRunner().invoke(main, ["report", str(out)])
    assert result.exit_code == 0, result.output
    page = Page((out / "report.html").read_text())
    assert page.rows["templates"] == 3
    assert "我是通义千问<script>x</script>" in page.text["templates"]  # as text, not markup
    assert "zh 3, en 1" in page.text["templates"] and "source a.jsonl, row 3" in page.text["templates"]
    assert "## Top templates" in (out / "report.md").read_text()
    assert 'id="templates"' not in (sample_scan / "report.html").read_text()


def test_report_command_names_a_folder_that_is_no_scan(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 3 and "summary.json: not found" in result.output


def test_sarif_results_locate_every_hit(sample_scan):
    log = json.loads((sample_scan / "report.sarif").read_text())
    hits = hits_of(sample_scan)
    assert log["version"] == "2.1.0" and "sarif-schema-2.1.0" in log["$schema"]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert sorted(r["id"] for r in rules) == sorted({h["rule"] for h in hits})
    assert len(run["results"]) == len(hits)
    for result, hit in zip(run["results"], hits):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == hit["rule"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == hit["source"]
        assert location["region"]["startLine"] == hit["row"] + 1
        assert (location["region"]["startColumn"], location["region"]["endColumn"]) == (
            hit["start"] + 1,
            hit["end"] + 1,
        )
        assert result["partialFingerprints"]["scannerFingerprint/v1"] == hit["fingerprint"]
        assert hit["family"] in result["message"]["text"] and result["level"] in ("error", "warning", "note")


def test_a_huge_scan_renders_a_small_report(tmp_path):
    families, sources = ["qwen", "openai", "deepseek"], [f"shard-{i:03}.parquet" for i in range(40)]
    totals = SummaryBuilder()
    with HitsWriter(str(tmp_path)) as writer:
        for n, source in enumerate(sources):
            hits = [
                Hit(source, row, f"d{row}", "text", None, families[row % 3], f"{families[row % 3]}.en.x", "en",
                    "high", "regex", 10, 20, "I am Model", 1.0, "0123456789I am Model0123456789")
                for row in range(n * 300, n * 300 + 300)
            ]  # fmt: skip
            writer.write(hits)
            totals.add(UnitResult(key=source, source=source, hits=hits, rows_read=1000, rows_scanned=1000))
    write_summary(totals.build(command=["scan"], families=families, context_chars=10), str(tmp_path))
    write_reports(str(tmp_path), ("html",))
    html = (tmp_path / "report.html").read_text()
    page = Page(html)
    assert len(html) < 80_000
    assert all(page.rows[f"samples-{f}"] == 1 + SAMPLES_PER_FAMILY for f in families)
    figure = html.split('<figure id="chart-source">', 1)[1].split("</figure>", 1)[0]
    assert figure.count("<rect") == TOP_SOURCES and f"Another {40 - TOP_SOURCES} sources with" in figure
    assert page.text["stat-hits"] == "hits12,000" and "<mark>I am Model</mark>" in html


# In a real browser. Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe):
# the standard library is enough, nothing listens on a port, and unlike --dump-dom it reports console
# messages, exceptions and every network request, lays the page out at a laptop's size, and prints it.

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")


class DevTools:
    """A headless Chromium and one page in it, spoken to in DevTools protocol messages."""

    def __init__(self, profile: Path, log: Path):
        to_browser, self._out = os.pipe()
        self._in, from_browser = os.pipe()
        # the browser reads fd 3 and writes fd 4; move our ends clear of 3 and 4 first
        to_browser, from_browser = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_browser, from_browser))
        args = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        actions = [(os.POSIX_SPAWN_DUP2, to_browser, 3), (os.POSIX_SPAWN_DUP2, from_browser, 4),
                   (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT, 0o644),
                   (os.POSIX_SPAWN_DUP2, 1, 2)]  # fmt: skip
        self.pid = os.posix_spawn(CHROMIUM, args, os.environ, file_actions=actions)
        for fd in (to_browser, from_browser):
            os.close(fd)
        self._buffer, self._id, self.events = b"", 0, []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def call(self, method: str, session: str | None = None, **params) -> dict:
        """Send one command and wait for its answer, keeping the events that arrive meanwhile."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params, **({"sessionId": session} if session else {})}
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while (reply := self._read()).get("id") != self._id:
            self.events.append(reply)
        assert "error" not in reply, f"{method}: {reply['error']}"
        return reply["result"]

    def page(self, method: str, **params) -> dict:
        """A command to the page."""
        return self.call(method, self.session, **params)

    def wait(self, event: str) -> dict:
        """The first event of a kind, waiting for it if it has not come yet."""
        while not any(e.get("method") == event for e in self.events):
            self.events.append(self._read())
        return next(e for e in self.events if e.get("method") == event)

    def _read(self, timeout: float = 60) -> dict:
        while b"\0" not in self._buffer:
            assert select.select([self._in], [], [], timeout)[0], "chromium did not answer"
            chunk = os.read(self._in, 1 << 20)
            assert chunk, "chromium exited"
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        """Close the browser; kill it if it does not go."""
        with contextlib.suppress(AssertionError, OSError):  # the pipe may close before the answer comes
            self.call("Browser.close")
        for _ in range(50):
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                break
            time.sleep(0.1)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self._in)
        os.close(self._out)


PROBE = """JSON.stringify({
  stats: Object.fromEntries([...document.querySelectorAll('.stat')].map(e => [e.id, e.querySelector('.v').textContent])),
  charts: Object.fromEntries([...document.querySelectorAll('figure')].map(f => [f.id, f.querySelectorAll('svg rect').length])),
  barsWide: [...document.querySelectorAll('svg.bars rect')].every(r => r.getBoundingClientRect().width >= 1),
  marks: document.querySelectorAll('mark').length,
  scripts: document.scripts.length,
  overflow: document.documentElement.scrollWidth - window.innerWidth,
})"""


def open_report(report: Path, tmp: Path, shot: str) -> tuple[dict, list[dict]]:
    """Load a report at a laptop's size; return what the page shows and what the browser logged or fetched."""
    browser = DevTools(tmp / f"profile-{shot}", tmp / f"chromium-{shot}.log")
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.page(f"{domain}.enable")
        browser.page("Emulation.setDeviceMetricsOverride", width=1366, height=768, deviceScaleFactor=1, mobile=False)
        browser.page("Page.navigate", url=report.as_uri())
        browser.wait("Page.loadEventFired")
        shown = json.loads(browser.page("Runtime.evaluate", expression=PROBE, returnByValue=True)["result"]["value"])
        height = min(browser.page("Page.getLayoutMetrics")["cssContentSize"]["height"], 6000)
        png = browser.page("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                           clip={"x": 0, "y": 0, "width": 1366, "height": height, "scale": 1})["data"]  # fmt: skip
        shown["pdf"] = base64.b64decode(browser.page("Page.printToPDF")["data"])[:5]
        browser.wait("Page.frameStoppedLoading")
    finally:
        browser.close()
    (tmp / f"{shot}.png").write_bytes(base64.b64decode(png))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(tmp / f"{shot}.png", ARTIFACTS / f"{shot}.png")  # kept for a person to look at; ignored by git
    return shown, browser.events


def complaints(events: list[dict]) -> list[str]:
    """Console errors and warnings, exceptions, dialogs and requests for anything but the report file."""
    out = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning", "assert"):
            out.append(f"console {params['type']}: {params['args']}")
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            out.append(f"log: {params['entry']['text']}")
        elif method in ("Runtime.exceptionThrown", "Page.javascriptDialogOpening"):
            out.append(f"{method}: {params}")
        elif method == "Network.requestWillBeSent" and not params["request"]["url"].startswith("file://"):
            out.append(f"request: {params['request']['url']}")
    return out


@needs_chromium
def test_browser_shows_headline_and_charts_without_errors(sample_scan, tmp_path):
    summary = json.loads((sample_scan / "summary.json").read_text())
    shown, events = open_report(sample_scan / "report.html", tmp_path, "report-sample")
    assert complaints(events) == []
    assert shown["stats"]["stat-scanned"] == f"{summary['rows_scanned']:,}"
    assert shown["stats"]["stat-contaminated"] == f"{summary['documents_with_hits']:,}"
    assert shown["stats"]["stat-rate"] == fmt_rate(summary["contaminated_per_million"])
    assert shown["charts"]["chart-family"] == len(summary["by_family"]) and shown["charts"]["chart-lang"] > 0
    assert shown["charts"]["chart-source"] == len(summary["by_source"]) and shown["barsWide"]
    assert shown["marks"] == sum(min(v["hits"], SAMPLES_PER_FAMILY) for v in summary["by_family"].values())
    assert shown["overflow"] <= 0  # nothing wider than a laptop screen
    assert shown["pdf"] == b"%PDF-"
    assert (tmp_path / "report-sample.png").stat().st_size > 10_000


@needs_chromium
def test_browser_runs_nothing_from_a_hostile_corpus(hostile_scan, tmp_path):
    shown, events = open_report(hostile_scan / "report.html", tmp_path, "report-hostile")
    assert complaints(events) == []
    assert shown["scripts"] == 0 and shown["marks"] == 4
    assert shown["overflow"] <= 0  # 400,000-character lines wrap or are cut


def test_the_summary_adds_up_every_units_counts():
    totals = SummaryBuilder()
    for n, reason in enumerate(["bad json", "bad json", "not utf-8"]):
        unit = UnitResult(key=f"u{n}", source="s", hits=[], rows_read=10, rows_scanned=9, rows_skipped=1)
        unit.skip_reasons.update([reason])
        unit.bytes_scanned, unit.rule_timeouts = 100, n
        totals.add(unit)
    summary = totals.build()
    assert (summary["rows_read"], summary["rows_scanned"], summary["rows_skipped"]) == (30, 27, 3)
    assert summary["skip_reasons"] == {"bad json": 2, "not utf-8": 1}
    assert (summary["bytes_scanned"], summary["rule_timeouts"]) == (300, 3)
