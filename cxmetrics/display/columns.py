"""Every table column the reports show, declared once by its column name: label, kind, format, help and width.

Pages never configure a column themselves: `ui.table` looks each shown column up here, so the same column has the
same label, format and help on every page (`revenue_12m_usd` reads "Revenue, 12 months (USD)" wherever it appears).
A column that is not declared is shown under its own name.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("text", "number", "money", "date", "datetime", "line", "check", "progress")


@dataclass(frozen=True)
class Column:
    """How one column is shown: `kind` picks the cell type; `format` is a Streamlit number or date format."""

    label: str
    kind: str = "text"
    help: str | None = None
    format: str | None = None
    width: int | str | None = None
    pinned: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.label!r}: unknown kind {self.kind!r}; one of {', '.join(KINDS)}")


_TWELVE_MONTHS = "Over the 12 closed months to the day shown."

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
    "account_owner": Column("Account owner"),
    "name": Column("Name"),
    "revenue_12m_usd": Column("Revenue, 12 months (USD)", "money", help=_TWELVE_MONTHS),
    "gross_margin_12m_usd": Column("Gross margin, 12 months (USD)", "money", help=_TWELVE_MONTHS),
    "churn_date": Column("Churned on", "date"),
    # customers grouped by NPS (per group: a value and, for the ROI model's inputs, its 95% interval ends)
    "customers": Column("Customers (n)", "number", format="%d"),
    "revenue_per_customer_usd": Column("Revenue per customer (USD)", "money", format="localized"),
    "revenue_per_customer_usd_low": Column("Revenue low (USD/yr)", "money", format="localized"),
    "revenue_per_customer_usd_high": Column("Revenue high (USD/yr)", "money", format="localized"),
    "revenue_growth_pct": Column("Revenue growth (%)", "number", format="%+.1f%%"),
    "churn_pct": Column("Churn (%)", "number", format="%.1f%%"),
    "churn_pct_low": Column("Churn low (%)", "number", format="%.1f%%"),
    "churn_pct_high": Column("Churn high (%)", "number", format="%.1f%%"),
    "gross_margin_pct": Column("Gross margin (%)", "number", format="%.1f%%"),
    "gross_margin_pct_low": Column("Margin low (%)", "number", format="%.1f%%"),
    "gross_margin_pct_high": Column("Margin high (%)", "number", format="%.1f%%"),
    "cost_to_serve_per_customer_usd": Column("Cost to serve per customer (USD)", "money", format="localized"),
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
}


def column(name: str) -> Column | None:
    """The declaration of column `name`, or None when it has none (shown under its own name)."""
    return COLUMNS.get(name)


def labels(names: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Column name -> its label, for CSV headers and plain tables (undeclared names keep their own)."""
    return {name: COLUMNS[name].label if name in COLUMNS else name for name in names}
