"""Service effectiveness: how well customer service helps customers (first-contact resolution, repeat contacts, CSAT
and CES after a contact) next to what it costs (handle time, cost per contact), by contact channel and reason.

Two aggregate queries over the period, both through the global filters and the access scope:
- contacts: counts, first-contact resolution, handle minutes, cost, and repeat contacts (the same customer contacting
  about the same reason again within 7 days of an earlier contact: the first one did not solve it);
- support survey responses (touchpoint 'support') attributed to the customer's latest contact in the 7 days before
  the response, for CSAT and CES by that contact's channel and reason (the as-of join is made once, at load, in the
  fact table `facts.SUPPORT_ATTRIBUTION`, or over raw rows without it).
Both are grouped by channel, by reason and in total (grouping sets); the arithmetic is in `effectiveness`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.display import withheld
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import get_metric, minimum_n
from cxmetrics.metrics.sources import CONTACTS, RESPONSES
from cxmetrics.periods import Period
from cxmetrics.query import facts, rollups
from cxmetrics.query.aggregate import scoped
from cxmetrics.stats import intervals as stats

REPEAT_DAYS = 7
ATTRIBUTION_DAYS = facts.ATTRIBUTION_DAYS
SUPPORT = facts.SUPPORT
TOTAL = "All contacts"
_FCR, _CSAT, _CES, _COST = (get_metric(m) for m in ("fcr_rate", "csat", "ces", "cost_per_contact"))
LENSES = ("channel", "reason")

# The registry's measures of contacts (alias t) and of survey answers (alias r), selected over the relations below.
_CONTACT_SUMS = f"""
    count(*) AS contacts,
    {CONTACTS.measures["flagged"]} AS flagged,
    {CONTACTS.measures["resolved_first_time"]} AS resolved,
    sum(t.handle_minutes) AS handle_minutes,
    count(t.handle_minutes) AS timed,
    {CONTACTS.measures["cost_usd"]} AS cost_usd,
    {CONTACTS.measures["costed"]} AS costed,
    count(*) FILTER (WHERE t.previous_at >= t.contacted_at - INTERVAL (CAST($repeat_days AS INTEGER)) DAY) AS repeats
"""
_SUPPORT_SUMS = ", ".join(
    f"{RESPONSES.measures[measure]} AS {name}"
    for name, measure in (
        ("csat_n", "csat_answers"),
        ("satisfied", "satisfied"),
        ("ces_n", "ces_answers"),
        ("ces_total", "ces_total"),
        ("ces_squares", "ces_squares"),
    )
)


def _grouped(select: str) -> str:
    """Grouping sets by channel, by reason and in total, labelled by lens."""
    return (
        f"SELECT CASE WHEN grouping(channel) = 0 THEN 'channel' WHEN grouping(reason) = 0 THEN 'reason' "
        f"ELSE 'total' END AS lens, coalesce(channel, reason, '{TOTAL}') AS value, {select} "
        "GROUP BY GROUPING SETS ((channel), (reason), ())"
    )


def contact_sums(conn: Connection, filters: Filters, period: Period) -> pd.DataFrame:
    """Contact counts and sums by channel, by reason and in total for the period (repeats look back 7 days)."""
    params = {"t0": period.start, "t1": period.end + timedelta(days=1), "repeat_days": REPEAT_DAYS}
    join_sql, where, params = scoped(CONTACTS, filters, params)
    sql = (
        "WITH base AS (SELECT t.channel, t.reason, t.resolved_first_contact, t.handle_minutes, t.cost_usd, "  # noqa: S608
        "t.contacted_at, CASE WHEN t.customer_id IS NOT NULL THEN lag(t.contacted_at) OVER "
        "(PARTITION BY t.customer_id, t.reason ORDER BY t.contacted_at) END AS previous_at "
        f"FROM {CONTACTS.from_sql} {join_sql} "
        "WHERE t.contacted_at >= $t0 - INTERVAL (CAST($repeat_days AS INTEGER)) DAY "
        f"AND t.contacted_at < $t1 AND {where}) " + _grouped(_CONTACT_SUMS + " FROM base t WHERE t.contacted_at >= $t0")
    )
    return conn.execute(sql, params).df()


def support_sums(conn: Connection, filters: Filters, period: Period) -> pd.DataFrame:
    """CSAT and CES sums of support survey responses by the channel and reason of the contact they follow."""
    params = {"t0": period.start, "t1": period.end + timedelta(days=1)}
    join_sql, where, params = scoped(RESPONSES, filters, params)
    sql = (
        "WITH attributed AS (SELECT r.contact_channel AS channel, r.contact_reason AS reason, r.csat, r.ces "  # noqa: S608
        f"FROM {rollups.relation(conn, facts.SUPPORT_ATTRIBUTION)} r {join_sql} WHERE r.attributed "
        f"AND r.responded_at >= $t0 AND r.responded_at < $t1 AND {where}) "
        + _grouped(f"{_SUPPORT_SUMS} FROM attributed r")
    )
    return conn.execute(sql, params).df()


def support_total(conn: Connection, filters: Filters, period: Period) -> int:
    """Support survey responses in the period (attributed to a contact or not), for the attribution share."""
    params = {"t0": period.start, "t1": period.end + timedelta(days=1)}
    join_sql, where, params = scoped(RESPONSES, filters, params)
    sql = (
        f"SELECT count(*) FROM {rollups.relation(conn, facts.SUPPORT_ATTRIBUTION)} r {join_sql} "  # noqa: S608
        f"WHERE r.responded_at >= $t0 AND r.responded_at < $t1 AND {where}"
    )
    return int(conn.execute(sql, params).fetchone()[0])


def effectiveness(contacts: pd.DataFrame, support: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """One row per lens and value: contacts, FCR % with its Wilson interval (over the contacts flagged), repeat contact
    %, CSAT % and CES after a contact (withheld under the minimum n), handle minutes and cost per contact (pure: from
    the sums)."""
    merged = contacts.merge(support, on=["lens", "value"], how="left")
    for column in ("csat_n", "satisfied", "ces_n", "ces_total", "ces_squares"):
        merged[column] = merged[column].fillna(0).astype(float)
    fcr, low, high = _FCR.estimate.estimate({"n": merged["flagged"], "resolved": merged["resolved"]})
    csat = _CSAT.estimate.estimate({"n": merged["csat_n"], "satisfied": merged["satisfied"]})[0]
    ces_sums = {"n": merged["ces_n"], "total": merged["ces_total"], "squares": merged["ces_squares"]}
    ces = _CES.estimate.estimate(ces_sums)[0]
    return pd.DataFrame(
        {
            "lens": merged["lens"],
            "value": merged["value"],
            "contacts": merged["contacts"].astype("int64"),
            "flagged": merged["flagged"].astype("int64"),
            "fcr_pct": np.where(merged["flagged"] >= min_n, fcr, np.nan),
            "fcr_low_pct": np.where(merged["flagged"] >= min_n, low, np.nan),
            "fcr_high_pct": np.where(merged["flagged"] >= min_n, high, np.nan),
            "repeat_pct": 100 * stats.ratio(merged["repeats"], merged["contacts"]),
            "repeats": merged["repeats"].astype("int64"),
            "csat_pct": np.where(merged["csat_n"] >= min_n, csat, np.nan),
            "csat_n": merged["csat_n"].astype("int64"),
            "ces": np.where(merged["ces_n"] >= min_n, ces, np.nan),
            "ces_n": merged["ces_n"].astype("int64"),
            "handle_minutes": stats.ratio(merged["handle_minutes"], merged["timed"]),
            "cost_per_contact_usd": _COST.estimate.estimate(
                {"cost_usd": merged["cost_usd"], "costed": merged["costed"]}
            )[0],
        }
    )


# What each figure of the service table rests on; repeats are a share of the contacts (withheld with it).
SERVICE_RULES: tuple[withheld.Rule, ...] = (
    withheld.Rule("flagged", ("fcr_pct", "fcr_low_pct", "fcr_high_pct"), metric="fcr_rate"),
    withheld.Rule("contacts", ("repeat_pct",), ("repeats",)),
    withheld.Rule("csat_n", ("csat_pct",), metric="csat"),
    withheld.Rule("ces_n", ("ces",), metric="ces"),
)
SERVICE_EXACT = ("lens", "value", "handle_minutes", "cost_per_contact_usd")
# The shown tables: FCR and repeats rest on the contacts (FCR on the flagged ones, never more); the CSAT and CES
# cells carry their own n, rendered from the withheld table.
DISPLAY_RULES: tuple[withheld.Rule, ...] = (withheld.Rule("Contacts", ("FCR % (95% interval)", "Repeat contacts %")),)


def repeat_leaders(table: pd.DataFrame, count: int = 3) -> pd.DataFrame:
    """The contact reasons with the most repeat contacts, most first."""
    reasons = table[(table["lens"] == "reason") & (table["repeats"] > 0)]
    return reasons.sort_values(["repeats", "value"], ascending=[False, True]).head(count)


@dataclass(frozen=True)
class ServiceReport:
    """Everything the service-effectiveness section shows for one period."""

    period: Period
    table: pd.DataFrame
    support_responses: int
    attributed: int
    caption: str
    repeat_sentence: str


def _repeat_sentence(table: pd.DataFrame) -> str:
    leaders = repeat_leaders(table)
    if leaders.empty:
        return "No repeat contacts in the period."
    named = [
        f"{r.value} ({int(r.repeats):,} repeats, {r.repeat_pct:.1f}% of its contacts)" for r in leaders.itertuples()
    ]
    return "Most repeat contacts: " + ", ".join(named) + "."


def report(conn: Connection, filters: Filters, period: Period) -> ServiceReport:
    """The service-effectiveness table of the period (figures under the minimum n withheld), with what it rests on
    in words."""
    min_n = minimum_n()
    table = effectiveness(contact_sums(conn, filters, period), support_sums(conn, filters, period), min_n)
    table = withheld.declare(table, *SERVICE_RULES, exact=SERVICE_EXACT)
    total = table[table["lens"] == "total"]
    attributed = int(total["csat_n"].iloc[0]) if len(total) else 0
    responses = support_total(conn, filters, period)
    ignored = [d for d in sorted(filters.selections()) if d not in CONTACTS.dims]
    caption = (
        f"Contacts in {period.label}. First-contact resolution (FCR) with its 95% interval; repeat contacts: the same "
        f"customer about the same reason again within {REPEAT_DAYS} days; CSAT and CES after a contact: support "
        f"survey answers given within {ATTRIBUTION_DAYS} days of the customer's latest contact ({attributed:,} of "
        f"{responses:,} support responses); values under {min_n} answers are withheld."
    )
    if ignored:
        caption += f" The {' and '.join(ignored)} filter does not apply to contacts."
    return ServiceReport(period, table, responses, attributed, caption, _repeat_sentence(table))


DISPLAY_COLUMNS = {
    "value": "",
    "contacts": "Contacts",
    "fcr": "FCR % (95% interval)",
    "repeat_pct": "Repeat contacts %",
    "csat": "CSAT % after contact (n)",
    "ces_text": "CES after contact, 1-7 (n)",
    "handle_minutes": "Handle minutes",
    "cost_per_contact_usd": "Cost per contact USD",
}


def _with_n(values: pd.Series, counts: pd.Series, fmt: str) -> list[str]:
    """'68.9 (n=212)'; a withheld value reads '— (n=12)'."""
    return [f"{'—' if np.isnan(v) else format(v, fmt)} (n={n:,})" for v, n in zip(values, counts, strict=True)]


def display(table: pd.DataFrame, lens: str) -> pd.DataFrame:
    """The rows of one lens and the total, as shown: intervals and counts in words, rounded figures."""
    rows = table[table["lens"].isin([lens, "total"])].copy()
    rows = rows.sort_values(["lens", "contacts"], ascending=[True, False])
    rows["fcr"] = [
        "—" if np.isnan(v) else f"{v:.1f} ({lo:.1f}–{hi:.1f})"
        for v, lo, hi in zip(rows["fcr_pct"], rows["fcr_low_pct"], rows["fcr_high_pct"], strict=True)
    ]
    rows["csat"] = _with_n(rows["csat_pct"], rows["csat_n"], ".1f")
    rows["ces_text"] = _with_n(rows["ces"], rows["ces_n"], ".2f")
    shown = rows[list(DISPLAY_COLUMNS)].rename(columns=DISPLAY_COLUMNS | {"value": lens.capitalize()})
    rounding = {"Repeat contacts %": 1, "Handle minutes": 1, "Cost per contact USD": 2}
    shown = shown.round(rounding).reset_index(drop=True)
    exact = [c for c in shown.columns if c not in ("Contacts", *DISPLAY_RULES[0].columns)]
    return withheld.declare(shown, *DISPLAY_RULES, exact=exact)
