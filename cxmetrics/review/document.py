"""The pack as one self-contained HTML document: inline CSS and SVG, nothing fetched. Printed, its `@page` rules give
every page the week, the scope, the date and 'Page n of N' in the margins, on A4 or Letter; on screen, each section
carries the same line at its head."""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence

from cxmetrics.display import style
from cxmetrics.review.blocks import inline
from cxmetrics.review.model import Block, Pack, Section
from cxmetrics.review.render import Chart

PAPERS: dict[str, str] = {"a4": "A4", "letter": "letter"}

CSS = """
@page {
  size: %(paper)s; margin: 17mm 14mm 16mm 14mm;
  @top-left { content: "%(title)s"; font: 600 8.5pt %(font)s; color: %(ink)s; }
  @top-right { content: "%(scope)s"; font: 8.5pt %(font)s; color: %(muted)s; }
  @bottom-left { content: "%(stamp)s"; font: 8pt %(font)s; color: %(muted)s; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt %(font)s; color: %(muted)s; }
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 10pt/1.4 %(font)s; color: %(ink)s; margin: 0; }
section { break-before: page; }
section.cover { break-before: auto; }
h1 { font-size: 22pt; margin: 0 0 2mm; color: %(primary)s; }
h2 { font-size: 15pt; margin: 0 0 3mm; color: %(primary)s; border-bottom: 1.5pt solid %(primary)s;
  padding-bottom: 1mm; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; }
p { margin: 0 0 2.2mm; }
p.lead { font-weight: 600; }
p.note { color: %(muted)s; font-size: 8.5pt; }
p.missing { background: #f3f6fa; border-left: 3pt solid %(secondary)s; padding: 2mm 3mm; }
ul { margin: 0 0 3mm; padding-left: 5mm; } li { margin-bottom: 1.5mm; }
code { font-family: %(font)s; font-weight: 600; }
.running { display: none; }
.chart { break-inside: avoid; margin: 1mm 0 2mm; }
.chart svg { width: 100%%; height: auto; display: block; }
.tiles { display: flex; flex-wrap: wrap; gap: 2.5mm; margin: 2mm 0 3mm; break-inside: avoid; }
.tile { flex: 1 1 0; min-width: 38mm; border: 0.6pt solid #d0d5dd; border-radius: 2mm; padding: 2mm 2.5mm; }
.tile .label { font-size: 8pt; color: %(muted)s; }
.tile .value { font-size: 16pt; font-weight: 700; }
.tile .delta { font-size: 9pt; font-weight: 600; }
.tile .said { font-size: 7.5pt; color: %(muted)s; }
.badge { display: inline-block; color: white; font-size: 7.5pt; font-weight: 600; border-radius: 1.5mm;
  padding: 0.3mm 1.6mm; margin-top: 1mm; white-space: nowrap; }
table.statement td { padding: 0.7mm 1mm; }
table.statement .badge { margin-top: 0; }
table { width: 100%%; border-collapse: collapse; font-size: 8.3pt; margin: 1mm 0 3mm; }
th { text-align: left; color: %(muted)s; font-weight: 600; border-bottom: 0.8pt solid %(ink)s; padding: 1mm 1.2mm; }
td { border-bottom: 0.4pt solid #e5e7eb; padding: 0.9mm 1.2mm; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
td.actual { font-weight: 700; }
tr { break-inside: avoid; }
tr.group td { font-weight: 700; background: #f3f4f6; }
.cover-head { margin: 6mm 0 5mm; }
.cover-head .scope { font-size: 11pt; color: %(muted)s; }
@media screen {
  body { background: #eef0f3; }
  main { max-width: 200mm; margin: 0 auto; }
  section { background: white; margin: 6mm 0; padding: 12mm 14mm; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
  .running { display: flex; justify-content: space-between; font-size: 8pt; color: %(muted)s; margin-bottom: 3mm; }
}
"""


def _css_string(text: str) -> str:
    """Text as the content of a CSS string."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def stamp(pack: Pack) -> str:
    """The footer's dates: when the pack was made, and the last day of data it rests on."""
    return f"Prepared {pack.generated:%d %b %Y %H:%M} UTC · data to {pack.last_day:%d %b %Y}"


def scope_line(pack: Pack) -> str:
    """'Scope: region EMEA'."""
    return f"Scope: {pack.scope}"


def css(pack: Pack, paper: str) -> str:
    """The stylesheet for `paper` (a4 or letter), with the pack's running header and footer."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}; valid: {', '.join(PAPERS)}")
    return CSS % {
        "paper": PAPERS[paper],
        "title": _css_string(pack.title),
        "scope": _css_string(scope_line(pack)),
        "stamp": _css_string(stamp(pack)),
        "font": '"Liberation Sans", Arial, Helvetica, sans-serif',
        "ink": style.INK,
        "muted": style.MUTED,
        "primary": style.PRIMARY,
        "secondary": style.SECONDARY,
    }


def charts(pack: Pack) -> list[Chart]:
    """Every chart of the pack, in document order."""
    return [block.chart for section in pack.sections for block in section.blocks if block.chart is not None]


def _blocks(found: Sequence[Block], svgs: Iterator[str]) -> str:
    return "".join(f'<div class="chart">{next(svgs)}</div>' if b.chart is not None else b.html for b in found)


def _cover_head(pack: Pack) -> str:
    return (
        f'<div class="cover-head"><h1>{html.escape(pack.title)}</h1>'
        f'<div class="scope">{pack.week.start:%d %b} to {pack.week.end:%d %b %Y} · '
        f"{html.escape(scope_line(pack))}</div></div>"
    )


def _section(pack: Pack, section: Section, svgs: Iterator[str]) -> str:
    running = (
        f'<div class="running"><span>{html.escape(pack.title)} · {html.escape(stamp(pack))}</span>'
        f"<span>{html.escape(scope_line(pack))}</span></div>"
    )
    head = _cover_head(pack) if section.key == "cover" else ""
    missing = f'<p class="missing">{inline(section.missing)}</p>' if section.missing else ""
    return (
        f'<section class="{section.key}">{running}{head}<h2>{html.escape(section.title)}</h2>'
        f"{missing}{_blocks(section.blocks, svgs)}</section>"
    )


def html_document(pack: Pack, svgs: Sequence[str], paper: str = "a4") -> str:
    """The whole pack as one HTML document, the charts' SVGs (in `charts(pack)` order) inlined."""
    drawn = iter(svgs)
    body = "".join(_section(pack, s, drawn) for s in pack.sections)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(pack.title)} · {html.escape(pack.scope)}</title>"
        f"<style>{css(pack, paper)}</style></head><body><main>{body}</main></body></html>"
    )
