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
    "revenue_12m_usd": Column("Revenue, 12 months (USD)", "money", help=_TWELVE_MONTHS),
    # survey answers and comments
    "nps": Column("NPS", "number", help="Likelihood to recommend, 0-10.", format="%d", width=45),
    "comment": Column("Comment", width="large"),
    "date": Column("Date", "date"),
    "opened": Column("Opened", "date"),
    "age_days": Column("Age (days)", "number"),
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
