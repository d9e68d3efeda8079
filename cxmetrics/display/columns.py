"""Every table column the reports show, declared once by its column name: label, kind, format, help and width.

Pages never configure a column themselves: `ui.table` looks each shown column up here, so the same column has the
same label, format and help on every page (`revenue_12m_usd` reads "Revenue, 12 months (USD)" wherever it appears).
A column that is not declared is shown under its own name.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("text", "number", "money", "date", "datetime", "line", "check", "progress")
# Money in tables: whole dollars with thousands separators ($1,234), the same on every page.
MONEY_FORMAT = "$%,.0f"


@dataclass(frozen=True)
class Column:
    """How one column is shown: `kind` picks the cell type; `format` is a Streamlit number or date format."""

    label: str
    kind: str = "text"
    help: str | None = None
    format: str | None = None
    width: int | str | None = None
    pinned: bool = False
    min_value: float | None = None
    max_value: float | None = None

    @property
    def shown_format(self) -> str | None:
        """The format cells are shown in: the declared one, whole dollars for money, else the type's default."""
        return self.format or (MONEY_FORMAT if self.kind == "money" else None)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.label!r}: unknown kind {self.kind!r}; one of {', '.join(KINDS)}")


_TWELVE_MONTHS = "Over the 12 closed months to the end of the period shown."
_INTERVAL = "95% interval"
_MINUTES = "YYYY-MM-DD HH:mm"
# The highest customer risk score (the at-risk list's weights add up to it; a test holds the two together).
RISK_SCORE_MAX = 100.0

COLUMNS: dict[str, Column] = {
    # customers and accounts
    "customer": Column("Customer", pinned=True, width=170),
    "customer_id": Column("Customer ID"),
    "region": Column("Region"),
    "segment": Column("Segment"),
    "industry": Column("Industry"),
    "touchpoint": Column("Touchpoint"),
    "channel": Column("Channel"),
    "owner": Column("Owner"),
    "account_owner": Column("Account owner", help="The person accountable for the account (customers.account_owner)."),
    "revenue_12m_usd": Column("Revenue, 12 months (USD)", "money", help=_TWELVE_MONTHS),
    "name": Column("Customer", pinned=True),
    "rank": Column("Rank", "number", format="%d", pinned=True),
    "gross_margin_12m_usd": Column("Gross margin, 12 months (USD)", "money", help=_TWELVE_MONTHS),
    "churn_date": Column("Churned on", "date"),
    # survey answers and comments
    "nps": Column("NPS", "number", help="Likelihood to recommend, 0-10.", format="%d", width=45),
    "latest_nps": Column("Latest NPS answer", "number", format="%d"),
    "answered_on": Column("Answered on", "date"),
    "comment": Column("Comment", width="large"),
    "date": Column("Date", "date"),
    "opened": Column("Opened", "date"),
    "age_days": Column("Age (days)", "number"),
    # the scorecard's statement (display-ready text per measure)
    "Measure": Column("Measure", width=205, pinned=True),
    "Period": Column("Period", help="The period each row answers for.", width=70),
    "Actual": Column("Actual", width=75),
    "Status": Column("Status", help="Against the target; a miss within noise: Watch.", width=85),
    "Prior": Column("Prior", help="The prior period (the month before, monthly rows).", width=70),
    "Change": Column(
        "Change", help="Against the prior period; significant when the 95% test says it is not noise.", width=160
    ),
    "Target": Column("Target", width=70),
    "Variance": Column("Vs target", help="Actual minus target.", width=75),
    "Last year": Column("Last year", help="The same period last year.", width=70),
    "Trend": Column("Last 13 periods", "line", width=100),
    # loyalty by experience
    "grouping_label": Column("Grouped by"),
    "group": Column("Group"),
    "customers": Column("Customers (n)", "number", format="%d"),
    "churned": Column("Churned", "number", format="%d"),
    "churn_pct": Column("Churn %", "number", format="%.1f"),
    "churn_low_pct": Column("Churn low %", "number", help=_INTERVAL, format="%.1f"),
    "churn_high_pct": Column("Churn high %", "number", help=_INTERVAL, format="%.1f"),
    "repeat_purchase_pct": Column("Repeat purchase %", "number", format="%.1f"),
    "revenue_per_customer_usd": Column("Revenue per customer (USD)", "money"),
    # value by NPS group (per group: a value and, for the ROI model's inputs, its 95% interval ends)
    "revenue_per_customer_usd_low": Column("Revenue low (USD)", "money"),
    "revenue_per_customer_usd_high": Column("Revenue high (USD)", "money"),
    "revenue_growth_pct": Column("Revenue growth %", "number", format="%+.1f"),
    "churn_pct_low": Column("Churn low %", "number", format="%.1f"),
    "churn_pct_high": Column("Churn high %", "number", format="%.1f"),
    "gross_margin_pct": Column("Gross margin %", "number", format="%.1f"),
    "gross_margin_pct_low": Column("Gross margin low %", "number", format="%.1f"),
    "gross_margin_pct_high": Column("Gross margin high %", "number", format="%.1f"),
    "cost_to_serve_per_customer_usd": Column("Cost to serve per customer (USD)", "money"),
    "measured_n": Column(
        "Measured on (n)",
        "number",
        help="Customers active at the start of the 12 months the behaviour is measured on; under the minimum n it is "
        "withheld.",
        format="%d",
    ),
    # the value of a promoter per segment
    "promoters": Column("Promoters (n)", "number", format="%d"),
    "detractors": Column("Detractors (n)", "number", format="%d"),
    "revenue_per_promoter_usd": Column("Revenue per promoter (USD)", "money"),
    "revenue_per_detractor_usd": Column("Revenue per detractor (USD)", "money"),
    "premium_usd": Column("Promoter minus detractor (USD)", "money"),
    "premium_low_usd": Column("Low (USD)", "money", help=_INTERVAL),
    "premium_high_usd": Column("High (USD)", "money", help=_INTERVAL),
    "detractors_now": Column(
        "Detractors now (n)",
        "number",
        help="Detractors active at the end of the 12 months: they weight the headline.",
        format="%d",
    ),
    "weight_pct": Column("Weight %", "number", format="%.1f"),
    "clv_usd": Column("Lifetime value (USD)", "money"),
    # customers at risk
    "risk_score": Column("Risk score", "progress", format="%.0f", min_value=0, max_value=RISK_SCORE_MAX),
    "nps_points": Column("NPS pts", "number", format="%.0f"),
    "complaint_points": Column("Complaint pts", "number", format="%.0f"),
    "revenue_points": Column("Revenue pts", "number", format="%.1f"),
    "follow_up_points": Column("Follow-up pts", "number", format="%.0f"),
    "nps_group": Column("Latest NPS category"),
    "complaints_12m": Column("Complaints, 12 months", "number", format="%d"),
    "lost_complaints_12m": Column("Lost complaints", "number", format="%d"),
    "revenue_change_pct": Column(
        "Revenue change %", "number", help="Last 3 months against the same months a year earlier.", format="%+.0f"
    ),
    "open_follow_ups": Column("Open follow-ups", "number", format="%d"),
    "follow_up_owner": Column(
        "Follow-up owner", help="Owner of the customer's most recent survey follow-up; unassigned without one."
    ),
    # complaints by process or category
    "Per 1,000 customers": Column(
        "Per 1,000 customers", "number", help="Complaints opened per 1,000 active customers."
    ),
    "Median days to resolve": Column(
        "Median days to resolve", "number", help="Of the complaints resolved in the period."
    ),
    "Recovered %": Column(
        "Recovered %",
        help="Resolved complaints whose customer was recovered rather than lost; withheld below the minimum n.",
    ),
    "Recovered or lost": Column(
        "Recovered or lost", "number", help="n of the recovery rate: complaints resolved as recovered or lost."
    ),
    "Resolved": Column("Resolved", "number", help="n: complaints resolved as recovered or lost, or open."),
    # employee engagement by unit
    "unit": Column("Unit"),
    "headcount": Column("Headcount", "number"),
    "enps": Column("eNPS", "number"),
    "engagement_index": Column("Engagement index", "number"),
    "unit_nps": Column("NPS", "number", help="Empty when the month has fewer responses than the minimum n."),
    "unit_nps_n": Column("NPS n", "number", help="Responses behind the unit's NPS this month."),
    "link_months": Column("Months", "number", help="Months the unit's correlation rests on (n)."),
    "link_r": Column("r", "number", help="Correlation of the employee measure with NPS over the unit's months."),
    "link_r_interval": Column("95% interval of r"),
    "link": Column("Link"),
    # loaded tables and rejected rows
    "table": Column("Table"),
    "rows": Column("Rows", "number", format="localized"),
    "first_date": Column("From", "date"),
    "last_date": Column("To", "date"),
    "last_loaded_at": Column("Last loaded", "datetime", format=_MINUTES),
    "loaded_at": Column("Load", "datetime", format=_MINUTES),
    "source_file": Column("Source file", help="File of the last load"),
    "required": Column("Required", "check"),
    "used_for": Column("Needed for"),
    "line": Column("Line / row", "number", format="%d"),
    # data quality (cxmetrics/quality)
    "cadence": Column("Cadence", help="How often the table is expected to be loaded."),
    "covered_until": Column("Covers to", "date", help="Its last date; for a monthly table, the end of its last month."),
    "days_behind": Column("Days behind", "number", format="%d", help="Days from where it covers to the freshness day."),
    "status": Column("Status", help="fresh, late or stale against the table's cadence (CX_QUALITY_* settings)."),
    "slice": Column("Slice"),
    "week_responses": Column("This week", "number", format="localized", help="Responses in the review week."),
    "usual_responses": Column("Usual week", "number", format="localized", help="Median week of the baseline."),
    "change_pct": Column("Change %", "number", format="%.0f%%"),
    "relative_change_pct": Column(
        "Beyond the others %", "number", format="%.0f%%", help="The slice's change beyond that of the other responses."
    ),
    "flagged": Column("Flagged", "check"),
    "survey": Column("Survey"),
    "score": Column("Score"),
    "missing_pct": Column("Unanswered %", "number", format="%.1f%%", help="Share of the week's responses."),
    "usual_missing_pct": Column("Usually unanswered %", "number", format="%.1f%%", help="Share in the baseline."),
    "missing_flagged": Column("Unanswered flagged", "check"),
    "distance": Column(
        "Shift", "number", format="%.2f", help="Total variation distance of the week's answers from the baseline's."
    ),
    "p_value": Column("p", "number", format="%.4f", help="Chi-square test of the same distribution."),
    "shift_flagged": Column("Shift flagged", "check"),
    "rows_read": Column("Rows read", "number", format="localized"),
    "rejected": Column("Rejected", "number", format="localized"),
    "rejected_pct": Column("Rejected %", "number", format="%.1f%%"),
    "latest": Column("Latest load", "check", help="The table's latest load."),
    "file": Column("File"),
    "column": Column("Column"),
    "value": Column("Value"),
    "reason": Column("Reason", width="large"),
    "loaded_by": Column("Loaded by", help="The signed-in person, or the system user for the command line."),
    "inserted": Column("Added", "number", format="localized"),
    "updated": Column("Replaced", "number", format="localized"),
    "unchanged": Column("Unchanged", "number", format="localized"),
    # uploads: what a load would do (the dry run) or did
    "add": Column("Add", "number", format="localized", help="Rows whose key is new."),
    "replace": Column("Replace", "number", format="localized", help="Rows whose key exists with other values."),
    "drop": Column("Drop", "number", format="localized", help="Test, preview and unfinished survey responses."),
    "reject": Column("Reject", "number", format="localized", help="Rows that break a rule (reasons below)."),
    # targets, events and their edit history
    "metric": Column("Metric", help="Metric id from the metric registry (the Scorecard's rows)."),
    "period_start": Column("From", "date", help="First day of the period the target applies from."),
    "grain": Column("Grain", help="week, month, quarter or year"),
    "target": Column(
        "Target", "number", format="localized", help="In the metric's unit: NPS points, % for rates, USD for money."
    ),
    "event_id": Column("Event id", help="Given automatically to a new event."),
    "event_date": Column("Date", "date"),
    "title": Column("Title", help="Shown on every trend chart."),
    "description": Column("Description", width="large"),
    "changed_at": Column("Changed (UTC)", "datetime", format=_MINUTES),
    "changed_by": Column("Changed by"),
    "table_name": Column("Table"),
    "row_key": Column("Row", help="A target's metric, grain, start and slice, or an event's id.", width="large"),
    "change": Column("Change"),
    "column_name": Column("Column"),
    "old_value": Column("Old value"),
    "new_value": Column("New value"),
    "sentiment": Column("Sentiment", width=75),
    "themes": Column("Themes", width=200),
    # comment themes and listening posts (figures shown as text)
    "Theme": Column("Theme", width=200, pinned=True),
    "Mentions": Column("Mentions", width=75),
    "Share of comments %": Column("Share", help="Share of comments.", width=65),
    "Share change pts": Column("Change", help="Change of the share against the prior window, points.", width=65),
    "Sentiment": Column("Sentiment", help="Mean VADER compound score, -1 negative .. +1 positive.", width=75),
    "Negative %": Column("Negative", help="Share of negative comments.", width=70),
    "NPS mentioning": Column("NPS with", help="NPS of the responses whose comment mentions the theme.", width=70),
    "NPS n": Column("n", help="NPS answers among the comments mentioning the theme.", width=55),
    "NPS of the rest": Column("NPS rest", help="NPS of the other responses with a comment.", width=70),
    "NPS gap": Column(
        "NPS gap",
        help="Mentioning minus the rest; significant when the 95% test (adjusted Wald) says it is not noise.",
        width=200,
    ),
    "Share of all voices %": Column(
        "Share of all voices", help="Of every comment, contact, complaint and social post in the window."
    ),
    "Change vs prior %": Column("Change vs prior", help="Volume against the prior window."),
    "Reach": Column("Reach", help="Social posts: audience reached (followers or views)."),
    "Sentiment n": Column("Sentiment n", "number", help="Texts scored for sentiment: the n of sentiment, negative %."),
    # complaints behind a journey cell
    "category": Column("Complaint category"),
    "complaints": Column("Complaints", "number", format="%d"),
    "lost": Column("Lost (not recovered)", "number", format="%d"),
    "still_open": Column("Still open", "number", format="%d"),
    # key drivers: relative weights beside Shapley values
    "Relative weight": Column("Relative weight", "number", format="%.4f"),
    "95% low": Column("95% low", "number", format="%.4f"),
    "95% high": Column("95% high", "number", format="%.4f"),
    "Shapley value": Column("Shapley value", "number", format="%.4f"),
    "Share of R² (%)": Column("Share of R² (%)", "number", format="%.1f"),
}


def column(name: str) -> Column | None:
    """The declaration of column `name`, or None when it has none (shown under its own name)."""
    return COLUMNS.get(name)


def labels(names: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Column name -> its label, for CSV headers and plain tables (undeclared names keep their own)."""
    return {name: COLUMNS[name].label if name in COLUMNS else name for name in names}
