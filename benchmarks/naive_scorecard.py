"""The scorecard's numbers computed the naive way: read the tables into pandas and aggregate there with groupbys.

This is the baseline the engine is measured against, and an independent check of its numbers: it shares only the
period definitions (`cxmetrics.periods`) and the minimum-n setting with the engine, never its SQL or arithmetic.
Every metric function returns a frame indexed by dimension value ("" company-wide) with columns value and n.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from cxmetrics import config, periods
from cxmetrics.periods import Period

NONE_LABEL = "(none)"
DAY = pd.Timedelta(days=1)

# Only the columns the scorecard needs are read (what a careful analyst would do).
COLUMNS: dict[str, str] = {
    "responses": "response_id, customer_id, responded_at, survey, touchpoint, channel, nps, csat, ces",
    "customers": "customer_id, region, segment, signup_date, churn_date",
    "follow_ups": "response_id, closed_at",
    "customer_revenue": "customer_id, month, revenue_usd, cost_to_serve_usd",
    "financials": "month, revenue_usd, gross_margin_usd",
    "complaints": "customer_id, opened_at, resolved_at, outcome",
    "contacts": "customer_id, contacted_at, resolved_first_contact",
    "employee_engagement": "month, enps, headcount",
}


def _ratio(num: pd.Series, den: pd.Series, scale: float = 1.0) -> pd.Series:
    den = den.astype(float)
    return scale * num.astype(float) / den.where(den != 0)


def _result(value: pd.Series, n: pd.Series, min_n: int) -> pd.DataFrame:
    """value and n, the value withheld below the minimum n."""
    n = n.astype(float)
    return pd.DataFrame({"value": value.where(n >= min_n), "n": n})


def _div(num: float, den: float, scale: float = 1.0) -> float:
    return scale * float(num) / float(den) if den else float("nan")


def _one(value: float, n: float, min_n: int) -> pd.DataFrame:
    """A company-wide result: one row ''."""
    return pd.DataFrame({"value": [value if n >= min_n else float("nan")], "n": [float(n)]}, index=[""])


def _in(frame: pd.DataFrame, column: str, period: Period) -> pd.DataFrame:
    """Rows whose `column` falls in the period (its start day to the end of its end day)."""
    start, stop = pd.Timestamp(period.start), pd.Timestamp(period.end) + DAY
    return frame[(frame[column] >= start) & (frame[column] < stop)]


def _sums(rows: pd.DataFrame, columns: list[str], by: str | None) -> pd.DataFrame:
    """Column sums, per value of `by` (missing values labelled) or in one company-wide row ''."""
    if by is None:
        return rows[columns].sum().to_frame("").T
    return rows.groupby(rows[by].astype(object).fillna(NONE_LABEL))[columns].sum()


class NaiveScorecard:
    """The statement's metrics from pandas frames; `prepare` work (joins, flags) counts in the naive time."""

    def __init__(self, tables: dict[str, pd.DataFrame]):
        self.min_n = config.get("CX_MIN_N")
        self._periods: dict[tuple[str, Period], pd.DataFrame] = {}
        customers = tables["customers"]
        self.customers = customers.assign(one=1)
        self.responses = self._responses(tables["responses"], customers, tables["follow_ups"])
        self.revenue = tables["customer_revenue"]
        self.financials = tables["financials"].assign(
            rows=1, margin_revenue=lambda f: f["revenue_usd"].where(f["gross_margin_usd"].notna())
        )
        complaints = tables["complaints"]
        self.complaints = complaints.assign(
            one=1,
            closed=complaints["outcome"].isin(["recovered", "lost"]),
            recovered=complaints["outcome"] == "recovered",
        )
        contacts = tables["contacts"]
        self.contacts = contacts.assign(
            flagged=contacts["resolved_first_contact"].notna(),
            resolved=contacts["resolved_first_contact"].fillna(False).astype(bool),
        )
        engagement = tables["employee_engagement"]
        counted = engagement["enps"].notna()
        self.engagement = engagement.assign(
            enps_x_headcount=(engagement["enps"] * engagement["headcount"]).where(counted, 0.0),
            enps_headcount=engagement["headcount"].where(counted, 0),
        )

    def _responses(self, responses, customers, follow_ups) -> pd.DataFrame:
        """Responses with their customer's region and segment, answer flags and the detractor follow-up flags."""
        frame = responses.merge(customers[["customer_id", "region", "segment"]], on="customer_id", how="left")
        frame = frame.merge(follow_ups, on="response_id", how="left")
        last_day = frame["responded_at"].max().normalize()
        day = frame["responded_at"].dt.normalize()
        # End of the 2nd business day: +4 days Thursday and Friday, +3 Saturday, +2 otherwise.
        deadline = day + pd.to_timedelta(frame["responded_at"].dt.dayofweek.map({3: 4, 4: 4, 5: 3}).fillna(2), "D")
        due = (frame["nps"] <= 6) & frame["customer_id"].notna() & (deadline <= last_day)
        survey = {name: frame["survey"] == name for name in ("relationship", "transactional")}
        return frame.assign(
            one=1,
            nps_n=frame["nps"].notna(),
            promoters=frame["nps"] >= 9,
            detractors=frame["nps"] <= 6,
            **{f"{name}_n": frame["nps"].notna() & chosen for name, chosen in survey.items()},
            **{f"{name}_promoters": (frame["nps"] >= 9) & chosen for name, chosen in survey.items()},
            **{f"{name}_detractors": (frame["nps"] <= 6) & chosen for name, chosen in survey.items()},
            **{
                f"{name}_net": ((frame["nps"] >= 9) & chosen).fillna(False).astype(int)
                - ((frame["nps"] <= 6) & chosen).fillna(False).astype(int)
                for name, chosen in survey.items()
            },
            csat_n=frame["csat"].notna(),
            satisfied=frame["csat"] >= 4,
            ces_n=frame["ces"].notna(),
            ces_total=frame["ces"].fillna(0),
            ces_squares=frame["ces"].fillna(0) ** 2,
            net=(frame["nps"] >= 9).fillna(False).astype(int) - (frame["nps"] <= 6).fillna(False).astype(int),
            due=due,
            in_time=due & (frame["closed_at"].dt.normalize() <= deadline),
        )

    def responses_in(self, period: Period, region: str | None = None) -> pd.DataFrame:
        """The responses of a period (kept for the other metrics of the same period), optionally of one region."""
        key = ("responses", period)
        if key not in self._periods:
            self._periods[key] = _in(self.responses, "responded_at", period)
        rows = self._periods[key]
        return rows if region is None else rows[rows["region"] == region]

    # --- survey metrics ------------------------------------------------------------------------------------------

    def nps(self, period: Period, by: str | None = None) -> pd.DataFrame:
        s = _sums(self.responses_in(period), ["nps_n", "promoters", "detractors"], by)
        return _result(_ratio(s["promoters"] - s["detractors"], s["nps_n"], 100), s["nps_n"], self.min_n)

    def _survey_nps(self, survey: str, period: Period, by: str | None) -> pd.DataFrame:
        columns = [f"{survey}_n", f"{survey}_promoters", f"{survey}_detractors"]
        s = _sums(self.responses_in(period), columns, by)
        return _result(_ratio(s[columns[1]] - s[columns[2]], s[columns[0]], 100), s[columns[0]], self.min_n)

    def relationship_nps(self, period: Period, by: str | None = None) -> pd.DataFrame:
        return self._survey_nps("relationship", period, by)

    def transactional_nps(self, period: Period, by: str | None = None) -> pd.DataFrame:
        return self._survey_nps("transactional", period, by)

    def csat(self, period: Period, by: str | None = None) -> pd.DataFrame:
        s = _sums(self.responses_in(period), ["csat_n", "satisfied"], by)
        return _result(_ratio(s["satisfied"], s["csat_n"], 100), s["csat_n"], self.min_n)

    def ces(self, period: Period, by: str | None = None) -> pd.DataFrame:
        s = _sums(self.responses_in(period), ["ces_n", "ces_total"], by)
        return _result(_ratio(s["ces_total"], s["ces_n"]), s["ces_n"], self.min_n)

    def responses_count(self, period: Period, by: str | None = None) -> pd.DataFrame:
        s = _sums(self.responses_in(period), ["one"], by)
        return _result(s["one"].astype(float), s["one"], 0)

    def follow_up_2bd(self, period: Period, by: str | None = None) -> pd.DataFrame:
        s = _sums(self.responses_in(period), ["due", "in_time"], by)
        return _result(_ratio(s["in_time"], s["due"], 100), s["due"], self.min_n)

    # --- customers and revenue (monthly: `period` is already the month basis) --------------------------------------

    def _cohort(self, period: Period) -> tuple[float, float, float]:
        """(cohort, retained, churned): customers active at the start of the trailing 12 months ending at `period`."""
        end = pd.Timestamp(period.end)
        year_start = end + DAY - pd.DateOffset(months=12)
        c = self.customers
        churn = c["churn_date"]
        cohort = c[(c["signup_date"] < year_start) & (churn.isna() | (churn >= year_start))]
        churned = int((cohort["churn_date"] <= end).sum())
        return float(len(cohort)), float(len(cohort) - churned), float(churned)

    def logo_retention(self, period: Period, by: str | None = None) -> pd.DataFrame:
        cohort, retained, _ = self._cohort(period)
        return _one(_div(retained, cohort, 100), cohort, self.min_n)

    def churn_rate(self, period: Period, by: str | None = None) -> pd.DataFrame:
        cohort, _, churned = self._cohort(period)
        return _one(_div(churned, cohort, 100), cohort, self.min_n)

    def nrr(self, period: Period, by: str | None = None) -> pd.DataFrame:
        """Revenue in the period's last month from the customers active when the same month a year before began,
        against their revenue then."""
        month = pd.Timestamp(period.end).replace(day=1)
        year_ago = month - pd.DateOffset(months=12)
        c, r = self.customers, self.revenue
        churn = c["churn_date"]
        cohort = c.loc[(c["signup_date"] < year_ago) & (churn.isna() | (churn >= year_ago)), "customer_id"]
        then, now = (r[r["month"] == m].groupby("customer_id")["revenue_usd"].sum() for m in (year_ago, month))
        value = _div(now.reindex(cohort).fillna(0).sum(), then.reindex(cohort).fillna(0).sum(), 100)
        first = r["month"].min()
        covered = (month.year - first.year) * 12 + month.month - first.month + 1 if len(r) else 0
        return _one(value if covered >= 13 else float("nan"), len(cohort), 0)  # withheld without 13 months of data

    def repeat_purchase_rate(self, period: Period, by: str | None = None) -> pd.DataFrame:
        r = self.revenue
        bought = r[r["revenue_usd"] > 0]
        next_month = bought.assign(month=bought["month"] + pd.DateOffset(months=1))
        due = _in(next_month, "month", period)
        again = due.merge(bought[["customer_id", "month"]].assign(repeated=1), on=["customer_id", "month"], how="left")
        repeated = again["repeated"].notna().sum()
        return _one(_div(repeated, len(again), 100), len(again), self.min_n)

    def cost_to_serve(self, period: Period, by: str | None = None) -> pd.DataFrame:
        cost = _in(self.revenue, "month", period)["cost_to_serve_usd"]
        return _one(_div(cost.sum(), cost.notna().sum()), cost.notna().sum(), 0)

    def revenue_total(self, period: Period, by: str | None = None) -> pd.DataFrame:
        s = _sums(_in(self.financials, "month", period), ["revenue_usd", "rows"], by)
        return _result(s["revenue_usd"].astype(float), s["rows"], 0)

    def gross_margin_pct(self, period: Period, by: str | None = None) -> pd.DataFrame:
        s = _sums(_in(self.financials, "month", period), ["gross_margin_usd", "margin_revenue", "rows"], by)
        return _result(_ratio(s["gross_margin_usd"], s["margin_revenue"], 100), s["rows"], 0)

    def enps(self, period: Period, by: str | None = None) -> pd.DataFrame:
        s = _sums(_in(self.engagement, "month", period), ["enps_x_headcount", "enps_headcount"], by)
        return _result(_ratio(s["enps_x_headcount"], s["enps_headcount"]), s["enps_headcount"], 0)

    # --- operations ------------------------------------------------------------------------------------------------

    def complaints_per_1000(self, period: Period, by: str | None = None) -> pd.DataFrame:
        opened = len(_in(self.complaints, "opened_at", period))
        c = self.customers
        start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
        active = ((c["signup_date"] <= end) & (c["churn_date"].isna() | (c["churn_date"] >= start))).sum()
        return _one(_div(opened, active, 1000), active, 0)

    def complaint_recovery_rate(self, period: Period, by: str | None = None) -> pd.DataFrame:
        s = _sums(_in(self.complaints, "resolved_at", period), ["closed", "recovered"], by)
        return _result(_ratio(s["recovered"], s["closed"], 100), s["closed"], self.min_n)

    def fcr_rate(self, period: Period, by: str | None = None) -> pd.DataFrame:
        s = _sums(_in(self.contacts, "contacted_at", period), ["flagged", "resolved"], by)
        return _result(_ratio(s["resolved"], s["flagged"], 100), s["flagged"], self.min_n)

    # --- sums of the survey scores (the "what changed" cells) and the weekly NPS -----------------------------------

    SCORE_SUMS = {
        "nps": {"n": "nps_n", "promoters": "promoters", "detractors": "detractors"},
        "relationship_nps": {
            "n": "relationship_n",
            "promoters": "relationship_promoters",
            "detractors": "relationship_detractors",
        },
        "transactional_nps": {
            "n": "transactional_n",
            "promoters": "transactional_promoters",
            "detractors": "transactional_detractors",
        },
        "csat": {"n": "csat_n", "satisfied": "satisfied"},
        "ces": {"n": "ces_n", "total": "ces_total", "squares": "ces_squares"},
    }

    # Each score's per-customer ratio (y, x): the customer's total and number of answers.
    SCORE_RATIOS = {
        "nps": ("net", "nps_n"),
        "relationship_nps": ("relationship_net", "relationship_n"),
        "transactional_nps": ("transactional_net", "transactional_n"),
        "csat": ("satisfied", "csat_n"),
        "ces": ("ces_total", "ces_n"),
    }

    def score_sums(self, metric_id: str, period: Period, by: str | None, region: str | None = None) -> pd.DataFrame:
        """A survey score's sums (named as the engine names them) per value of `by`, optionally in one region."""
        names = self.SCORE_SUMS[metric_id]
        rows = self.responses_in(period, region)
        sums = _sums(rows, list(names.values()), by)
        sums = sums.rename(columns={v: k for k, v in names.items()}).astype(float)
        if metric_id == "ces":  # a sum over no answers is missing, as in SQL
            sums[["total", "squares"]] = sums[["total", "squares"]].where(sums["n"] > 0)
        return sums.join(self._per_customer(rows, metric_id, by))

    def _per_customer(self, rows: pd.DataFrame, metric_id: str, by: str | None) -> pd.DataFrame:
        """The per-customer sums of a score (each anonymous response a customer of its own) per value of `by`."""
        y, x = self.SCORE_RATIOS[metric_id]
        key = rows["customer_id"].astype(object).where(rows["customer_id"].notna(), "response " + rows["response_id"])
        groups = [key] if by is None else [rows[by].astype(object).fillna(NONE_LABEL), key]
        totals = rows.groupby(groups)[[y, x]].sum().astype(float)
        cells = pd.DataFrame(
            {
                "cluster_squares": totals[y] ** 2,
                "cluster_products": totals[y] * totals[x],
                "cluster_sizes": totals[x] ** 2,
                "clusters": (totals[x] > 0).astype(float),
            }
        )
        return cells.sum().to_frame("").T if by is None else cells.groupby(level=0).sum()

    def nps_value(self, sums: pd.Series) -> float:
        """NPS from a row of nps_n, promoters and detractors; missing below the minimum n."""
        n = float(sums["nps_n"])
        return 100 * (sums["promoters"] - sums["detractors"]) / n if n >= self.min_n and n > 0 else float("nan")

    def weekly_nps(self) -> pd.DataFrame:
        """The headline (relationship) NPS sums per ISO week (indexed by the week's Monday), every week of the data,
        as nps_n, promoters and detractors."""
        week = self.responses["responded_at"].dt.normalize()
        week = week - pd.to_timedelta(week.dt.dayofweek, unit="D")
        columns = {"relationship_n": "nps_n", "relationship_promoters": "promoters"}
        columns |= {"relationship_detractors": "detractors"}
        return self.responses.groupby(week)[list(columns)].sum().astype(float).rename(columns=columns)

    # --- by metric id ----------------------------------------------------------------------------------------------

    def metric(self, metric_id: str) -> tuple[Callable[[Period, str | None], pd.DataFrame], bool]:
        """The function computing `metric_id` and whether it answers for the period's month basis."""
        event = {
            "nps": self.nps,
            "relationship_nps": self.relationship_nps,
            "transactional_nps": self.transactional_nps,
            "csat": self.csat,
            "ces": self.ces,
            "responses": self.responses_count,
            "follow_up_2bd": self.follow_up_2bd,
            "complaints_per_1000": self.complaints_per_1000,
            "complaint_recovery_rate": self.complaint_recovery_rate,
            "fcr_rate": self.fcr_rate,
        }
        monthly = {
            "logo_retention": self.logo_retention,
            "churn_rate": self.churn_rate,
            "nrr": self.nrr,
            "repeat_purchase_rate": self.repeat_purchase_rate,
            "revenue": self.revenue_total,
            "gross_margin_pct": self.gross_margin_pct,
            "cost_to_serve": self.cost_to_serve,
            "enps": self.enps,
        }
        if metric_id in event:
            return event[metric_id], False
        return monthly[metric_id], True

    def value(self, metric_id: str, period: Period, by: str | None = None) -> pd.DataFrame:
        """value and n of a metric for a period (monthly metrics: for the period's month basis), per dim value."""
        compute, monthly = self.metric(metric_id)
        return compute(periods.month_basis(period) if monthly else period, by)


def as_float(x) -> float:
    """A plain float (NaN for missing)."""
    return float("nan") if x is None or pd.isna(x) else float(x)
