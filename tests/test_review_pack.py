"""The review pack on the committed sample world: its numbers are the pages' own builds, every printed page carries the
week, the scope, the date and its number, charts are vectors, the HTML needs no network, a regional pack shows its
region only, and a database without the optional tables gets a shorter pack that says what is missing."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from cxmetrics import cli
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.query import frames
from cxmetrics.reports.complaints import view as complaints_view
from cxmetrics.reports.cx_financials import view as financials_view
from cxmetrics.reports.cx_financials.value import RiskAssumptions
from cxmetrics.reports.journey import view as journey_view
from cxmetrics.reports.scorecard import view as scorecard_view
from cxmetrics.review import document, render, sections
from cxmetrics.review import pack as review_pack

EMEA = AccessScope(regions=("EMEA",))
OTHER_REGIONS = ("APAC", "LATAM", "North America")
COMPANY_SCOPE = "Scope: all regions, segments and touchpoints"

# Each pack is drawn and printed by Chromium: seconds each, so with the slow tests (scripts/test.sh runs them).
pytestmark = pytest.mark.slow


def _files(pack, paper: str = "a4") -> tuple[str, bytes]:
    """The pack's HTML and PDF from one browser session."""
    return render.render(document.charts(pack), lambda svgs: document.html_document(pack, svgs, paper), True)


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def company(committed):
    """The whole company's pack, its HTML and its PDF."""
    pack = review_pack.build(committed, Filters())
    return (pack, *_files(pack))


@pytest.fixture(scope="module")
def emea(committed):
    """An EMEA leader's pack and its PDF."""
    pack = review_pack.build(committed, Filters(scope=EMEA))
    return pack, _files(pack)[1]


def _row(document_html: str, label: str) -> str:
    """The text of the statement row of a measure."""
    found = re.search(rf"<tr><td[^>]*>{re.escape(html.escape(label, quote=False))}</td>.*?</tr>", document_html)
    assert found, label
    return html.unescape(re.sub(r"<[^>]+>", "|", found.group(0)))


def test_the_cover_and_statement_are_the_scorecards_numbers(committed, company):
    pack, page, _ = company
    card = scorecard_view.build(committed, Filters(), pack.week)
    assert pack.headlines == tuple(c.sentence for c in card.changes[:5])
    assert all(html.escape(h, quote=False) in page for h in pack.headlines)
    statement = card.statement[card.statement["kind"] == "metric"]
    assert len(statement) >= 15
    for row in statement.to_dict("records"):
        shown = _row(page, row["Measure"])
        for column in ("Actual", "Status", "Prior", "Change", "Target", "Variance", "Last year"):
            assert f"|{row[column]}|" in shown, (row["Measure"], column, shown)


def test_the_journey_drivers_risk_and_complaints_are_their_pages_numbers(committed, company):
    pack, page, _ = company
    text = html.unescape(page)
    journey = journey_view.build(committed, Filters(), pack.week)
    assert journey.red_summary in text
    drivers = journey_view.drivers(committed, Filters(), journey.driver_choices, journey.driver_choices.company)
    assert drivers.priority["mean_rating"].sentence.replace("**", "") in re.sub(r"</?strong>", "", text)
    month = review_pack.periods.review_period("month", pack.week, frames.data_extent(committed))
    money = financials_view.build(committed, Filters(), month)
    risk = financials_view.risk(money, RiskAssumptions(), "region")
    assert [t.value for t in risk.tiles] == ["$14.4M", "$48.1M", "$82.0M"]  # the page's tiles, as the page shows them
    assert all(f">{t.value}<" in text for t in risk.tiles)
    accounts = money.cohort.accounts_shown.head(sections.ACCOUNTS_PRINTED)
    assert all(f">{name}<" in text for name in accounts["name"])
    assert f">${accounts['revenue_12m_usd'].iloc[0]:,.0f}<" in text
    loop = complaints_view.build(committed, Filters(), month)
    assert all(f">{t.value}<" in text for t in loop.complaint_tiles + loop.loop_tiles + loop.follow_up_tiles)
    assert loop.churn_sentence in text


def test_every_printed_page_has_the_week_scope_date_and_its_number(company):
    pack, _, pdf = company
    pages = _pages(pdf)
    assert len(pages) >= len(pack.sections)
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in text
        assert f"Weekly CX review · {pack.week.label}" in text and COMPANY_SCOPE in text
        assert f"data to {pack.last_day:%d %b %Y}" in text and "Prepared " in text
    reader = PdfReader(io.BytesIO(pdf))
    assert {(round(p.mediabox.width), round(p.mediabox.height)) for p in reader.pages} == {(595, 842)}  # A4


def test_the_contents_come_in_the_order_of_a_leadership_review(company):
    pack, _, pdf = company
    assert [s.key for s in pack.sections] == [
        "cover", "statement", "trend", "journey", "drivers", "risk", "complaints", "actions", "methodology",
    ]  # fmt: skip
    text = "\n".join(_pages(pdf))
    titles = [s.title for s in pack.sections]
    assert [text.index(t) for t in titles] == sorted(text.index(t) for t in titles)
    assert "No actions are recorded in this scope" in text  # the sample world records none


def test_charts_are_vectors_and_the_html_needs_no_network(company):
    pack, page, pdf = company
    reader = PdfReader(io.BytesIO(pdf))
    assert sum(len(p.images) for p in reader.pages) == 0  # no raster image anywhere
    assert "Relative weight (share of NPS variance explained" in "\n".join(_pages(pdf))  # chart text is text
    assert page.count('<svg class="main-svg"') == len(document.charts(pack)) >= 6
    assert page.count(f"Prepared {pack.generated:%d %b %Y}") == len(pack.sections) + 1  # on screen: each section
    assert not re.search(r"<script|<link|<iframe|<img|@import", page)
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", page)
    assert not re.search(r"""url\(\s*['"]?(?!#)""", page)


def test_letter_paper(committed):
    pack = review_pack.build(committed, Filters(), chosen_sections=(sections.cover,))
    _, pdf = _files(pack, "letter")
    reader = PdfReader(io.BytesIO(pdf))
    assert [(round(p.mediabox.width), round(p.mediabox.height)) for p in reader.pages] == [(612, 792)]


def test_a_regional_pack_shows_its_region_only(committed, emea):
    pack, pdf = emea
    card = scorecard_view.build(committed, Filters(scope=EMEA), pack.week)
    assert pack.headlines == tuple(c.sentence for c in card.changes[:5])
    pages = _pages(pdf)
    assert all("Scope: region EMEA" in text for text in pages)
    text = "\n".join(pages)
    assert "EMEA" in text.replace("Scope: region EMEA", "")
    assert not [region for region in OTHER_REGIONS if region in text]


def test_missing_optional_tables_give_a_shorter_pack_that_says_so(minimal_db: Path):
    conn = duckdb.connect(str(minimal_db), read_only=True)
    pack = review_pack.build(conn, Filters())
    missing = {s.key: s.missing for s in pack.sections if s.missing}
    assert set(missing) >= {"drivers", "risk", "complaints"}
    assert "response_attributes" in missing["drivers"] and "customer_revenue" in missing["risk"]
    assert "complaints" in missing["complaints"] and "follow_ups" in missing["complaints"]
    methodology = next(s for s in pack.sections if s.key == "methodology")
    assert "Not loaded, so not shown" in "".join(b.html for b in methodology.blocks)
    page = review_pack.render_pack(pack, "html").decode()
    assert "Revenue at risk needs the <code>customer_revenue</code> table." in page
    conn.close()


def test_the_command_writes_the_pack(committed_path, tmp_path, capsys):
    out = tmp_path / "pack.html"
    code = cli.main(["pack", "--db", str(committed_path), "--region", "EMEA", "--format", "html", "--out", str(out)])
    assert code == 0
    assert "scope: region EMEA" in capsys.readouterr().out
    assert out.read_text().startswith("<!DOCTYPE html>") and "Scope: region EMEA" in out.read_text()


def test_the_command_refuses_a_week_after_the_data(committed_path, tmp_path, capsys):
    code = cli.main(["pack", "--db", str(committed_path), "--week", "2031-W01", "--out", str(tmp_path / "x.pdf")])
    assert code == 2 and "starts after the last day with data" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_the_scorecards_download_is_the_pack_of_the_view_on_screen(small_world_db: Path, small_world_week):
    filters = Filters(scope=EMEA, segments=("SMB",))
    pdf = review_pack.pdf_of_view(str(small_world_db), filters, small_world_week.label, "month")
    pages = _pages(pdf)
    assert filters.describe() == "segment SMB; region EMEA"
    assert all("Scope: segment SMB; region EMEA" in text for text in pages)
    assert f"Weekly CX review · {small_world_week.label}" in pages[0]
    assert "Month " in pages[1]  # the Scorecard's grain on screen
