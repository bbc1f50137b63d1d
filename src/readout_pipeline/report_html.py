"""`readout report-html OUT.html`: one static, self-contained HTML file with charts and key tables.

Nothing is fetched when the page is viewed: the charts are inline SVG drawn here, the styles and the
little script (sortable tables) are inline. The data comes from the reports of `sql/reports/`, run
with bound parameters. A section whose report cannot run (say, a table a newer pipeline adds) shows
why, and the other sections render; `render()` returns those problems too.

The script marks the page as rendered (`<body data-render="ok">`) once it ran without an exception,
and as `error: ...` otherwise, so a headless browser can check it.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from . import __version__, reports
from .errors import ReadoutError, WarehouseError, one_line

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass
class Page:
    sections: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _run(con: duckdb.DuckDBPyConnection, page: Page, name: str, params: dict[str, str] | None = None) -> Table | None:
    try:
        columns, rows = reports.run_report(con, reports.get_report(name), params or {})
    except ReadoutError as exc:
        page.problems.append(f"{name}: {exc}")
        return None
    return Table(columns, rows)


# ---------------------------------------------------------------- SVG helpers


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{_e(label)}" class="chart">' + "".join(body) + "</svg>"
    )


def _empty_chart(label: str, why: str) -> str:
    return _svg(900, 80, [f'<text x="450" y="45" text-anchor="middle" class="muted">{_e(why)}</text>'], label)


def _nice_max(value: float) -> int:
    if value <= 5:
        return 5
    step = 10 ** (len(str(int(value))) - 1)
    return int(-(-value // step) * step)


def _legend(names: Sequence[str], x: int, y: int) -> list[str]:
    out = []
    for i, name in enumerate(names):
        yy = y + i * 18
        out.append(f'<rect x="{x}" y="{yy - 10}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 18}" y="{yy}" class="legend">{_e(name)}</text>')
    return out


def _y_axis(left: int, top: int, plot_h: int, plot_w: int, ymax: int) -> list[str]:
    out = []
    for i in range(6):
        value = ymax * i / 5
        y = top + plot_h - plot_h * i / 5
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        label = f"{value:g}" if value != int(value) else str(int(value))
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{label}</text>')
    return out


def _months(first: date, last: date) -> list[date]:
    months, current = [], date(first.year, first.month, 1)
    while current <= last:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def publisher_activity_chart(table: Table | None) -> str:
    """Stacked bars: readouts per month, one colour per publisher."""
    label = "Publisher activity: readouts per month by source"
    if table is None or not table.rows:
        return _empty_chart(label, "No readouts yet")
    counts: dict[tuple[str, date], int] = defaultdict(int)
    sources: list[str] = []
    for source, month, n in table.rows:
        if month is None:
            continue
        month = month.date() if isinstance(month, datetime) else month
        counts[(source, month)] += int(n)
        if source not in sources:
            sources.append(source)
    if not counts:
        return _empty_chart(label, "No dated readouts yet")
    sources.sort()
    months = _months(min(m for _, m in counts), max(m for _, m in counts))
    totals = [sum(counts.get((s, m), 0) for s in sources) for m in months]
    width, height, left, top, bottom = 900, 300 + 18 * len(sources), 40, 20, 60 + 18 * len(sources)
    plot_w, plot_h = width - left - 20, height - top - bottom
    ymax = _nice_max(max(totals))
    body = _y_axis(left, top, plot_h, plot_w, ymax)
    slot = plot_w / len(months)
    bar = max(slot * 0.8, 1)
    for i, month in enumerate(months):
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h
        for j, source in enumerate(sources):
            n = counts.get((source, month), 0)
            if not n:
                continue
            h = plot_h * n / ymax
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{_e(source)}, {month:%Y-%m}: {n}</title></rect>"
            )
        if i % -(-len(months) // 12) == 0:
            body.append(
                f'<text x="{left + i * slot + slot / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" class="tick">{month:%Y-%m}</text>'
            )
    body += _legend(sources, left, top + plot_h + 40)
    return _svg(width, height, body, label)


def country_mentions_chart(table: Table | None, top: int = 6) -> str:
    """Lines: readouts mentioning each of the most mentioned countries, per quarter."""
    label = "Country mentions over time: readouts mentioning each country, per quarter"
    if table is None or not table.rows:
        return _empty_chart(label, "No country mentions yet")
    idx = {c: i for i, c in enumerate(table.columns)}
    per: dict[tuple[str, str], int] = {}
    totals: dict[str, int] = defaultdict(int)
    quarters: set[str] = set()
    for row in table.rows:
        quarter, country, n = row[idx["quarter"]], row[idx["country_code"]], int(row[idx["readouts"]])
        if quarter is None or country is None:
            continue
        per[(country, quarter)] = n
        totals[country] += n
        quarters.add(quarter)
    if not quarters:
        return _empty_chart(label, "No dated country mentions yet")
    countries = sorted(totals, key=lambda c: (-totals[c], c))[:top]
    qs = _quarter_range(sorted(quarters))
    width, height, left, top_margin, bottom = 900, 320, 40, 20, 60
    plot_w, plot_h = width - left - 140, height - top_margin - bottom
    ymax = _nice_max(max(per.get((c, q), 0) for c in countries for q in qs))
    body = _y_axis(left, top_margin, plot_h, plot_w, ymax)
    step = plot_w / max(len(qs) - 1, 1)
    for i, q in enumerate(qs):
        if i % -(-len(qs) // 12) == 0:
            body.append(f'<text x="{left + i * step:.1f}" y="{top_margin + plot_h + 16}" text-anchor="middle" class="tick">{_e(q)}</text>')
    for j, country in enumerate(countries):
        colour = PALETTE[j % len(PALETTE)]
        points = [(left + i * step, top_margin + plot_h - plot_h * per.get((country, q), 0) / ymax) for i, q in enumerate(qs)]
        body.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>'
        )
        for (x, y), q in zip(points, qs, strict=True):
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{_e(country)} {_e(q)}: {per.get((country, q), 0)}</title></circle>')
    body += _legend(countries, left + plot_w + 30, top_margin + 10)
    return _svg(width, height, body, label)


def _quarter_range(quarters: list[str]) -> list[str]:
    """Every quarter label (YYYY-Qn) from the first to the last, gaps included."""
    def parse(q: str) -> int:
        year, _, n = q.partition("-Q")
        return int(year) * 4 + int(n) - 1

    try:
        first, last = parse(quarters[0]), parse(quarters[-1])
    except ValueError:
        return quarters
    return [f"{k // 4}-Q{k % 4 + 1}" for k in range(first, last + 1)]


def meetings_timeline_chart(table: Table | None) -> str:
    """Dots on a time axis, one lane per meeting format; hover for date, place and hosts."""
    label = "Meetings timeline: each meeting by date, one lane per format"
    if table is None or not table.rows:
        return _empty_chart(label, "No meetings extracted yet")
    idx = {c: i for i, c in enumerate(table.columns)}
    meetings = [r for r in table.rows if r[idx["meeting_date"]] is not None]
    if not meetings:
        return _empty_chart(label, "No dated meetings yet")
    formats = sorted({str(r[idx["format"]] or "unknown") for r in meetings})
    first = min(r[idx["meeting_date"]] for r in meetings)
    last = max(r[idx["meeting_date"]] for r in meetings)
    span = max((last - first).days, 1)
    lane = 34
    width, left, right, top = 900, 150, 30, 20
    height = top + lane * len(formats) + 50
    plot_w = width - left - right
    body = []
    for k, fmt in enumerate(formats):
        y = top + lane * k + lane / 2
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        body.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_e(fmt)}</text>')
    axis_y = top + lane * len(formats) + 6
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{axis_y}" y2="{axis_y}" class="axis"/>')
    ticks = [m for m in _months(first, last) if m >= first]
    for month in ticks[:: -(-len(ticks) // 8) or 1]:
        x = left + plot_w * (month - first).days / span
        body.append(f'<text x="{x:.1f}" y="{axis_y + 18}" text-anchor="middle" class="tick">{month:%Y-%m}</text>')
    for r in meetings:
        fmt = str(r[idx["format"]] or "unknown")
        day = r[idx["meeting_date"]]
        x = left + plot_w * (day - first).days / span
        y = top + lane * formats.index(fmt) + lane / 2
        virtual = bool(r[idx["is_virtual"]]) if "is_virtual" in idx else False
        place = ", ".join(str(v) for v in (r[idx["city"]], r[idx["country_code"]]) if v)
        tip = f"{day:%Y-%m-%d} {fmt} {'(virtual) ' if virtual else ''}{place}; hosts: {r[idx['hosts']] or '-'}"
        fill = "#ffffff" if virtual else PALETTE[formats.index(fmt) % len(PALETTE)]
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{fill}" stroke="{PALETTE[formats.index(fmt) % len(PALETTE)]}" '
            f'stroke-width="2"><title>{_e(tip)}</title></circle>'
        )
    body.append(f'<text x="{width - right}" y="{height - 4}" text-anchor="end" class="muted">filled: in person; hollow: virtual</text>')
    return _svg(width, height, body, label)


# ---------------------------------------------------------------- tables and page


def _fmt(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def html_table(table: Table | None, max_rows: int = 25) -> str:
    if table is None:
        return '<p class="muted">Not available (see the notes at the end).</p>'
    if not table.rows:
        return '<p class="muted">No rows yet.</p>'
    head = "".join(f"<th>{_e(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows[:max_rows]:
        cells = []
        for col, value in zip(table.columns, row, strict=True):
            text = _fmt(value)
            if isinstance(value, str) and value.startswith(("http://", "https://")) and "url" in col:
                cells.append(f'<td><a href="{_e(value)}">{_e(text)}</a></td>')
            else:
                cells.append(f"<td>{_e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="muted">{len(table.rows) - max_rows} more rows: run the report for all of them.</p>'
        if len(table.rows) > max_rows else ""
    )
    return f'<table class="sortable"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{more}'


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
header{background:#1d3557;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;opacity:.85}main{padding:8px 32px 40px;max-width:1200px}
section{overflow-x:auto;background:#fff;border:1px solid #dde2e8;border-radius:8px;padding:12px 20px 16px;margin:18px 0}
h2{font-size:18px;margin:6px 0 4px}p.q{margin:0 0 10px;color:#52606d}
.kpis{display:flex;gap:16px;flex-wrap:wrap}.kpi{background:#eef3f8;border-radius:8px;padding:10px 16px;min-width:120px}
.kpi b{display:block;font-size:22px}.chart{max-width:900px;display:block}
.grid{stroke:#e3e7ec}.axis{stroke:#9aa5b1}.tick{font-size:11px;fill:#52606d}.legend{font-size:12px;fill:#1d2733}
.muted{color:#7b8794;fill:#7b8794;font-size:13px}table{border-collapse:collapse;width:100%;font-size:13px}
td{overflow-wrap:anywhere}th,td{border-bottom:1px solid #e3e7ec;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f6;cursor:pointer;user-select:none;white-space:nowrap}th.asc:after{content:" \\25B2"}th.desc:after{content:" \\25BC"}
td a{color:#1d4ed8;word-break:break-all}ul.problems{color:#9b1c1c}
"""

SCRIPT = """
(function () {
  var body = document.body;
  window.addEventListener('error', function (e) { body.setAttribute('data-render', 'error: ' + e.message); });
  try {
    var tables = document.querySelectorAll('table.sortable');
    Array.prototype.forEach.call(tables, function (table) {
      var heads = table.querySelectorAll('th');
      Array.prototype.forEach.call(heads, function (th, col) {
        th.addEventListener('click', function () {
          var asc = !th.classList.contains('asc');
          Array.prototype.forEach.call(heads, function (h) { h.classList.remove('asc', 'desc'); });
          th.classList.add(asc ? 'asc' : 'desc');
          var tbody = table.tBodies[0];
          var rows = Array.prototype.slice.call(tbody.rows);
          rows.sort(function (a, b) {
            var x = a.cells[col].textContent, y = b.cells[col].textContent;
            var nx = parseFloat(x.replace(/,/g, '')), ny = parseFloat(y.replace(/,/g, ''));
            var cmp = (!isNaN(nx) && !isNaN(ny) && /^[-\\d.,]+$/.test(x + y)) ? nx - ny : x.localeCompare(y);
            return asc ? cmp : -cmp;
          });
          rows.forEach(function (r) { tbody.appendChild(r); });
        });
      });
    });
    body.setAttribute('data-render', 'ok');
  } catch (err) {
    body.setAttribute('data-render', 'error: ' + err.message);
  }
})();
"""


def _section(title: str, question: str, content: str) -> str:
    return f"<section><h2>{_e(title)}</h2><p class=\"q\">{_e(question)}</p>{content}</section>"


def _kpis(con: duckdb.DuckDBPyConnection, page: Page) -> str:
    from .warehouse import sql

    try:
        row = con.execute(sql("report_html/kpis.sql")).fetchone()
    except duckdb.Error as exc:
        page.problems.append(f"key figures: {one_line(exc, 200)}")
        return ""
    labels = ("readouts", "publishers", "URLs", "edited pages", "first published", "last published", "last run")
    cells = "".join(f'<div class="kpi"><b>{_e(_fmt(v) or "-")}</b>{_e(label)}</div>' for label, v in zip(labels, row, strict=True))
    return f'<div class="kpis">{cells}</div>'


def render(con: duckdb.DuckDBPyConnection, title: str = "Diplomatic readouts") -> tuple[str, list[str]]:
    """The page as one HTML string, and the problems met (sections that could not be filled)."""
    page = Page()
    question = lambda name: reports.get_report(name).question  # noqa: E731
    kpis = _kpis(con, page)
    activity = _run(con, page, "readouts_per_source_per_month")
    countries = _run(con, page, "countries_per_quarter", {"top": "1000"})
    meetings = _run(con, page, "meetings_timeline")
    page.sections += [
        _section("Key figures", "What is in this warehouse?", kpis),
        _section("Publisher activity", question("readouts_per_source_per_month"), publisher_activity_chart(activity)),
        _section("Meetings timeline", question("meetings_timeline"), meetings_timeline_chart(meetings) + html_table(meetings, 30)),
        _section("Country mentions over time", question("countries_per_quarter"), country_mentions_chart(countries)),
    ]
    for name, params, heading in (
        ("latest_readouts", {"limit": "15"}, "Latest readouts"),
        ("statements_republished", {}, "Statements republished across publishers"),
        ("people_appearances", {"limit": "20"}, "People"),
        ("new_members", {}, "New members welcomed"),
        ("amounts_pledged", {}, "Amounts pledged"),
        ("documents_edited", {}, "Documents edited after publication"),
        ("source_health", {}, "Source health"),
    ):
        page.sections.append(_section(heading, question(name), html_table(_run(con, page, name, params))))
    notes = ""
    if page.problems:
        items = "".join(f"<li>{_e(p)}</li>" for p in page.problems)
        notes = _section("Notes", "Sections that could not be filled from this warehouse:", f'<ul class="problems">{items}</ul>')
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    document = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{_e(title)}</title><style>{STYLE}</style></head>
<body data-render="pending"><header><h1>{_e(title)}</h1>
<p>Generated {generated} by readout_pipeline {__version__} &middot; self-contained: no network needed to view it.</p></header>
<main>{"".join(page.sections)}{notes}</main>
<script>{SCRIPT}</script></body></html>
"""
    return document, page.problems


def write_report(con: duckdb.DuckDBPyConnection, out: Path, title: str = "Diplomatic readouts") -> list[str]:
    """Write the page to `out` (atomically). Returns the problems met."""
    document, problems = render(con, title)
    tmp = out.with_name(f".{out.name}.partial")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(document, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WarehouseError(f"cannot write {out}: {exc.strerror}") from None
    return problems
