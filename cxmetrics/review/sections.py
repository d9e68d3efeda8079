"""The pack's sections in the order a leadership review reads them, each a function of the context that lays out what
its page's `build()` returned (no number is computed here). `SECTIONS` is the order; a new section is one line in it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd

from cxmetrics import config
from cxmetrics.display.style import status_colour
from cxmetrics.metrics.registry import get_metric, minimum_n
from cxmetrics.query import catalog
from cxmetrics.reports.actions import register as actions_register
from cxmetrics.reports.actions import view as actions_view
from cxmetrics.reports.complaints import charts as complaint_charts
from cxmetrics.reports.complaints import view as complaints_view
from cxmetrics.reports.cx_financials import charts as financial_charts
from cxmetrics.reports.cx_financials import view as financials_view
from cxmetrics.reports.cx_financials.value import RiskAssumptions
from cxmetrics.reports.journey import charts as journey_charts
from cxmetrics.reports.journey import view as journey_view
from cxmetrics.reports.scorecard import charts as scorecard_charts
from cxmetrics.reports.scorecard import view as scorecard_view
from cxmetrics.review import blocks
from cxmetrics.review.model import Block, Context, Section

MAX_HEADLINES, MIN_HEADLINES = 5, 3
FINANCIALS_GRAIN = "month"  # CX & Financials opens on the latest closed month
COMPLAINTS_GRAIN = "month"  # so does Complaints & Follow-up
ACCOUNTS_PRINTED = 12
MAP_HEIGHT, MAP_ROW_HEIGHT = 170, 46
STATEMENT_SHOWN = ("Measure", "Period", "Actual", "Status", "Prior", "Change", "Target", "Variance", "Last year")
EVENT_COLUMNS = {"event_date": "Date", "title": "Event", "region": "Region"}
INTERACTIVE = (" Click a cell for its detail.", "; edit them above")


def _printed(text: str | None) -> str | None:
    """A page's caption without what only the screen can do (click, edit)."""
    for phrase in INTERACTIVE:
        text = text.replace(phrase, "") if text else text
    return text


def _section(key: str, title: str, *found: Block, missing: str | None = None) -> Section:
    return Section(key, title, tuple(b for b in found if b.html or b.chart), missing)


def headlines(context: Context) -> tuple[str, ...]:
    """The headline messages: the Scorecard's "what changed" sentences, strongest first (three to five)."""
    return tuple(change.sentence for change in context.scorecard.changes[:MAX_HEADLINES])


# --- cover and scorecard ---------------------------------------------------------------------------------------------


def cover(context: Context) -> Section:
    """The week, the scope, what changed in words, and the headline tiles."""
    card = context.scorecard
    return _section(
        "cover",
        "What changed",
        blocks.paragraph(card.subtitle, "note"),
        blocks.bullets(headlines(context)),
        *(blocks.tiles(row) for row in card.headline),
        blocks.paragraph(card.missing_note, "missing"),
    )


def _statement_row(row: dict) -> str:
    if row["kind"] == "section":
        return f'<tr class="group"><td colspan="{len(STATEMENT_SHOWN) + 1}">{blocks.inline(row["Measure"])}</td></tr>'
    colour = status_colour(row["status"])
    cells = []
    for column in STATEMENT_SHOWN:
        text = blocks.inline(str(row[column]))
        if column == "Status" and row["status"]:
            cells.append(f'<td><span class="badge" style="background:{colour}">{text}</span></td>')
        elif column == "Actual":
            cells.append(f'<td class="num actual" style="color:{colour}">{text}</td>')
        else:
            cells.append(f'<td class="{"" if column in ("Measure", "Period", "Status") else "num"}">{text}</td>')
    cells.append(f"<td>{blocks.sparkline(row['Trend'])}</td>")
    return f"<tr>{''.join(cells)}</tr>"


def statement(context: Context) -> Section:
    """The P&L-style statement with status colours, as on the Scorecard."""
    card = context.scorecard
    frame = card.statement
    head = "".join(f"<th>{c}</th>" for c in (*STATEMENT_SHOWN, "Trend"))
    rows = "".join(_statement_row(r) for r in frame.to_dict("records"))
    table = Block(html=f'<table class="statement"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
    return _section(
        "statement",
        "Scorecard",
        blocks.paragraph(card.subtitle, "note"),
        table,
        blocks.paragraph(card.basis_note, "note"),
        blocks.paragraph(card.filter_note, "note"),
        blocks.paragraph(
            "Status: on target; watch (below target within the noise); off target (significantly below); "
            "too few responses to judge. Changes say whether they are significant at 95%.",
            "note",
        ),
    )


def nps_and_revenue(context: Context) -> Section:
    """Weekly NPS and its rolling 13 weeks above monthly revenue, with the events, on one time axis."""
    card = context.scorecard
    figure = scorecard_charts.nps_revenue_trend(card.nps_weekly, card.revenue_monthly, card.events, card.period)
    return _section(
        "trend",
        "NPS and revenue",
        blocks.chart(figure, height=620),
        blocks.paragraph(card.chart_note, "note"),
        blocks.table(card.events.rename(columns=EVENT_COLUMNS), tuple(EVENT_COLUMNS.values())),
    )


# --- journey and drivers ---------------------------------------------------------------------------------------------


def journey_map(context: Context) -> Section:
    """The journey map of transactional NPS by touchpoint and region, red cells first in words."""
    view = context.journey
    if view.cell_picks is None:
        return _section("journey", "Journey map", missing=view.empty_warning)
    figure = journey_charts.journey_map(view.cells, view.metric, view.period.compared_label)
    return _section(
        "journey",
        "Journey map",
        blocks.paragraph(view.red_summary, "lead"),
        blocks.chart(figure, height=MAP_HEIGHT + MAP_ROW_HEIGHT * len(view.cell_picks.rows)),
        blocks.paragraph(_printed(view.caption), "note"),
        blocks.paragraph(view.targets_note, "missing"),
        blocks.paragraph(view.touchpoint_note, "note"),
    )


def drivers(context: Context) -> Section:
    """The key drivers of NPS for the whole view and what to fix first, as on Journey & Drivers."""
    view = context.journey
    if view.driver_choices is None:
        return _section("drivers", "Top drivers and what to fix first", missing=view.drivers_missing)
    whole = view.driver_choices.company  # the view as a whole: the pack compares no slice with it
    found = journey_view.drivers(context.conn, context.filters, view.driver_choices, whole)
    if not found.shown:
        return _section("drivers", "Top drivers and what to fix first", missing=" ".join(found.warnings))
    priority = found.priority["mean_rating"]
    return _section(
        "drivers",
        "Top drivers and what to fix first",
        blocks.paragraph(priority.sentence, "lead"),
        blocks.chart(journey_charts.driver_importance(list(found.shown)), height=330),
        *(blocks.paragraph(s) for s in found.sentences),
        blocks.chart(journey_charts.priority_matrix(priority.matrix, priority.label), height=360),
        blocks.paragraph(found.caption, "note"),
    )


# --- money at risk ---------------------------------------------------------------------------------------------------


def revenue_at_risk(context: Context) -> Section:
    """Revenue at risk by NPS group (the page's default assumptions) by region (by segment for one region) and the
    largest at-risk accounts."""
    view = financials_view.build(context.conn, context.filters, context.period(FINANCIALS_GRAIN))
    title = "Revenue at risk"
    if not view.has_revenue or view.cohort is None:
        return _section("risk", title, missing="Revenue at risk needs the `customer_revenue` table.")
    risk = financials_view.risk(view, RiskAssumptions(), context.split)
    accounts = view.cohort.accounts_shown.head(ACCOUNTS_PRINTED)
    return _section(
        "risk",
        title,
        blocks.paragraph(view.subtitle, "note"),
        blocks.tiles(risk.tiles),
        blocks.chart(financial_charts.revenue_at_risk(risk.by_split), height=300),
        blocks.paragraph(_printed(risk.caption), "note"),
        blocks.paragraph(view.cohort.accounts_title),
        blocks.table(accounts, ("name", "region", "segment", "latest_nps", "answered_on", "revenue_12m_usd")),
    )


# --- complaints and the closed loop ----------------------------------------------------------------------------------


def complaints(context: Context) -> Section:
    """Complaints, recovery and churn after them, and the closed loop of detractor follow-up."""
    view = complaints_view.build(context.conn, context.filters, context.period(COMPLAINTS_GRAIN))
    title = "Complaints, recovery and the closed loop"
    if not view.has_complaints and not view.has_follow_ups:
        return _section("complaints", title, missing=view.missing_note)
    found = [blocks.paragraph(view.subtitle, "note")]
    if view.has_complaints:
        found += [
            blocks.tiles(view.complaint_tiles),
            blocks.paragraph(view.churn_sentence, "lead"),
            blocks.chart(complaint_charts.churn_by_outcome(view.churn), height=260),
        ]
    if view.has_follow_ups:
        found += [
            blocks.heading("Closed loop"),
            blocks.tiles(view.loop_tiles + view.follow_up_tiles),
            blocks.paragraph(view.open_list_caption, "note"),
        ]
    return _section("complaints", title, *found, blocks.paragraph(view.missing_note, "missing"))


# --- the action register ---------------------------------------------------------------------------------------------


def action_register(context: Context) -> Section:
    """The Actions page's register for the pack's scope: open actions (overdue first) and those closed lately, each
    with its metric's movement since the baseline."""
    title = "Action register"
    if not actions_register.has_table(context.conn):
        return _section(
            "actions", title, missing="The action register needs the `actions` table (load it or record one)."
        )
    view = actions_view.build(context.conn, context.filters, datetime.now(UTC).date())
    if not view.lines:
        return _section(
            "actions",
            title,
            blocks.paragraph(view.caption, "note"),
            blocks.paragraph("No actions are recorded in this scope: leaders record them on the Actions page."),
        )
    return _section(
        "actions",
        title,
        blocks.paragraph(view.caption, "note"),
        blocks.tiles(view.tiles),
        blocks.table(view.table, actions_view.TABLE_COLUMNS),
    )


# --- methodology -----------------------------------------------------------------------------------------------------


def _last_load(context: Context) -> str:
    found = context.conn.execute("SELECT max(loaded_at) FROM load_log").fetchone()[0]
    return f"{found:%d %b %Y %H:%M} UTC" if found is not None else "not recorded"


def _definitions(context: Context) -> pd.DataFrame:
    """The definitions of the scorecard's measures: what each is, how sure, and its minimum n."""
    rows = []
    for metric_id in scorecard_view.STATEMENT_METRICS:
        metric = get_metric(metric_id)
        rows.append(
            {
                "Measure": metric.label,
                "Definition": metric.description,
                "Interval": metric.interval if metric.sampled else "exact",
                "Minimum n": f"{minimum_n(metric)} {metric.n_label}" if metric.sampled else "",
            }
        )
    return pd.DataFrame(rows)


def methodology(context: Context) -> Section:
    """Definitions, intervals, minimum n, what is loaded and how fresh it is."""
    missing = [t for t in catalog.USED_BY if t not in context.loaded]
    fresh = (
        f"Survey responses up to {context.last_day:%a %d %b %Y}; latest load {_last_load(context)}. "
        f"Review week {context.week.label} ({context.week.start:%d %b} to {context.week.end:%d %b %Y}); monthly "
        "figures show the latest month closed by the review."
    )
    return _section(
        "methodology",
        "Methodology",
        blocks.paragraph(fresh),
        blocks.paragraph(
            "NPS = % promoters (9-10) minus % detractors (0-6), with the adjusted-Wald 95% interval (Rocks 2016); "
            "CSAT = % of ratings 4-5 with the Wilson interval; CES = mean of the 1-7 scale with the Student-t "
            "interval. Intervals of survey scores count repeat respondents once (customer-clustered). A change is "
            "significant at |z| >= 1.96; what changed is controlled for false discoveries across every comparison "
            "scanned (Benjamini-Hochberg). Ratios are ratios of sums over the rows in view."
        ),
        blocks.paragraph(
            f"A score resting on fewer responses than its minimum (default {config.get('CX_MIN_N')}) is withheld and "
            "shows its n only. Driver analysis needs max(30, 10 x drivers) complete responses."
        ),
        blocks.table(_definitions(context)),
        blocks.paragraph(
            ("Not loaded, so not shown: " + ", ".join(f"`{t}` ({catalog.USED_BY[t]})" for t in missing) + ".")
            if missing
            else "",
            "missing",
        ),
    )


# The order of the pack.
SECTIONS: tuple[Callable[[Context], Section], ...] = (
    cover,
    statement,
    nps_and_revenue,
    journey_map,
    drivers,
    revenue_at_risk,
    complaints,
    action_register,
    methodology,
)
