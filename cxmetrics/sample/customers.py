"""The customer population of the sample world: who they are, when they joined, and their persistent traits."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from cxmetrics.sample import calendar as cal
from cxmetrics.sample import params as sp


@dataclass
class Population:
    """Static traits of customers, one array entry per customer, ordered by signup date."""

    region: np.ndarray
    segment: np.ndarray
    industry: np.ndarray
    signup_day: np.ndarray
    effect: np.ndarray
    attribute_effect: np.ndarray
    ar_start: np.ndarray
    base_revenue: np.ndarray
    buy_probability: np.ndarray
    service_intensity: np.ndarray

    @property
    def size(self) -> int:
        """Number of customers."""
        return len(self.region)

    def slice(self, low: int, high: int) -> Population:
        """The customers low..high-1."""
        return Population(**{f.name: getattr(self, f.name)[low:high] for f in fields(self)})


def _pre_window_days(rng: np.random.Generator, n: int) -> np.ndarray:
    """Signup days before the window, back to 2018, weighted towards recent years (older ones have churned)."""
    span = int((cal.WINDOW_START - cal.OLDEST_SIGNUP).astype(np.int64))
    age = np.floor(span * rng.random(n) ** 1.6).astype(np.int64)
    return -1 - age


def _in_window_days(rng: np.random.Generator, n: int, acquisition: sp.Acquisition) -> np.ndarray:
    """Signup days inside the window: monthly growth and seasonality, business-day weighted."""
    months = np.arange(cal.SIM_MONTHS)
    weights = (1 + acquisition.monthly_growth) ** months * np.array(acquisition.seasonality)[cal.MONTH_OF_YEAR - 1]
    weights = weights * np.diff(cal.MONTH_STARTS) / (cal.MONTH_STARTS[1] - cal.MONTH_STARTS[0])
    counts = rng.multinomial(n, weights / weights.sum())
    month = np.repeat(months, counts)
    return cal.sample_days(rng, cal.MONTH_STARTS[month], cal.MONTH_STARTS[month + 1])


def _choice(rng: np.random.Generator, shares: tuple[float, ...], n: int) -> np.ndarray:
    """n draws of category indexes with the given shares."""
    p = np.asarray(shares, dtype=float)
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right").astype(np.int8)


def _buy_probability(rng: np.random.Generator, segment: np.ndarray, money: sp.Money) -> np.ndarray:
    """Chance of buying in a month: 1 for contract customers, Beta-distributed for order-based ones."""
    mean = np.asarray(money.buy_probability_mean)[segment]
    concentration = 12.0
    draws = rng.beta(np.maximum(mean * concentration, 1e-3), np.maximum((1 - mean) * concentration, 1e-3))
    return np.where(mean >= 1.0, 1.0, draws)


def build(rng: np.random.Generator, n: int, world: sp.World) -> Population:
    """Draw n customers: about half signed up before the window, the rest acquired during it."""
    n_pre = round(n * world.acquisition.pre_window_share)
    signup = np.sort(np.concatenate([_pre_window_days(rng, n_pre), _in_window_days(rng, n - n_pre, world.acquisition)]))
    segment = _choice(rng, sp.SEGMENT_SHARES, n)
    region = _choice(rng, sp.REGION_SHARES, n)
    industry = _choice(rng, sp.INDUSTRY_SHARES, n)
    exp = world.experience
    effect = (
        np.asarray(exp.segment_effect)[segment]
        + np.asarray(exp.region_effect)[region]
        + rng.normal(0, exp.customer_sd, n)
    )
    money = world.money
    tenure_years = np.maximum(-signup, 0) / 365.25
    revenue = np.exp(
        np.log(np.asarray(money.revenue_median_usd)[segment])
        + rng.normal(0, 1, n) * np.asarray(money.revenue_sd_log)[segment]
    ) * (1 + money.tenure_uplift_per_year * tenure_years)
    intensity_sd = money.service_intensity_sd_log
    return Population(
        region=region,
        segment=segment,
        industry=industry,
        signup_day=signup,
        effect=effect,
        attribute_effect=rng.normal(0, exp.attribute_customer_sd, (n, len(sp.ATTRIBUTES))),
        ar_start=rng.normal(0, exp.ar_sd, n),
        base_revenue=revenue,
        buy_probability=_buy_probability(rng, segment, money),
        service_intensity=np.exp(rng.normal(-(intensity_sd**2) / 2, intensity_sd, n)),
    )
