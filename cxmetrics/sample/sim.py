"""Month-by-month simulation of one chunk of customers, vectorised over the customers of the chunk."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cxmetrics.metrics import measures
from cxmetrics.sample import calendar as cal
from cxmetrics.sample import params as sp
from cxmetrics.sample.context import APAC, EMEA, TOUCHPOINT_ATTRIBUTE, TP, Context
from cxmetrics.sample.customers import Population

NEVER = 10**7
PROMOTER, PASSIVE, DETRACTOR = 0, 1, 2
PROCESSES = ("billing", "support", "product", "field_service", "sales", "onboarding")
PROCESS_ATTRIBUTE = np.array([4, 1, 0, 1, 5, 2])
CATEGORIES = (
    ("invoice error", "double charge", "billing portal"),
    ("slow response", "unresolved issue"),
    ("outage", "defect", "missing feature"),
    ("missed appointment", "technician quality"),
    ("misleading quote",),
    ("delayed setup",),
)
SEVERITY_SHARES = np.array([0.40, 0.35, 0.19, 0.06])
RESOLUTION_MEDIAN_DAYS = np.array([2.0, 4.0, 7.0, 3.0])
COMPLAINT_CHANNEL_SHARES = np.array([[0.30, 0.25, 0.10, 0.33, 0.02], [0.35, 0.30, 0.12, 0.18, 0.05]])
CONTACT_REASON_SHARES = np.array([0.20, 0.25, 0.20, 0.12, 0.08, 0.15])
CONTACT_CHANNEL_SHARES = np.array([[0.55, 0.25, 0.20], [0.45, 0.35, 0.20], [0.38, 0.42, 0.20]])
CONTACT_MEDIAN_MINUTES = np.array([9.0, 12.0, 6.0])
CONTACT_FCR = np.array([0.72, 0.58, 0.86, 0.80, 0.62, 0.85])
CONTACT_FCR_CHANNEL = np.array([0.04, 0.0, -0.12])
RELATIONSHIP_CHANNELS = np.array([0.6, 0.3, 0.1, 0.0, 0.0])
TOUCHPOINT_CHANNELS = np.array(
    [
        [0.60, 0.20, 0.00, 0.05, 0.15],
        [0.50, 0.20, 0.20, 0.05, 0.05],
        [0.25, 0.15, 0.55, 0.05, 0.00],
        [0.45, 0.15, 0.15, 0.15, 0.10],
        [0.35, 0.10, 0.05, 0.40, 0.10],
        [0.55, 0.35, 0.05, 0.05, 0.00],
        [0.60, 0.25, 0.00, 0.00, 0.15],
    ]
)


def categorical(rng: np.random.Generator, shares: np.ndarray) -> np.ndarray:
    """One category index per row of `shares` (rows x categories)."""
    cumulative = np.cumsum(shares, axis=1)
    cumulative = cumulative / cumulative[:, -1:]
    draws = rng.random(len(cumulative))[:, None]
    return (draws >= cumulative).sum(axis=1).clip(0, cumulative.shape[1] - 1)


def draw(rng: np.random.Generator, shares: np.ndarray, n: int) -> np.ndarray:
    """n category indexes from one vector of shares."""
    cumulative = np.cumsum(shares) / np.sum(shares)
    return np.searchsorted(cumulative, rng.random(n), side="right").clip(0, len(shares) - 1)


def thin(rng: np.random.Generator, intensity: np.ndarray) -> np.ndarray:
    """Keep each row with probability equal to its day's event intensity (0..1)."""
    return rng.random(len(intensity)) < intensity


@dataclass
class Totals:
    """Figures accumulated over all chunks: financials, active customers and the relationship promoter share."""

    revenue: np.ndarray = field(default_factory=lambda: np.zeros((cal.CLOSED_MONTHS, 4, 3)))
    margin: np.ndarray = field(default_factory=lambda: np.zeros((cal.CLOSED_MONTHS, 4, 3)))
    cost_to_serve: np.ndarray = field(default_factory=lambda: np.zeros((cal.CLOSED_MONTHS, 4, 3)))
    active: np.ndarray = field(default_factory=lambda: np.zeros((cal.CLOSED_MONTHS, 4)))
    relationship: np.ndarray = field(default_factory=lambda: np.zeros(cal.SIM_MONTHS))
    promoters: np.ndarray = field(default_factory=lambda: np.zeros(cal.SIM_MONTHS))


@dataclass
class Parts:
    """Column arrays of one table, gathered month by month."""

    columns: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(self, **cols: np.ndarray) -> None:
        """Append one batch of rows."""
        for name, values in cols.items():
            self.columns.setdefault(name, []).append(values)

    def joined(self) -> dict[str, np.ndarray]:
        """All batches concatenated per column."""
        return {name: np.concatenate(parts) for name, parts in self.columns.items()}


class ChunkSimulation:
    """Simulates one chunk of customers over every month of the window."""

    def __init__(self, ctx: Context, pop: Population, rng: np.random.Generator, totals: Totals):
        self.ctx, self.pop, self.rng, self.totals = ctx, pop, rng, totals
        self.world = ctx.world
        exp = self.world.experience
        n = pop.size
        self.weights = np.asarray(sp.DRIVER_WEIGHTS)
        self.attr_base = pop.attribute_effect + np.asarray(exp.attribute_offset)
        self.churn_day = np.full(n, NEVER, dtype=np.int64)
        self.ar = pop.ar_start.copy()
        self.latent = np.zeros(n)
        self.category = np.zeros((n, cal.SIM_MONTHS + self.world.loyalty.lag_months), dtype=np.int8)
        self.level = pop.base_revenue.copy()
        self.lost_until = np.full(n, -1)
        self.recovered_until = np.full(n, -1)
        self.responses, self.complaints, self.contacts, self.revenue = Parts(), Parts(), Parts(), Parts()

    def run(self, on_month=None) -> None:
        """Simulate every month in order."""
        for m in range(cal.SIM_MONTHS):
            self.month(m)
            if on_month:
                on_month()

    def month(self, m: int) -> None:
        """One month: experience, churn, surveys, complaints, contacts, revenue."""
        ms, me = int(cal.MONTH_STARTS[m]), int(cal.MONTH_STARTS[m + 1])
        self.update_experience(m)
        self.churn(m, ms, me)
        start = np.maximum(self.pop.signup_day, ms)
        end = np.minimum(self.churn_day, me)
        live = np.flatnonzero(end > start)
        start, end = start[live], end[live]
        weight = cal.active_weight(start, end)
        self.surveys(m, live, start, end, weight)
        cost = self.complaints_month(m, live, start, end, weight)
        cost += self.contacts_month(live, start, end, weight)
        if m < cal.CLOSED_MONTHS:
            self.revenue_month(m, live, start, end, cost)
        self.grow(m)

    def update_experience(self, m: int) -> None:
        """Advance the AR(1) noise and set this month's latent level and latent NPS category."""
        exp, pop = self.world.experience, self.pop
        phi = exp.ar_persistence
        self.ar = phi * self.ar + np.sqrt(1 - phi**2) * self.rng.normal(0, exp.ar_sd, pop.size)
        eng = self.ctx.engagement_latent[pop.region, m]
        self.latent = pop.effect + self.ar + exp.trend_per_month * m + eng
        migration = np.full(pop.size, self.ctx.migration_month[m])
        price = np.full(pop.size, self.ctx.price_month[m])
        shift = self.ctx.attribute_shift(pop.region, migration, price) @ self.weights
        quality = self.latent + self.ctx.halo(pop.region, migration) + (self.attr_base @ self.weights) + shift
        expected = exp.nps_intercept + exp.nps_scale * quality
        category = np.where(
            expected >= exp.promoter_cut, PROMOTER, np.where(expected < exp.detractor_cut, DETRACTOR, 1)
        )
        lag = self.world.loyalty.lag_months
        if m == 0:
            self.category[:, :lag] = category[:, None]
        self.category[:, m + lag] = category

    def churn(self, m: int, ms: int, me: int) -> None:
        """Customers with at least a month of tenure may churn; hazard by lagged latent group and complaints."""
        loyalty = self.world.loyalty
        annual = np.array([loyalty.annual_churn[g] for g in sp.NPS_GROUPS])
        hazard = 1 - (1 - annual[self.category[:, m]]) ** (1 / 12)
        mult = loyalty.complaint_churn_multiplier
        factor = np.where(self.lost_until >= m, mult["lost"], np.where(self.recovered_until >= m, mult["recovered"], 1))
        eligible = (self.pop.signup_day < ms) & (self.churn_day == NEVER)
        leaving = np.flatnonzero(eligible & (self.rng.random(self.pop.size) < hazard * factor))
        self.churn_day[leaving] = ms + self.rng.integers(0, me - ms, len(leaving))

    def surveys(self, m: int, live: np.ndarray, start: np.ndarray, end: np.ndarray, weight: np.ndarray) -> None:
        """Relationship and transactional survey responses of the month."""
        sv, rng = self.world.surveys, self.rng
        answered = rng.random(len(live)) < sv.relationship_rate * weight
        rel = live[answered]
        days = cal.sample_days(rng, start[answered], end[answered])
        self.relationship(m, rel, days)
        rates = self.touchpoint_rates(m, live)
        counts = rng.poisson(rates * weight[:, None])
        row, tp = np.nonzero(counts)
        reps = counts[row, tp]
        row, tp = np.repeat(row, reps), np.repeat(tp, reps)
        days = cal.sample_days(rng, start[row], end[row])
        customers = live[row]
        extra = self.migration_billing_surveys(live, start, end, weight, rates)
        customers = np.concatenate([customers, extra[0]])
        days = np.concatenate([days, extra[1]])
        tp = np.concatenate([tp, np.full(len(extra[0]), TP["billing"])])
        self.transactional(customers, days, tp)

    def touchpoint_rates(self, m: int, live: np.ndarray) -> np.ndarray:
        """Expected transactional surveys per customer and touchpoint in an ordinary month."""
        sv, pop = self.world.surveys, self.pop
        ms = cal.MONTH_STARTS[m]
        signup = pop.signup_day[live]
        rates = np.tile(np.asarray(sv.touchpoint_rate), (len(live), 1))
        rates[:, TP["onboarding"]] += np.where(signup >= ms - 91, sv.onboarding_new_rate, 0.0)
        rates[:, TP["sales"]] += np.where(signup >= ms - 31, sv.sales_new_rate, 0.0)
        signup_month = (cal.WINDOW_START + signup).astype("datetime64[M]").astype(np.int64) % 12 + 1
        anniversary = (signup_month == cal.MONTH_OF_YEAR[m]) & (signup < ms - 300)
        rates[:, TP["renewal"]] += np.where(anniversary, sv.renewal_anniversary_rate, 0.0)
        rates[:, TP["support"]] *= np.exp(-0.4 * self.latent[live])
        return rates * np.asarray(sv.segment_volume)[pop.segment[live]][:, None]

    def migration_billing_surveys(self, live, start, end, weight, rates) -> tuple[np.ndarray, np.ndarray]:
        """Extra billing interactions (and so surveys) in EMEA while the billing migration is live."""
        extra_rate = rates[:, TP["billing"]] * sp.MIGRATION.effects["billing_surveys_extra_multiple"]
        extra_rate = np.where(self.pop.region[live] == EMEA, extra_rate, 0.0)
        counts = self.rng.poisson(extra_rate * weight)
        row = np.repeat(np.arange(len(live)), counts)
        days = cal.sample_days(self.rng, start[row], end[row])
        keep = thin(self.rng, self.ctx.migration[days])
        return live[row][keep], days[keep]

    def attribute_quality(self, customers: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Latent quality of every attribute at the moment of a response, rows x attributes."""
        region = self.pop.region[customers]
        migration, price = self.ctx.migration[days], self.ctx.price[days]
        base = self.latent[customers] + self.ctx.halo(region, migration)
        shift = self.ctx.attribute_shift(region, migration, price)
        noise = self.rng.normal(0, self.world.experience.attribute_response_sd, shift.shape)
        return base[:, None] + self.attr_base[customers] + shift + noise

    def relationship(self, m: int, customers: np.ndarray, days: np.ndarray) -> None:
        """Relationship survey responses: NPS from weighted attribute qualities, attribute ratings, some CSAT."""
        exp, sv, rng = self.world.experience, self.world.surveys, self.rng
        n = len(customers)
        quality = self.attribute_quality(customers, days)
        overall = quality @ self.weights
        nps = np.clip(np.rint(exp.nps_intercept + exp.nps_scale * overall + rng.normal(0, exp.nps_noise_sd, n)), 0, 10)
        ratings = np.clip(
            np.rint(
                exp.rating_center + exp.rating_scale * quality + rng.normal(0, 1, quality.shape) * exp.rating_noise_sd
            ),
            1,
            5,
        )
        ratings = np.where(rng.random(quality.shape) < sv.attribute_answer_share, ratings, 0)
        csat = self.csat(overall, rng.random(n) < sv.relationship_csat_share)
        self.totals.relationship[m] += n
        self.totals.promoters[m] += np.count_nonzero(nps >= measures.PROMOTER_MIN)
        self.responses.add(
            customer=customers,
            day=days,
            survey=np.zeros(n, np.int8),
            touchpoint=np.full(n, -1, np.int8),
            nps=nps.astype(np.int16),
            csat=csat,
            ces=np.full(n, -1, np.int16),
            ratings=ratings.astype(np.int8),
            best=np.argmax(quality, axis=1).astype(np.int8),
            worst=np.argmin(quality, axis=1).astype(np.int8),
            anonymous=np.zeros(n, bool),
        )

    def csat(self, quality: np.ndarray, answered: np.ndarray) -> np.ndarray:
        """CSAT 1-5 from latent quality, -1 where not answered."""
        sv = self.world.surveys
        raw = sv.csat_center + sv.csat_scale * quality + self.rng.normal(0, sv.csat_noise_sd, len(quality))
        return np.where(answered, np.clip(np.rint(raw), 1, 5), -1).astype(np.int16)

    def transactional(self, customers: np.ndarray, days: np.ndarray, tp: np.ndarray) -> None:
        """Transactional survey responses: CSAT, CES and NPS from the touchpoint's quality."""
        exp, sv, rng, pop = self.world.experience, self.world.surveys, self.rng, self.pop
        n = len(customers)
        region = pop.region[customers]
        attribute = TOUCHPOINT_ATTRIBUTE[tp]
        migration, price = self.ctx.migration[days], self.ctx.price[days]
        shift = self.ctx.attribute_shift(region, migration, price)[np.arange(n), attribute]
        shift += np.where(tp == TP["field_service"], self.ctx.field_shift(region, days), 0.0)
        quality = (
            self.latent[customers]
            + self.ctx.halo(region, migration)
            + pop.attribute_effect[customers, attribute]
            + np.asarray(sv.touchpoint_offset)[tp]
            + shift
            + rng.normal(0, sv.touchpoint_noise_sd, n)
        )
        csat = self.csat(quality, rng.random(n) < sv.transactional_csat_share)
        ces_raw = np.clip(np.rint(sv.ces_center + sv.ces_scale * quality + rng.normal(0, sv.ces_noise_sd, n)), 1, 7)
        ces = np.where(rng.random(n) < sv.transactional_ces_share, ces_raw, -1).astype(np.int16)
        nps_raw = sv.transactional_nps_intercept + sv.transactional_nps_scale * quality
        nps_raw += rng.normal(0, exp.nps_noise_sd, n)
        nps = np.where(rng.random(n) < sv.transactional_nps_share, np.clip(np.rint(nps_raw), 0, 10), -1)
        nothing = (csat < 0) & (ces < 0) & (nps < 0)
        csat = np.where(nothing, self.csat(quality, np.ones(n, bool)), csat)
        ratings = np.zeros((n, len(sp.ATTRIBUTES)), np.int8)
        self.responses.add(
            customer=customers,
            day=days,
            survey=np.ones(n, np.int8),
            touchpoint=tp.astype(np.int8),
            nps=nps.astype(np.int16),
            csat=csat,
            ces=ces,
            ratings=ratings,
            best=attribute.astype(np.int8),
            worst=attribute.astype(np.int8),
            anonymous=rng.random(n) < sv.anonymous_share,
        )

    def complaints_month(self, m: int, live, start, end, weight) -> np.ndarray:
        """Complaints of the month; returns their handling cost per live customer."""
        ops, pop, rng = self.world.operations, self.pop, self.rng
        shares = np.array([ops.complaint_process_share[p] for p in PROCESSES])
        quality = self.latent[live][:, None] + pop.attribute_effect[live][:, PROCESS_ATTRIBUTE]
        rate = np.asarray(ops.complaint_rate)[pop.segment[live]][:, None] * shares
        rate = rate * np.exp(-ops.complaint_experience_slope * quality)
        counts = rng.poisson(rate * weight[:, None])
        row, process = np.nonzero(counts)
        row, process = np.repeat(row, counts[row, process]), np.repeat(process, counts[row, process])
        days = cal.sample_days(rng, start[row], end[row])
        extra = []
        streams = (
            ("billing", self.ctx.migration, EMEA, sp.MIGRATION.effects["billing_complaints_extra_multiple"]),
            (
                "field_service",
                self.ctx.field_partner,
                APAC,
                sp.FIELD_PARTNER.effects["field_service_complaints_extra_multiple"],
            ),
        )
        for name, event, region, multiple in streams:
            p = PROCESSES.index(name)
            extra_rate = np.where(pop.region[live] == region, rate[:, p] * multiple, 0.0)
            extra_rows = np.repeat(np.arange(len(live)), rng.poisson(extra_rate * weight))
            extra_days = cal.sample_days(rng, start[extra_rows], end[extra_rows])
            keep = thin(rng, event[extra_days])
            extra.append((extra_rows[keep], np.full(keep.sum(), p), extra_days[keep]))
        row = np.concatenate([row] + [e[0] for e in extra])
        process = np.concatenate([process] + [e[1] for e in extra])
        days = np.concatenate([days] + [e[2] for e in extra])
        return self.record_complaints(m, live, row, process, days)

    def record_complaints(self, m: int, live, row, process, days) -> np.ndarray:
        """Fill in category, severity, channel, outcome and resolution; update churn state; return cost per row."""
        ops, pop, rng = self.world.operations, self.pop, self.rng
        customers = live[row]
        n = len(customers)
        n_categories = np.array([len(c) for c in CATEGORIES])
        category = (rng.random(n) * n_categories[process]).astype(np.int64)
        severity_shares = np.tile(SEVERITY_SHARES, (n, 1))
        severity_shares[process == PROCESSES.index("product"), 3] *= 2.5
        severity = categorical(rng, severity_shares)
        enterprise = (pop.segment[customers] == 0).astype(np.int64)
        channel = categorical(rng, COMPLAINT_CHANNEL_SHARES[1 - enterprise])
        opened = cal.sample_times(rng, days)
        duration_days = np.exp(np.log(RESOLUTION_MEDIAN_DAYS[severity]) + rng.normal(0, 0.9, n))
        duration_days *= np.where(rng.random(n) < 0.08, 8.0, 1.0)
        resolved = opened + ((duration_days * 86_400).astype(np.int64) * 1_000_000).astype("timedelta64[us]")
        region = pop.region[customers]
        migration = np.where((region == EMEA) & (process == 0), self.ctx.migration[days], 0.0)
        quality = self.latent[customers] + pop.attribute_effect[customers, PROCESS_ATTRIBUTE[process]]
        logit = np.log(ops.recovered_share / (1 - ops.recovered_share)) + 0.5 * quality
        logit += -0.4 * (severity >= 2) - 1.2 * migration
        recovered = rng.random(n) < 1 / (1 + np.exp(-logit))
        is_open = resolved >= cal.END.astype("datetime64[us]")
        outcome = np.where(is_open, 2, np.where(recovered, 0, 1))
        horizon = m + self.world.loyalty.complaint_effect_months
        np.maximum.at(self.lost_until, customers[outcome == 1], horizon)
        np.maximum.at(self.recovered_until, customers[outcome == 0], horizon)
        self.complaints.add(
            customer=customers,
            opened=opened,
            resolved=resolved,
            open=is_open,
            process=process.astype(np.int8),
            category=category.astype(np.int8),
            channel=channel.astype(np.int8),
            severity=severity.astype(np.int8),
            outcome=outcome.astype(np.int8),
        )
        cost = np.asarray(self.world.money.complaint_cost_usd)[severity]
        return np.bincount(row, weights=cost, minlength=len(live)).astype(np.float64)

    def contacts_month(self, live, start, end, weight) -> np.ndarray:
        """Contact-centre contacts of the month; returns their cost per live customer."""
        ops, pop, rng = self.world.operations, self.pop, self.rng
        rate = np.asarray(ops.contact_rate)[pop.segment[live]] * np.exp(
            -ops.contact_experience_slope * self.latent[live]
        )
        row = np.repeat(np.arange(len(live)), rng.poisson(rate * weight))
        days = cal.sample_days(rng, start[row], end[row])
        reason = draw(rng, CONTACT_REASON_SHARES, len(row))
        extra_rate = np.where(pop.region[live] == EMEA, rate * CONTACT_REASON_SHARES[0], 0.0)
        extra_rate *= sp.MIGRATION.effects["billing_contacts_extra_multiple"]
        extra_row = np.repeat(np.arange(len(live)), rng.poisson(extra_rate * weight))
        extra_days = cal.sample_days(rng, start[extra_row], end[extra_row])
        keep = thin(rng, self.ctx.migration[extra_days])
        row = np.concatenate([row, extra_row[keep]])
        days = np.concatenate([days, extra_days[keep]])
        reason = np.concatenate([reason, np.zeros(keep.sum(), np.int64)])
        return self.record_contacts(live, row, days, reason)

    def record_contacts(self, live, row, days, reason) -> np.ndarray:
        """Fill in channel, handling time, cost and first-contact resolution; return cost per live customer."""
        ops, pop, rng = self.world.operations, self.pop, self.rng
        customers = live[row]
        n = len(customers)
        channel = categorical(rng, CONTACT_CHANNEL_SHARES[pop.segment[customers]])
        technical = np.isin(reason, (1, 4))
        minutes = np.exp(np.log(CONTACT_MEDIAN_MINUTES[channel]) + rng.normal(0, 0.55, n)) * np.where(
            technical, 1.4, 1.0
        )
        minutes = np.round(minutes, 1) + 0.5
        cost = np.round(minutes * np.asarray(self.world.money.contact_cost_per_minute_usd)[channel], 2)
        migration = np.where((pop.region[customers] == EMEA) & (reason == 0), self.ctx.migration[days], 0.0)
        fcr_p = CONTACT_FCR[reason] + CONTACT_FCR_CHANNEL[channel] - 0.3 * migration + 0.05 * self.latent[customers]
        self.contacts.add(
            customer=customers,
            contacted=cal.sample_times(rng, days),
            unknown=rng.random(n) < ops.unknown_contact_share,
            channel=channel.astype(np.int8),
            reason=reason.astype(np.int8),
            fcr=rng.random(n) < fcr_p,
            minutes=minutes,
            cost=cost,
        )
        return np.bincount(row, weights=cost, minlength=len(live)).astype(np.float64)

    def revenue_month(self, m: int, live, start, end, cost) -> None:
        """Revenue, margin and cost to serve of every live customer in a closed month."""
        money, pop, rng = self.world.money, self.pop, self.rng
        if m == cal.month_index(sp.PRICE_INCREASE.start):
            self.level *= sp.PRICE_INCREASE.effects["revenue_multiple"]
        segment, region = pop.segment[live], pop.region[live]
        days_in_month = cal.MONTH_STARTS[m + 1] - cal.MONTH_STARTS[m]
        share = (end - start) / days_in_month
        tenure_months = (cal.MONTH_STARTS[m] - pop.signup_day[live]) / 30.44
        ramp = 0.6 + 0.4 * np.clip(tenure_months / money.new_customer_ramp_months, 0, 1)
        bought = rng.random(len(live)) < pop.buy_probability[live]
        season = money.q4_seasonality[cal.MONTH_OF_YEAR[m] - 1]
        noise = np.exp(rng.normal(0, money.revenue_noise_sd, len(live)))
        revenue = np.round(self.level[live] * season * share * ramp * bought * noise, 2)
        account = np.asarray(money.account_cost_usd)[segment] * pop.service_intensity[live] * share
        cost_to_serve = np.round(account + cost, 2)
        margin = np.round(revenue * np.asarray(money.margin_rate)[segment] - cost_to_serve, 2)
        self.revenue.add(
            customer=live, month=np.full(len(live), m, np.int16), revenue=revenue, margin=margin, cost=cost_to_serve
        )
        cell = (region.astype(np.int64) * 3 + segment) + m * 12
        for total, values in (
            (self.totals.revenue, revenue),
            (self.totals.margin, margin),
            (self.totals.cost_to_serve, cost_to_serve),
        ):
            total.reshape(-1)[:] += np.bincount(cell, weights=values, minlength=total.size)
        self.totals.active[m] += np.bincount(region, minlength=4)

    def grow(self, m: int) -> None:
        """Move each customer's revenue level into month m + 1 by the growth of its latent group `lag_months` before
        month m + 1 (category[:, t] holds the group of month t - lag_months)."""
        loyalty = self.world.loyalty
        growth = np.array([loyalty.monthly_growth[g] for g in sp.NPS_GROUPS])
        drift = self.rng.normal(0, loyalty.level_noise_sd, self.pop.size)
        self.level *= np.exp(growth[self.category[:, m + 1]] + drift)
